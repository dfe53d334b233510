import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

/// An error answered as `application/problem+json` (RFC 9457): a stable machine-readable `type`
/// (`urn:steiger:problem:<name>`, from the message's catalogue key `problem.<name>`), the status,
/// a `title` and a `detail` in the caller's language, and for validation failures the `errors`
/// by field (each with a stable `code` and a `message` in that language).
/// An error answered as `application/problem+json` (RFC 9457): a stable machine-readable `type`
/// (`urn:steiger:problem:<kind>`), the status, a `title` and a `detail` in the caller's language,
/// and for validation failures the `errors` by field (each with a stable `code` and a `message`
/// in that language). What a problem means lives in ``ProblemKind``; this adds the HTTP answer.
public struct Problem: HTTPResponseError, Sendable {
    /// Which problem it is.
    public var kind: ProblemKind
    /// The HTTP status (the kind's, except for Hummingbird's own errors, which keep theirs).
    public var status: HTTPResponse.Status
    /// The values the text names.
    public var arguments: [String: Message.Argument]
    /// Problems by field (422 responses).
    public var errors: [ValidationError.Problem]
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    /// Creates a problem of `kind` whose detail names `arguments`.
    public init(
        _ kind: ProblemKind, _ arguments: [String: Message.Argument] = [:], errors: [ValidationError.Problem] = [], headers: HTTPFields = [:]
    ) {
        self.kind = kind
        self.status = HTTPResponse.Status(code: kind.status)
        self.arguments = arguments
        self.errors = errors
        self.headers = headers
    }

    /// The problem a use case's error is, with the headers its status calls for: how to
    /// authenticate after a 401, when to come back after a 429 or 503.
    public init(_ error: AppError, headers: HTTPFields = [:]) {
        var fields = headers
        switch error.kind.status {
        case 401: fields[.wwwAuthenticate] = "Bearer realm=\"steiger\""
        case 429: if case .integer(let seconds)? = error.arguments["seconds"] { fields[.retryAfter] = String(seconds) }
        case 503: fields[.retryAfter] = fields[.retryAfter] ?? "5"
        default: break
        }
        self.init(error.kind, error.arguments, errors: error.errors, headers: fields)
    }

    /// What went wrong, for a person: the `problem.*` catalogue text.
    public var message: Message { Message(kind.key, arguments) }

    /// The problem's stable type, e.g. `urn:steiger:problem:notFound`.
    public var type: String { "urn:steiger:problem:" + kind.rawValue }

    /// The detail in `words`' language.
    func detail(in words: Localizer) -> String { words.format(message) }

    /// The title in `words`' language: the status's name.
    func title(in words: Localizer) -> String {
        let key = "status.\(status.code)"
        return words.messages[key] == nil ? status.reasonPhrase : words.text(key)
    }

    /// 401 with the header that tells clients how to authenticate.
    static func unauthenticated(_ kind: ProblemKind = .unauthenticated) -> Problem { Problem(AppError(kind)) }

    /// 404 for anything unknown or out of reach; the wording is the same either way.
    static func notFound(_ thing: Thing) -> Problem { Problem(AppError.notFound(thing)) }

    /// 422 from a domain validation error.
    static func invalid(_ error: ValidationError) -> Problem { Problem(AppError.invalid(error)) }

    /// The JSON body in `words`' language.
    func body(in words: Localizer) -> [String: JSONValue] {
        var message = self.message
        if !errors.isEmpty, kind == .invalid {
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
    /// The problem for any error a handler throws: Hummingbird's own errors keep their status;
    /// everything else is what ``AppError/init(from:)`` makes of it (the one place that maps the
    /// store's errors), and the unexpected is a 500 whose detail leaks nothing.
    init(from error: any Error) {
        switch error {
        case let problem as Problem: self = problem
        case let http as HTTPError:
            self = Problem(Self.defaultKind(http.status), headers: http.headers)
            status = http.status
        default:
            self = Problem(AppError(from: error))
        }
    }

    /// The general problem for a status that no handler explained.
    static func defaultKind(_ status: HTTPResponse.Status) -> ProblemKind {
        switch status.code {
        case 400: .badRequest
        case 404: .noRoute
        case 405: .methodNotAllowed
        case 413: .tooLarge
        default: status.code < 500 ? .badRequest : .internal
        }
    }
}
