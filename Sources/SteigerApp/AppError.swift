import SteigerCore

/// A use case's refusal that is not about a field of the input: the thing is out of the actor's
/// reach (answered as if it did not exist), or they may see it but not do this.
public enum AppError: Error, Sendable, Equatable {
    /// Unknown, or out of reach: `thing` names the kind (`webhook endpoint`).
    case notFound(String)
    /// Visible, but not the actor's to do.
    case forbidden(String)
}

extension AccessPolicy {
    /// Goes on only if `actor` may do `action` to `resource`; otherwise throws what the policy
    /// decided, naming `thing`.
    static func require(_ actor: Actor, _ action: Action, _ resource: Resource, _ thing: String) throws(AppError) {
        switch decide(actor, action, resource) {
        case .allow: return
        case .forbid: throw .forbidden(thing)
        case .hide: throw .notFound(thing)
        }
    }
}
