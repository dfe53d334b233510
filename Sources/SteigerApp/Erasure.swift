import Foundation
import Logging
import SteigerCore
import SteigerStore

/// The right to be forgotten: an administrator erases a person. Their recordings and media go,
/// their account and everything on it; their comments and reviews on others' work stay under
/// "a former participant" (or only as scores, when the erasure asks so); nobody else's attempts,
/// reviews or standings change. Erasing twice is harmless: the second time there is nobody.
public struct Erasure: Sendable {
    let store: Store
    let files: UploadFiles
    let exports: DataExports
    let now: @Sendable () -> Date
    let logger: Logger

    /// What an erasure did.
    public struct Report: Sendable, Equatable {
        /// The account that stands in for the person where their contributions were kept.
        public var anonymous: UserID
        /// Their attempts that went.
        public var attempts: Int
        /// Bytes freed in storage (blobs another recording or the media library uses stay).
        public var freed: Int64
    }

    /// Erases `person` (administrators; not themselves); `keepContributions` keeps the texts of
    /// their comments and reviews on others' work, otherwise only the scores stay.
    /// - Throws: not found for nobody (or somebody already erased), ``ProblemKind/personOnHold``
    ///   while a legal hold stands, ``ProblemKind/eraseSelf`` for the administrator's own account.
    public func erase(_ actor: Actor, _ person: UserID, keepContributions: Bool = true) async throws -> Report {
        try AccessPolicy.require(actor, .delete, .retention, .user)
        guard person != actor.user.id else { throw AppError(.eraseSelf) }
        switch try await store.erase(person, keepContributions: keepContributions, by: actor.user.id, now: now()) {
        case .unknown: throw AppError.notFound(.user)
        case .held: throw AppError(.personOnHold)
        case .erased(let anonymous, let attempts, let blobs, let uploads, let archives):
            for upload in uploads { files.remove(upload) }
            for archive in archives { try? FileManager.default.removeItem(atPath: exports.path(archive)) }
            let freed = try await store.removeUnusedBlobs(blobs, from: files.blobs)
            logger.info("person erased", metadata: ["anonymous": "\(anonymous)", "attempts": "\(attempts)", "freed_bytes": "\(freed)"])
            return Report(anonymous: anonymous, attempts: attempts, freed: freed)
        }
    }
}
