import Synchronization

/// A fixed set of resources lent out one caller at a time; callers wait (in order) when all are out.
final class LeasePool<Resource: Sendable>: Sendable {
    private struct State {
        var idle: [Resource]
        var waiting: [CheckedContinuation<Resource, Never>] = []
    }

    private let state: Mutex<State>

    init(_ resources: [Resource]) {
        precondition(!resources.isEmpty, "a lease pool needs at least one resource")
        state = Mutex(State(idle: resources))
    }

    /// Runs `body` with a resource, returning it to the pool afterwards.
    func withLease<T: Sendable>(_ body: (Resource) async throws -> T) async throws -> T {
        let resource = await acquire()
        defer { release(resource) }
        return try await body(resource)
    }

    private func acquire() async -> Resource {
        await withCheckedContinuation { continuation in
            let resource: Resource? = state.withLock { state in
                if let resource = state.idle.popLast() { return resource }
                state.waiting.append(continuation)
                return nil
            }
            if let resource { continuation.resume(returning: resource) }
        }
    }

    private func release(_ resource: Resource) {
        let next: CheckedContinuation<Resource, Never>? = state.withLock { state in
            if state.waiting.isEmpty {
                state.idle.append(resource)
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: resource)
    }
}
