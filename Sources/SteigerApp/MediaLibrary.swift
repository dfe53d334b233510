import Foundation
import SteigerCore
import SteigerStore

/// The media library: model videos and stimulus clips kept once and named by exercises.
/// Administrators and trainers browse and add to it; a learner plays exactly the items the
/// supports they get now name, and the clips to respond to of the exercises they practise.
public struct MediaLibrary: Sendable {
    let store: Store
    let scaffolding: Scaffolding

    /// The library, newest first (administrators and trainers).
    public func items(_ actor: Actor) async throws -> [MediaItem] {
        try AccessPolicy.require(actor, .view, .mediaLibrary, .mediaItem)
        return try await store.mediaItems()
    }

    /// One item, if `actor` may play it: administrators and trainers any; a learner one that a
    /// support they get now names, or the clip to respond to of an exercise they practise.
    /// Anyone else finds no such item.
    public func item(_ actor: Actor, _ id: MediaItemID, for action: Action = .view) async throws -> MediaItem {
        guard let item = try await store.mediaItem(id) else { throw AppError.notFound(.mediaItem) }
        // Whether a support names it matters only to someone the library is not open to.
        let open = AccessPolicy.decide(actor, action, .mediaItem(item, named: false)) == .allow
        let named = open ? false : try await namedForLearner(actor).contains(id)
        try AccessPolicy.require(actor, action, .mediaItem(item, named: named), .mediaItem)
        return item
    }

    /// Removes an item (administrators; a trainer what they uploaded). Exercises that name it
    /// then show that the video cannot be loaded.
    public func remove(_ actor: Actor, _ id: MediaItemID) async throws {
        _ = try await item(actor, id, for: .delete)
        try await store.deleteMediaItem(id)
    }

    /// The library items the supports `actor` gets now name, and the clips to respond to, on
    /// every exercise they practise.
    func namedForLearner(_ actor: Actor) async throws -> Set<MediaItemID> {
        var named: Set<MediaItemID> = []
        for exercise in try await store.exercises(scope: AccessPolicy.listScope(for: actor), page: PageRequest(limit: 200)).items
        where exercise.cohorts.contains(where: actor.learns(in:)) {
            if let clip = exercise.stimulus.flatMap(MediaItem.named(by:)) { named.insert(clip) }
            named.formUnion(try await scaffolding.supports(actor, on: exercise).supports.compactMap(\.mediaItem))
        }
        return named
    }
}
