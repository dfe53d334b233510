import Foundation
import HTTPTypes

/// The served OpenAPI document as a checker of responses: for a request's method, path and the
/// answer's status, the documented schema of the body, and whether a JSON body fits it.
///
/// It reads the JSON Schema the document uses (`$ref`, `type` (one or several), `properties`,
/// `required`, `additionalProperties`, `items`, `enum`, `anyOf`/`oneOf`, `minimum`/`maximum`,
/// `minLength`/`maxLength`, `format` uuid and date-time) and reports every mismatch with its path.
struct ResponseSchemas: Sendable {
    /// The document, as JSONSerialization reads it. `@unchecked`: read only, never changed.
    private struct Document: @unchecked Sendable { let root: [String: Any] }
    private let document: Document

    init(document data: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        document = Document(root: root)
    }

    /// What is wrong with a response body, or nil when it fits (or the answer has no JSON schema).
    /// A status the operation does not document is itself a mismatch.
    func check(method: HTTPRequest.Method, path: String, status: Int, contentType: String?, body: Data) -> [String]? {
        guard let (template, operation) = operation(method: method, path: path) else { return nil }
        let responses = operation["responses"] as? [String: Any] ?? [:]
        guard let response = responses[String(status)] as? [String: Any] else {
            return ["\(method.rawValue) \(template) answered \(status), which the document does not list (\(responses.keys.sorted()))"]
        }
        guard let type = contentType?.split(separator: ";").first.map({ String($0).trimmingCharacters(in: .whitespaces) }),
            type == "application/json" || type == "application/problem+json" || type.hasSuffix("+json"),
            let content = response["content"] as? [String: Any]
        else { return nil }
        guard let media = content[type] as? [String: Any] else {
            return ["\(method.rawValue) \(template) \(status): \(type) is not among the documented types \(content.keys.sorted())"]
        }
        guard let schema = media["schema"] else { return nil }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return ["\(method.rawValue) \(template) \(status): the body is not JSON"]
        }
        var problems: [String] = []
        validate(value, against: schema, at: "$", into: &problems)
        return problems.isEmpty ? nil : problems.map { "\(method.rawValue) \(template) \(status): \($0)" }
    }

    /// The documented operation a concrete path and method belong to.
    private func operation(method: HTTPRequest.Method, path: String) -> (String, [String: Any])? {
        let paths = document.root["paths"] as? [String: Any] ?? [:]
        let parts = (path.split(separator: "?").first ?? "").split(separator: "/", omittingEmptySubsequences: false)
        for (template, entry) in paths {
            let pattern = template.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count,
                zip(pattern, parts).allSatisfy({ expected, actual in expected.hasPrefix("{") || expected == actual })
            else { continue }
            if let operation = (entry as? [String: Any])?[method.rawValue.lowercased()] as? [String: Any] { return (template, operation) }
        }
        return nil
    }

    private func resolve(_ schema: Any) -> [String: Any] {
        guard var object = schema as? [String: Any] else { return [:] }
        while let reference = object["$ref"] as? String, reference.hasPrefix("#/") {
            var node: Any? = document.root
            for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
            object = node as? [String: Any] ?? [:]
        }
        return object
    }

    private func validate(_ value: Any, against raw: Any, at path: String, into problems: inout [String]) {
        let schema = resolve(raw)
        if let choices = (schema["anyOf"] ?? schema["oneOf"]) as? [Any] {
            let fits = choices.contains { choice in
                var trial: [String] = []
                validate(value, against: choice, at: path, into: &trial)
                return trial.isEmpty
            }
            if !fits { problems.append("\(path) fits none of the documented alternatives") }
            return
        }
        if let types = schema["type"].map({ ($0 as? [String]) ?? [$0 as? String ?? ""] }) {
            guard types.contains(where: { Self.isType($0, value) }) else {
                problems.append("\(path) is \(Self.describe(value)), documented as \(types.joined(separator: " or "))")
                return
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path) is \(value), not one of \(options)")
        }
        if let number = value as? NSNumber, !Self.isBoolean(value) {
            if let minimum = schema["minimum"] as? Double, number.doubleValue < minimum { problems.append("\(path) is under \(minimum)") }
            if let maximum = schema["maximum"] as? Double, number.doubleValue > maximum { problems.append("\(path) is over \(maximum)") }
        }
        if let text = value as? String {
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"] as? Int, length < minimum { problems.append("\(path) is shorter than \(minimum)") }
            if let maximum = schema["maxLength"] as? Int, length > maximum { problems.append("\(path) is longer than \(maximum)") }
            switch schema["format"] as? String {
            case "uuid" where UUID(uuidString: text) == nil: problems.append("\(path) is not a uuid: \(text)")
            case "date-time" where !Self.isDateTime(text): problems.append("\(path) is not a date-time: \(text)")
            default: break
            }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path) lacks the required \(key)")
            }
            for (key, member) in object {
                if let property = properties[key] {
                    validate(member, against: property, at: "\(path).\(key)", into: &problems)
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool {
                        if !allowed { problems.append("\(path) has \(key), which the document does not allow") }
                    } else {
                        validate(member, against: additional, at: "\(path).\(key)", into: &problems)
                    }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, element) in array.enumerated() { validate(element, against: items, at: "\(path)[\(index)]", into: &problems) }
        }
    }

    private static func isType(_ type: String, _ value: Any) -> Bool {
        switch type {
        case "null": value is NSNull
        case "boolean": isBoolean(value)
        case "integer": !isBoolean(value) && (value as? NSNumber).map { $0.doubleValue.rounded() == $0.doubleValue } ?? false
        case "number": !isBoolean(value) && value is NSNumber
        case "string": value is String
        case "array": value is [Any]
        case "object": value is [String: Any]
        default: false
        }
    }

    /// JSONSerialization reads true and false as a boolean kind of NSNumber, which `is Bool` does not
    /// tell from 1 and 0.
    private static func isBoolean(_ value: Any) -> Bool { String(describing: type(of: value)).contains("Boolean") }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if let a = a as? NSNumber, let b = b as? NSNumber { return a == b }
        return a is NSNull && b is NSNull
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNumber: isBoolean(value) ? "a boolean" : "a number"
        default: "\(type(of: value))"
        }
    }

    private static func isDateTime(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
    }
}
