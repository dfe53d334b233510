import ArgumentParser
struct ThumbnailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "thumbnail")
    func run() throws {}
}
struct StoryboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "storyboard")
    func run() throws {}
}
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench")
    func run() throws {}
}
