import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore
import ZIPFoundation

/// The right of access and portability: a person asks for all their data and gets one ZIP,
/// made in the background and announced with a notice: their recordings, the feedback on them as
/// WebVTT and W3C Web Annotation, their scores as CSV, their scaffolding history in words and as
/// JSON, their account record and the consents they gave, with a README in their language. The
/// archive downloads once, within a week.
public struct DataExports: Sendable {
    let store: Store
    let files: UploadFiles
    let submissions: Submissions
    let scaffolding: Scaffolding
    let now: @Sendable () -> Date
    /// Where made archives wait for their download.
    let directory: String

    /// `actor`'s requests, newest first.
    public func list(_ actor: Actor) async throws -> [DataExport] {
        try await store.exports(of: actor.user.id)
    }

    /// Asks for an archive of all of `actor`'s data (a request still being made is returned instead).
    public func request(_ actor: Actor) async throws -> DataExport {
        try await store.requestExport(of: actor.user.id, now: now())
    }

    /// The file of `actor`'s ready archive `id`, handed out once.
    /// - Throws: not found for anyone else's; ``ProblemKind/linkInvalid`` (410) once downloaded,
    ///   run out or not made.
    public func download(_ actor: Actor, _ id: String) async throws -> (export: DataExport, path: String) {
        guard let export = try await store.takeExport(id, of: actor.user.id, now: now()) else { throw AppError.notFound(.export) }
        guard export.status == .ready, export.downloadedAt != nil else { throw AppError(.linkInvalid) }
        return (export, path(id))
    }

    func path(_ id: String) -> String { "\(directory)/\(id).zip" }

    /// Makes the archive of `export` in `words` (its person's language) and marks it ready.
    func make(_ export: DataExport, words: @Sendable (Language?) -> Localizer) async throws {
        guard let user = try await store.user(export.userID) else { return try await store.failExport(export.id) }
        let actor = Actor(user: user, memberships: try await store.memberships(of: user.id))
        let words = words(user.language)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/\(export.id).part"
        try? FileManager.default.removeItem(atPath: temporary)
        let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
        func add(_ name: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: now(), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        var scores = "exercise,attempt,recorded,review,reviewed,total,scores,comment\r\n"
        var recordings = 0
        var exercises: [ExerciseID: Exercise] = [:]
        var consents: [[String: String]] = []
        var page = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let found = try await store.submissions(scope: .everything, filter: SubmissionFilter(learner: user.id), page: page)
            for submission in found.items {
                guard let (_, exercise) = try? await submissions.own(actor, submission.id) else { continue }
                exercises[exercise.id] = exercise
                for consent in try await store.consents(of: submission.id) {
                    consents.append([
                        "attempt": "\(exercise.title) \(submission.attempt)", "wording": consent.wording,
                        "given": consent.givenAt.iso8601Milliseconds, "withdrawn": consent.withdrawnAt?.iso8601Milliseconds ?? "",
                    ])
                }
                let base = "attempts/\(Self.slug(exercise.title))-\(submission.attempt)"
                if let media = try await store.submissionMedia(submission.id), media.removal == nil,
                    FileManager.default.fileExists(atPath: files.mediaPath(media.originalSHA256))
                {
                    let ext = (media.fileName as NSString).pathExtension.lowercased()
                    try archive.addEntry(
                        with: base + "/recording" + (ext.isEmpty ? "" : "." + ext),
                        fileURL: URL(fileURLWithPath: files.mediaPath(media.originalSHA256)))
                    recordings += 1
                }
                let feedback = try await submissions.feedback(actor, submission.id)
                let name: (UserID) -> String = { feedback.name($0, in: words) }
                try add(
                    base + "/comments.vtt",
                    AnnotationExport.webVTT(feedback.annotations, durationMilliseconds: feedback.durationMilliseconds, name: name))
                let collection = AnnotationExport.webAnnotations(
                    feedback.annotations, collectionID: "urn:steiger:attempt:\(submission.id):annotations",
                    videoURL: "recording", annotationURL: { "urn:steiger:comment:\($0)" }, name: name)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                try add(base + "/comments.jsonld", String(decoding: try encoder.encode(collection), as: UTF8.self))
                for review in feedback.reviews {
                    scores +=
                        [
                            exercise.title, String(submission.attempt), submission.createdAt.iso8601Milliseconds, review.kind.rawValue,
                            review.submittedAt.iso8601Milliseconds, String(format: "%.4f", review.result.total),
                            review.scores.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), review.comment,
                        ].map(CSV.textField).joined(separator: ",") + "\r\n"
                }
            }
            guard let next = found.next else { break }
            page = PageRequest(limit: PageRequest.maximumLimit, after: next)
        }
        try add("scores.csv", scores)

