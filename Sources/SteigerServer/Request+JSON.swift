import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

/// A request body the API reads: its fields are listed so that unknown ones are refused
/// (the OpenAPI document says `additionalProperties: false`) and typos do not pass silently.
protocol RequestBody: Decodable, Sendable {
    /// The body's fields with their schemas, declared once: the OpenAPI document's schema, the
    /// refusal of unknown fields and which fields may be `null` all come from it.
    static var properties: [String: JSONValue] { get }
}

extension RequestBody {
    /// The fields the body may carry.
    static var fields: Set<String> { Set(properties.keys) }
    /// Fields that may be sent as `null` (to clear them); others must be left out instead.
    static var nullableFields: Set<String> {
        Set(properties.filter { $0.value.objectValue?["type"]?.arrayValue?.contains("null") == true }.keys)
    }
}

extension Request {
    /// Reads and decodes a JSON body, answering bad input with a problem that names the field:
    /// 415 for another content type, 413 over the size limit, 400 for text that is not JSON,
    /// 422 for a missing, unknown or mistyped field or a value the domain refuses.
    mutating func decodeJSON<T: RequestBody>(as type: T.Type, context: AppContext) async throws -> T {
        let contentType = headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard contentType == "application/json" else {
            throw Problem(.jsonOnly)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: context.maxUploadSize)
        } catch {
            throw Problem(.bodyTooLarge, ["limit": .integer(context.maxUploadSize)])
        }
        let data = Data(buffer.readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw Problem(.notJSON)
        }
        guard let members = object as? [String: Any] else {
            throw Problem(.notObject, errors: [.init(field: "(body)", message: Message("validation.object"))])
        }
        let unknown = Set(members.keys).subtracting(T.fields).sorted()
        if !unknown.isEmpty {
            throw Problem.invalid(
                ValidationError(
                    unknown.map {
                        .init(field: $0, message: Message("validation.unknownField", ["known": .text(T.fields.sorted().joined(separator: ", "))]))
                    }))
        }
        if let field = Self.fieldWithNUL(members) {
            throw Problem.invalid(ValidationError(field: field, Message("validation.nul")))
        }
        let nulls = members.filter { $0.value is NSNull && !T.nullableFields.contains($0.key) }.keys.sorted()
        if !nulls.isEmpty {
            throw Problem.invalid(ValidationError(nulls.map { .init(field: $0, message: Message("validation.null")) }))
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as ValidationError {
            throw Problem.invalid(error)
        } catch let error as DecodingError {
            throw Problem.invalid(ValidationError(error.problem))
        }
    }
}

extension Request {
    /// The path of the first string holding U+0000 (no database stores it as text), or nil.
    static func fieldWithNUL(_ value: Any, path: String = "") -> String? {
        switch value {
        case let text as String:
            return text.contains("\u{0}") ? (path.isEmpty ? "(body)" : path) : nil
        case let object as [String: Any]:
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if key.contains("\u{0}") { return path.isEmpty ? "(body)" : path }
                if let found = fieldWithNUL(member, path: path.isEmpty ? key : path + "." + key) { return found }
            }
            return nil
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = fieldWithNUL(element, path: path + "[\(index)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }
}

extension DecodingError {
    /// The field and what is wrong with it, in words.
    var problem: [ValidationError.Problem] {
        switch self {
        case .keyNotFound(let key, let context):
            return [.init(field: ValidationError.fieldPath(context.codingPath + [key]), message: Message("validation.required"))]
        case .typeMismatch(let type, let context):
            return [.init(field: Self.field(context), message: Message("validation.type", ["type": .message(Self.describe(type))]))]
        case .valueNotFound(let type, let context):
            return [.init(field: Self.field(context), message: Message("validation.typeNotNull", ["type": .message(Self.describe(type))]))]
        case .dataCorrupted(let context):
            return [.init(field: Self.field(context), message: Message("validation.invalidValue"))]
        @unknown default:
            return [.init(field: "(body)", message: Message("validation.unreadable"))]
        }
    }

    private static func field(_ context: Context) -> String {
        context.codingPath.isEmpty ? "(body)" : ValidationError.fieldPath(context.codingPath)
    }

    private static func describe(_ type: Any.Type) -> Message {
        switch type {
        case is String.Type: Message("type.string")
        case is Int.Type, is Int64.Type: Message("type.integer")
        case is Double.Type: Message("type.number")
        case is Bool.Type: Message("type.boolean")
        default: Message(String(describing: type).hasPrefix("Array") ? "type.array" : "type.object")
        }
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try JSONStream.encode(value))))
    }

    /// An empty 204.
    static func noContent(headers: HTTPFields = [:]) -> Response { Response(status: .noContent, headers: headers) }
}
