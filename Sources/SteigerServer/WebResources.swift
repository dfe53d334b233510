import Crypto
import Foundation
import Mustache
import SteigerApp
import SteigerCore

/// The web app's files, read once at start: Mustache templates, the message catalogues (one
/// `messages/<language>.json` per language), and the static files (CSS, scripts) with their
/// validators.
struct WebResources: Sendable {
    /// A static file as served.
    struct StaticFile: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    let templates: MustacheLibrary
    /// Each language's catalogue as written; templates read the request's as `{{t.key}}`.
    let catalogues: [Language: [String: String]]
    let files: [String: StaticFile]
    /// The builder's ready-made exercises, per language, in the order offered.
    let exerciseTemplates: [Language: [ExerciseTemplate]]
    /// The sample programme in each language (`demo/<language>.json`, on one of the templates).
    let demoProgrammes: [Language: Demo.Programme]

    /// Reads everything under `directory` (the `Web` folder: `templates/`, `messages/`, `static/`).
    init(directory: URL) throws {
        var library = MustacheLibrary()
        let templateDirectory = directory.appendingPathComponent("templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: templateDirectory.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templateDirectory.appendingPathComponent(name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        templates = library
        var catalogues: [Language: [String: String]] = [:]
        var exerciseTemplates: [Language: [ExerciseTemplate]] = [:]
        var demoProgrammes: [Language: Demo.Programme] = [:]
        for language in Language.allCases {
            catalogues[language] = try Self.catalogue(language, in: directory)
            exerciseTemplates[language] = try Self.exerciseTemplates(language, in: directory)
            demoProgrammes[language] = try Self.demoProgramme(language, templates: exerciseTemplates[language] ?? [], in: directory)
        }
        self.catalogues = catalogues
        self.exerciseTemplates = exerciseTemplates
        self.demoProgrammes = demoProgrammes
        var files: [String: StaticFile] = [:]
        let staticDirectory = directory.appendingPathComponent("static")
        for name in try FileManager.default.contentsOfDirectory(atPath: staticDirectory.path).sorted() {
            let bytes = Array(try Data(contentsOf: staticDirectory.appendingPathComponent(name)))
            let digest = SHA256.hash(data: bytes).prefix(12).map { String(format: "%02x", $0) }.joined()
            files[name] = StaticFile(bytes: bytes, contentType: Self.contentType(name), etag: "\"\(digest)\"")
        }
        self.files = files
    }

    /// The `Web` folder: `STEIGER_WEB_DIR` when set, else the resource bundle the build puts next
    /// to the program (`Steiger_SteigerServer.resources/Web`, to be copied along with it), else
    /// the source tree of a development checkout.
    static func bundled() throws -> WebResources {
        try WebResources(directory: directory())
    }

    /// The `Web` folder, found as ``bundled()`` says.
    static func directory() throws -> URL {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let directory = ProcessInfo.processInfo.environment["STEIGER_WEB_DIR"], !directory.isEmpty {
            candidates.append(URL(fileURLWithPath: directory))
        }
        let program = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() ?? Bundle.main.bundleURL
        for base in [program, Bundle.main.bundleURL] {
            // The build names the bundle after the package and the target.
            candidates.append(base.appendingPathComponent("Steiger_SteigerServer.resources/Web"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Web"))
        guard let found = candidates.first(where: { fileManager.fileExists(atPath: $0.appendingPathComponent("templates").path) }) else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "the web app's files are missing: copy Steiger_SteigerServer.resources next to the steiger program, or set STEIGER_WEB_DIR"
                ])
        }
        return found
    }

    /// One language's catalogue from `directory`'s `messages/`.
    static func catalogue(_ language: Language, in directory: URL) throws -> [String: String] {
        let file = directory.appendingPathComponent("messages/\(language.rawValue).json")
        do {
            return try Localizer.catalogue(try Data(contentsOf: file))
        } catch {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the catalogue \(file.path) cannot be read: \(error)"])
        }
    }

    /// One language's ready-made exercises from `directory`'s `exercise-templates/`, each checked
    /// as the API checks an exercise.
    /// What the sample programme's file says, with the exercise of the template it names.
    struct DemoFile: Decodable {
        var template: String
        var cohort: String
        var trainer: String
        var learners: [String]
        var videoTitle: String
        var comment: String
        var reviewComment: String
    }

    static func demoProgramme(_ language: Language, templates: [ExerciseTemplate], in directory: URL) throws -> Demo.Programme {
        let file = directory.appendingPathComponent("demo/\(language.rawValue).json")
        let demo = try JSONDecoder().decode(DemoFile.self, from: Data(contentsOf: file))
        guard let exercise = templates.first(where: { $0.id == demo.template })?.exercise else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(file.path) names no template \(demo.template)"])
        }
        return Demo.Programme(
            cohort: demo.cohort, trainer: demo.trainer, learners: demo.learners, videoTitle: demo.videoTitle, title: exercise.title,
            instructions: exercise.instructions, skillName: exercise.skillName, rubric: exercise.rubric, ladder: exercise.ladder,
            comment: demo.comment, reviewComment: demo.reviewComment)
    }

    static func exerciseTemplates(_ language: Language, in directory: URL) throws -> [ExerciseTemplate] {
        let file = directory.appendingPathComponent("exercise-templates/\(language.rawValue).json")
        do {
            let templates = try JSONDecoder().decode([ExerciseTemplate].self, from: Data(contentsOf: file))
            for template in templates {
                try template.exercise.ladder.checkSupportsGiven()
                _ = try Exercise(
                    title: template.exercise.title, instructions: template.exercise.instructions, skillKey: "",
                    skillName: template.exercise.skillName, rubric: template.exercise.rubric, ladder: template.exercise.ladder)
            }
            return templates
        } catch {
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the exercise templates \(file.path) cannot be read: \(error)"])
        }
    }

    /// The catalogues with the rule that picks one per request.
    func localization(defaultLanguage: Language) -> Localization {
        Localization(catalogues: catalogues, defaultLanguage: defaultLanguage)
    }

    /// Renders `template` with `context` in `words`' language; templates escape every value
    /// (`{{value}}`) and read texts as `{{t.key}}`.
    func render(_ template: String, _ context: [String: Any], in words: Localizer) -> String? {
        var context = context
        context["t"] = words.messages
        return templates.render(context, withTemplate: template)
    }

    private static func contentType(_ name: String) -> String {
        switch (name as NSString).pathExtension {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}
