import Foundation
import Logging
import HTTPTypes
import Hummingbird
import NIOCore
import SteigerCore
import SteigerStore

/// An error answered as `application/problem+json` (RFC 9457): a status, a title, a `detail`
/// written for the person reading it, and for validation failures the `errors` by field.
public struct Problem: HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, for a person.
    public var detail: String
    /// Problems by field (422 responses).
    public var errors: [ValidationError.Problem]
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, _ detail: String, errors: [ValidationError.Problem] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// 401 with the header that tells clients how to authenticate.
    static func unauthenticated(_ detail: String = "Log in, or send an API token as 'Authorization: Bearer <token>'.") -> Problem {
        Problem(.unauthorized, detail, headers: [.wwwAuthenticate: "Bearer realm=\"steiger\""])
    }

    /// 404 for anything unknown or out of reach; the wording is the same either way.
    static func notFound(_ what: String) -> Problem { Problem(.notFound, "No \(what) with that id exists, or it is not yours to see.") }

    /// 422 from a domain validation error.
    static func invalid(_ error: ValidationError) -> Problem {
        let summary = error.problems.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
        return Problem(.unprocessableContent, "The request has invalid fields: \(summary).", errors: error.problems)
    }

    /// The JSON body.
    var body: [String: JSONValue] {
        var body: [String: JSONValue] = [
            "type": "about:blank",
            "title": .string(status.reasonPhrase),
            "status": .number(Double(status.code)),
            "detail": .string(detail),
        ]
        if !errors.isEmpty {
            body["errors"] = .array(errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        return body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        let data = JSONValue.object(body).encoded()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// The problem for any error a handler throws: domain and store errors get their own status;
    /// anything unexpected is a 500 whose detail does not leak internals.
    init(from error: any Error) {
        switch error {
        case let problem as Problem: self = problem
        case let validation as ValidationError: self = .invalid(validation)
        case let store as StoreError:
            switch store {
            case .conflict, .reference: self = Problem(.conflict, "The change conflicts with the current state of the data; reload and try again.")
            case .notFound: self = Problem(.notFound, "The record is gone (it was removed meanwhile).")
            case .unavailable: self = Problem(.serviceUnavailable, "The database does not answer; try again shortly.", headers: [.retryAfter: "5"])
            case .quotaExceeded(let used): self = Problem(.contentTooLarge, "This would take you past your storage quota (\(used) bytes in use).")
            case .corrupt, .schemaTooNew, .configuration:
                self = Problem(.internalServerError, "Something went wrong on the server; it has been logged. Try again later.")
            }
        case let http as HTTPError:
            self = Problem(http.status, http.body ?? Self.defaultDetail(http.status), headers: http.headers)
        default:
            self = Problem(.internalServerError, "Something went wrong on the server; it has been logged. Try again later.")
        }
    }

    static func defaultDetail(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "There is nothing at this address. The API lives under /api/v1; its description is /api/v1/openapi.json."
        case 405: "This address does not accept that method."
        case 413: "The request body is too large."
        default: status.reasonPhrase
        }
    }
}
