import Foundation
import Testing

/// The layering of `docs/architecture.md`, checked on the sources: the HTTP API and the pages
/// reach data only through the use cases, the use cases speak no HTTP, and the rules this
/// layering moved into one place stay there. (With `MemberImportVisibility`, a file that does
/// not import a module cannot use its types or members, so a missing import is a wall the
/// compiler keeps.)
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Swift files of a target, by name relative to its folder.
    static func sources(of target: String) throws -> [String: String] {
        let folder = root.appendingPathComponent("Sources/\(target)")
        let names = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        return try Dictionary(
            uniqueKeysWithValues: names.map { ($0, try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) })
    }

    /// The modules a file imports.
    static func imports(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { return nil }
                return words[..<index].allSatisfy { $0.hasPrefix("@") } ? String(words[index + 1]) : nil
            })
    }

    /// The dependencies Package.swift lists for `target`.
    static func dependencies(of target: String) throws -> [String] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let start = try #require(manifest.range(of: #"\.(target|executableTarget)\(\s*name: "# + "\"\(target)\"", options: .regularExpression))
        let rest = manifest[start.upperBound...]
        let end = [".target(", ".executableTarget(", ".testTarget("].compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
        let block = rest[..<end]
        let regex = try NSRegularExpression(pattern: #""([A-Za-z]+)""#)
        let text = String(block)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { (text as NSString).substring(with: $0.range(at: 1)) }
    }

    @Test("the API and the pages reach data only through the use cases: SteigerServer neither depends on nor imports SteigerStore")
    func serverIsAboveTheUseCases() throws {
        #expect(!(try Self.dependencies(of: "SteigerServer")).contains("SteigerStore"))
        #expect(try Self.dependencies(of: "SteigerServer").contains("SteigerApp"))
        for (name, text) in try Self.sources(of: "SteigerServer") {
            #expect(!Self.imports(text).contains("SteigerStore"), "\(name) imports the store")
            #expect(!text.contains("StoreError"), "\(name) handles the store's errors (AppError maps them, once)")
        }
    }

    @Test("the use cases speak no HTTP")
    func useCasesHaveNoHTTP() throws {
        for (name, text) in try Self.sources(of: "SteigerApp") {
            let found = Self.imports(text).intersection(["Hummingbird", "HTTPTypes", "SteigerServer", "Mustache"])
            #expect(found.isEmpty, "\(name) imports \(found.sorted())")
        }
        #expect(!(try Self.dependencies(of: "SteigerApp")).contains("hummingbird"))
    }

    @Test("each rule lives once: the review hold, who may do what, and no role checks of the server's own")
    func rulesLiveOnce() throws {
        var all: [String: String] = [:]
        for target in ["SteigerCore", "SteigerStore", "SteigerApp", "SteigerServer", "SteigerPipeline", "steiger"] {
            for (name, text) in try Self.sources(of: target) { all["\(target)/\(name)"] = text }
        }
        func definitions(_ signature: String) -> [String] { all.filter { $0.value.contains(signature) }.map(\.key).sorted() }
        #expect(definitions("func holder(at") == ["SteigerCore/ReviewTask.swift"])
        #expect(definitions("static func decide(") == ["SteigerCore/AccessPolicy.swift"])
        // The server decides nothing about roles and cohorts itself; the page chrome only picks
        // which links a person sees (WebPages.swift).
        for (name, text) in try Self.sources(of: "SteigerServer") where name != "WebPages.swift" {
            for check in [".has(.", ".trains(", "learns(in", "trainedCohorts", "belongs(to"] {
                #expect(!text.contains(check), "\(name) checks \(check) itself")
            }
        }
    }
}
