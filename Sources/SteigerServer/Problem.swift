import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore
import SteigerStore

/// An error answered as `application/problem+json` (RFC 9457): a stable machine-readable `type`
/// (`urn:steiger:problem:<name>`, from the message's catalogue key `problem.<name>`), the status,
/// a `title` and a `detail` in the caller's language, and for validation failures the `errors`
/// by field (each with a stable `code` and a `message` in that language).
public struct Problem: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, for a person: a `problem.*` catalogue text.
    public var message: Message
    /// Problems by field (422 responses).
    public var errors: [ValidationError.Problem]
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    /// Creates a problem whose detail is the catalogue text `key` (`problem.<key>`) with `arguments`.
    public init(
        _ status: HTTPResponse.Status, _ key: String, _ arguments: [String: Message.Argument] = [:],
        errors: [ValidationError.Problem] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.message = Message("problem." + key, arguments)
        self.errors = errors
        self.headers = headers
    }

    /// The problem's stable type, e.g. `urn:steiger:problem:notFound`.
    public var type: String { "urn:steiger:problem:" + message.key.dropFirst("problem.".count) }

    /// The detail in `words`' language.
    func detail(in words: Localizer) -> String { words.format(message) }

    /// The title in `words`' language: the status's name.
    func title(in words: Localizer) -> String {
        let key = "status.\(status.code)"
        return words.messages[key] == nil ? status.reasonPhrase : words.text(key)
    }

    /// 401 with the header that tells clients how to authenticate.
    static func unauthenticated(_ key: String = "unauthenticated") -> Problem {
        Problem(.unauthorized, key, headers: [.wwwAuthenticate: "Bearer realm=\"steiger\""])
    }

    /// 404 for anything unknown or out of reach; the wording is the same either way. `what` names
    /// the kind of thing (`review task`), a `thing.*` catalogue text (`thing.reviewTask`).
    static func notFound(_ what: String) -> Problem { Problem(.notFound, "notFound", ["what": .message(thing(what))]) }

    /// The catalogue text naming a kind of thing: "review task" → `thing.reviewTask`.
    static func thing(_ what: String) -> Message {
        let words = what.split(separator: " ")
        return Message(
            "thing." + (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
    }

    /// 422 from a domain validation error.
    static func invalid(_ error: ValidationError) -> Problem {
        Problem(.unprocessableContent, "invalid", errors: error.problems)
    }

    /// A conflict the store explained with a `problem.*` key; others get the general wording.
    static func conflict(_ key: String) -> Problem {
        key.hasPrefix("problem.") ? Problem(.conflict, String(key.dropFirst("problem.".count))) : Problem(.conflict, "conflict")
    }

    /// The JSON body in `words`' language.
    func body(in words: Localizer) -> [String: JSONValue] {
        var message = self.message
        if !errors.isEmpty, message.key == "problem.invalid" {
            message.arguments["fields"] = .list(errors.map { .text("\($0.field) \(words.format($0.message))") })
        }
        var body: [String: JSONValue] = [
            "type": .string(type),
            "title": .string(title(in: words)),
            "status": .number(Double(status.code)),
            "detail": .string(words.format(message)),
        ]
        if !errors.isEmpty {
            body["errors"] = .array(
                errors.map { problem in
                    .object([
                        "field": .string(problem.field), "code": .string(String(problem.message.key.dropFirst("validation.".count))),
                        "message": .string(words.format(problem.message)),
                    ])
                })
        }
        return body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let words = (context as? AppContext)?.words ?? AppContext.untranslated
        var fields = headers
        fields[.contentType] = "application/problem+json"
        fields[.contentLanguage] = words.language.rawValue
        let data = JSONValue.object(body(in: words)).encoded()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// The problem for any error a handler throws: domain and store errors get their own status;
    /// anything unexpected is a 500 whose detail does not leak internals.
    init(from error: any Error) {
        switch error {
        case let problem as Problem: self = problem
        case let refusal as AppError:
            switch refusal {
            case .notFound(let what): self = .notFound(what)
            case .forbidden(let what): self = Problem(.forbidden, "notAllowed", ["what": .message(Problem.thing(what))])
            }
        case let validation as ValidationError: self = .invalid(validation)
        case let store as StoreError:
            switch store {
            case .conflict(let key): self = .conflict(key)
            case .reference: self = Problem(.conflict, "conflict")
            case .notFound: self = Problem(.notFound, "gone")
            case .unavailable: self = Problem(.serviceUnavailable, "unavailable", headers: [.retryAfter: "5"])
            case .quotaExceeded(let used): self = Problem(.contentTooLarge, "quotaExceeded", ["used": .integer(Int(used))])
            case .corrupt, .schemaTooNew, .configuration: self = Problem(.internalServerError, "internal")
            }
        case let http as HTTPError:
            self = Problem(http.status, Self.defaultKey(http.status), headers: http.headers)
        default:
            self = Problem(.internalServerError, "internal")
        }
    }

    /// The general problem for a status that no handler explained.
    static func defaultKey(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "badRequest"
        case 404: "noRoute"
        case 405: "methodNotAllowed"
        case 413: "tooLarge"
        default: status.code < 500 ? "badRequest" : "internal"
        }
    }
}
