import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

/// One route of the API, with everything the OpenAPI document says about it. The router and
/// the document are both built from the same list, so the document cannot forget a route.
struct Operation: Sendable {
    /// Whether the route needs a logged-in person.
    enum Access: Sendable { case anyone, authenticated }

    /// A query parameter.
    struct QueryParameter: Sendable {
        var name: String
        var description: String
        var schema: JSONValue
    }

    /// A documented response.
    struct Reply: Sendable {
        var status: Int
        var description: String
        var schema: JSONValue?
        var contentType = "application/json"
        var headers: [String: String] = [:]
    }

    var method: HTTPRequest.Method
    /// The path as OpenAPI writes it, e.g. `/api/v1/users/{userId}`.
    var path: String
    var operationID: String
    var tag: String
    var summary: String
    var access: Access = .authenticated
    var query: [QueryParameter] = []
    /// Schema of the JSON request body, if any.
    var body: JSONValue?
    /// Schema of a raw (non-JSON) request body, if the operation streams one.
    var rawBody: JSONValue?
    /// Success responses (errors are added from what the operation does).
    var replies: [Reply]
    /// Extra error statuses this route can answer, with why.
    var errors: [Int: String] = [:]
    var handler: @Sendable (inout Request, AppContext) async throws -> Response

    /// Path parameter names, in order.
    var pathParameters: [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    /// Every error status the route can answer, with a description.
    var errorStatuses: [Int: String] {
        var statuses: [Int: String] = [500: "Server error."]
        if access == .authenticated {
            statuses[401] = "Not logged in, or the session or token is not valid."
            statuses[403] = "Not allowed to do this."
            statuses[503] = "The database does not answer; see Retry-After."
        }
        if access == .authenticated || body != nil {
            statuses[409] = "The change conflicts with the current data (e.g. a record changed or removed meanwhile)."
        }
        if !pathParameters.isEmpty { statuses[404] = "Not found, or out of the caller's reach." }
        if !query.isEmpty { statuses[422] = "A query parameter is not valid." }
        if body != nil {
            statuses[400] = "The body is not JSON."
            statuses[413] = "The body is too large."
            statuses[415] = "The body is not sent as application/json."
            statuses[422] = "A field is missing, unknown or invalid; `errors` names each."
        }
        return statuses.merging(errors) { _, specific in specific }
    }
}

// MARK: - Reading parameters

extension AppContext {
    /// A path parameter as a typed identifier; anything that is not an id is a 404, as an unknown id is.
    func id<Tag>(_ name: String, of thing: Thing) throws(Problem) -> Identifier<Tag> {
        guard let text = parameters.get(name), let id = Identifier<Tag>(text) else { throw Problem.notFound(thing) }
        return id
    }
}

extension Request {
    /// A query parameter's text, decoded as browsers and HTTP clients encode forms and query
    /// strings (`application/x-www-form-urlencoded`): `+` is a space, `%2B` a plus. The first
    /// occurrence counts; a value that is not valid percent-encoding is absent.
    func query(_ name: String) -> String? {
        guard let raw = uri.query else { return nil }
        for pair in raw.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard Self.formDecoded(parts[0]) == name else { continue }
            return parts.count > 1 ? Self.formDecoded(parts[1]) : ""
        }
        return nil
    }

    /// `text` with `+` read as a space and percent-escapes decoded; nil if an escape is broken.
    static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// The page asked for by `limit` and `cursor`.
    func pageRequest() throws(Problem) -> PageRequest {
        var limit = 50
        if let text = query("limit") {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw Problem.invalid(
                    ValidationError(field: "limit", Message("validation.range", ["min": 1, "max": .integer(PageRequest.maximumLimit)])))
            }
            limit = value
        }
        var cursor: PageCursor?
        if let text = query("cursor"), !text.isEmpty {
            guard let parsed = PageCursor(text) else {
                throw Problem.invalid(ValidationError(field: "cursor", Message("validation.cursor")))
            }
            cursor = parsed
        }
        return PageRequest(limit: limit, after: cursor)
    }

    /// An optional identifier in the query.
    func queryID<Tag>(_ name: String) throws(Problem) -> Identifier<Tag>? {
        guard let text = query(name) else { return nil }
        guard let id = Identifier<Tag>(text) else { throw Problem.invalid(ValidationError(field: name, Message("validation.id"))) }
        return id
    }

    /// An optional time in the query: an ISO 8601 date-time, or a date (midnight UTC).
    func queryDate(_ name: String) throws(Problem) -> Date? {
        guard let text = query(name) else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return date }
        throw Problem.invalid(ValidationError(field: name, Message("validation.dateTime")))
    }

    /// An optional value from a fixed set in the query.
    func queryEnum<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws(Problem) -> T? where T.RawValue == String {
        guard let text = query(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw Problem.invalid(
                ValidationError(field: name, Message("validation.oneOf", ["values": .text(T.allCases.map(\.rawValue).joined(separator: ", "))])))
        }
        return value
    }
}

// MARK: - Shared parameter documentation

extension Operation.QueryParameter {
    static let limit = Self(
        name: "limit", description: "Items per page, 1 to 200 (default 50).",
        schema: ["type": "integer", "minimum": 1, "maximum": 200, "default": 50])
    static let cursor = Self(
        name: "cursor", description: "The `next` value of the previous page (empty: the first page).", schema: ["type": "string"])
    static func id(_ name: String, _ description: String) -> Self {
        Self(name: name, description: description, schema: ["type": "string", "format": "uuid"])
    }
}