        // The scaffolding history of every exercise practised, in words and as data.
        var history: [[String: String]] = []
        var lines: [String] = []
        for exercise in exercises.values.sorted(by: { $0.title < $1.title }) {
            guard let track = try? await scaffolding.track(actor, exercise: exercise.id, learner: user.id) else { continue }
            lines.append("\n" + exercise.title)
            for step in track.history.steps {
                let note = ScaffoldExplanation.note(step, ladder: exercise.ladder, in: words)
                lines.append("- " + words.dateTime(step.event.at) + ": " + (note.isEmpty ? words.text("exportStepCounted") : note))
                history.append([
                    "exercise": exercise.title, "skill": exercise.skill, "at": step.event.at.iso8601Milliseconds,
                    "levelBefore": String(step.levelBefore), "levelAfter": String(step.levelAfter), "outcome": step.outcome.name,
                    "explanation": note,
                ])
            }
        }
        try add("scaffolding.txt", words.text("exportScaffoldingTitle") + "\n" + lines.joined(separator: "\n") + "\n")
        try add("scaffolding.json", try Self.json(history))

        // The account record, with the cohorts and the consents given.
        var cohorts: [String] = []
        for membership in actor.memberships { if let cohort = try await store.cohort(membership.cohortID) { cohorts.append(cohort.name) } }
        let account: [String: Any] = [
            "id": user.id.description, "name": user.displayName, "email": user.email,
            "roles": user.roles.map(\.rawValue).sorted(), "language": user.language?.rawValue ?? "", "timeZone": user.timeZone,
            "created": user.createdAt.iso8601Milliseconds, "cohorts": cohorts.sorted(), "consents": consents,
        ]
        try add(
            "account.json",
            String(decoding: try JSONSerialization.data(withJSONObject: account, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        try add(
            "README.txt",
            words.text("exportReadme", ["name": .text(user.displayName), "date": .dateTime(now()), "recordings": .integer(recordings)]) + "\n")

        let size = (try FileManager.default.attributesOfItem(atPath: temporary)[.size] as? NSNumber)?.int64Value ?? 0
        guard rename(temporary, path(export.id)) == 0 else { throw StoreError.unavailable("cannot move the archive into place") }
        try await store.finishExport(export.id, size: size, expires: now().addingTimeInterval(DataExport.lifetime), now: now())
    }

    /// Makes every archive waiting (one that fails is marked so). - Returns: how many were made.
    @discardableResult
    public func makeWaiting(words: @Sendable (Language?) -> Localizer, logger: Logger) async throws -> Int {
        var made = 0
        while let export = try await store.claimExport(for: 600, now: now()) {
            do {
                try await make(export, words: words)
                made += 1
                logger.info("export made", metadata: ["export": "\(export.id)"])
            } catch {
                logger.error("export failed", metadata: ["export": "\(export.id)", "error": "\(error)"])
                try await store.failExport(export.id)
            }
        }
        return made
    }

    /// Removes the files of archives downloaded or run out.
    public func sweep() async throws {
        for id in try await store.spentExports(now: now()) { try? FileManager.default.removeItem(atPath: path(id)) }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A file-name-safe form of a title: "Price objection" → "price-objection".
    static func slug(_ title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let parts = folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        return parts.isEmpty ? "exercise" : parts.joined(separator: "-")
    }
}

/// Makes the archives people asked for, one at a time, and removes those spent.
public struct ExportMaker: Service {
    let exports: DataExports
    let words: @Sendable (Language?) -> Localizer
    let logger: Logger
    var interval: Duration = .seconds(2)

    public func run() async throws {
        var rounds = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // A database that does not answer is asked again at the next round.
            _ = try? await exports.makeWaiting(words: words, logger: logger)
            rounds += 1
            // Spent archives are looked for once a minute, not at every look for new requests.
            if rounds % 30 == 0 { try? await exports.sweep() }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
