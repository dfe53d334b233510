import ArgumentParser
import SteigerMedia

/// The `steiger` command: the service and its tools in one binary.
@main
struct Steiger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steiger",
        abstract: "Video-response training: read, preview and assess role-play recordings.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, AdminCommand.self, ProbeCommand.self, ThumbnailCommand.self,
            StoryboardCommand.self, TranscodeCommand.self, BatchCommand.self, BenchCommand.self,
        ]
    )
}
