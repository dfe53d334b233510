import Foundation
import SteigerCore

/// A response body declared once: its fields in order, each with its JSON name, its schema and
/// where its value comes from. The response is written from this list and the OpenAPI document's
/// schema is made from it, so the two cannot disagree: a field is in both or in neither.
protocol JSONView: Encodable, Sendable {
    /// The fields, in the order they are written.
    static var fields: [JSONField<Self>] { get }
}

/// One field of a ``JSONView``. Its schema is made only when the document asks for it, so a
/// view whose field list is made per response (a page of a generic item) pays nothing for it.
struct JSONField<View>: Sendable {
    let name: String
    private let makeSchema: @Sendable () -> JSONValue
    /// Whether the field may be left out (nil values of ``optional(_:_:_:)`` fields).
    let isOptional: Bool
    let write: @Sendable (View, inout KeyedEncodingContainer<FieldKey>) throws -> Void

    /// The field's schema.
    var schema: JSONValue { makeSchema() }

    /// A field that is always there, `value` of the view.
    init<Value: Encodable & Sendable>(
        _ name: String, _ schema: @autoclosure @escaping @Sendable () -> JSONValue, _ value: @escaping @Sendable (View) -> Value
    ) {
        let key = FieldKey(name)
        self.init(name: name, schema: schema, isOptional: false) { view, container in try container.encode(value(view), forKey: key) }
    }

    private init(
        name: String, schema: @escaping @Sendable () -> JSONValue, isOptional: Bool,
        write: @escaping @Sendable (View, inout KeyedEncodingContainer<FieldKey>) throws -> Void
    ) {
        self.name = name
        makeSchema = schema
        self.isOptional = isOptional
        self.write = write
    }

    /// A field that is always there and is `null` when the view has no value for it.
    static func nullable<Value: Encodable & Sendable>(
        _ name: String, _ schema: @autoclosure @escaping @Sendable () -> JSONValue, _ value: @escaping @Sendable (View) -> Value?
    ) -> Self {
        let key = FieldKey(name)
        return Self(name: name, schema: { schema().orNull }, isOptional: false) { view, container in
            if let value = value(view) { try container.encode(value, forKey: key) } else { try container.encodeNil(forKey: key) }
        }
    }

    /// A field left out when the view has no value for it.
    static func optional<Value: Encodable & Sendable>(
        _ name: String, _ schema: @autoclosure @escaping @Sendable () -> JSONValue, _ value: @escaping @Sendable (View) -> Value?
    ) -> Self {
        let key = FieldKey(name)
        return Self(name: name, schema: schema, isOptional: true) { view, container in
            if let value = value(view) { try container.encode(value, forKey: key) }
        }
    }
}

extension JSONView {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        for field in Self.fields { try field.write(self, &container) }
    }

    /// The schema of the body: an object of exactly these fields, all required but the optional ones.
    static var schema: JSONValue {
        object(
            Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.schema) }), optional: Set(fields.filter(\.isOptional).map(\.name)))
    }
}

extension JSONValue {
    /// The schema that also allows `null`.
    var orNull: JSONValue {
        guard case .object(var members) = self else { return self }
        // An enumeration names null among its values too, or null would not validate.
        if case .array(let values)? = members["enum"], !values.contains(.null) { members["enum"] = .array(values + [.null]) }
        switch members["type"] {
        case .string(let type)?:
            members["type"] = .array([.string(type), "null"])
            return .object(members)
        case .array(let types)?:
            return types.contains(.string("null")) ? .object(members) : .object(members.merging(["type": .array(types + ["null"])]) { _, new in new })
        default:
            return ["anyOf": [self, ["type": "null"]]]
        }
    }
}
