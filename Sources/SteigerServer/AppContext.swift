import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

/// What a request carries through middleware and handlers: who sent it and from where.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (nil in in-process tests).
    public var remoteAddress: String?
    /// The authenticated person, if any.
    public var actor: Actor?
    /// How they authenticated.
    public var credential: Credential?
    /// The caller's language, for problems and pages (set by the request middleware, then by
    /// the person's own setting once they are known).
    var words: Localizer = AppContext.untranslated
    /// The signed-in person's unread notices, for the bell of a page (set by the page middleware).
    var unreadNotices = 0
    /// Keys as they are: only before the middleware has run.
    static let untranslated = Localizer(language: .en, messages: [:])

    /// How a request was authenticated.
    public enum Credential: Sendable, Equatable {
        /// The session cookie (pages; unsafe methods also need a same-origin request).
        case session(secret: String)
        /// A personal API token (scripts).
        case token
    }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// JSON bodies are read up to 1 MiB; media uploads have their own streaming routes.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated actor, or a 401.
    func requireActor() throws(Problem) -> Actor {
        guard let actor else { throw Problem.unauthenticated() }
        return actor
    }
}
