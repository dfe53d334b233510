import Foundation
import SteigerCore
import Testing

@testable import SteigerServer

@Suite("JSON written in one pass")
struct JSONStreamTests {
    struct Inner: Encodable {
        var name: String
        var scores: [String: Int]
    }

    struct Sample: JSONView {
        var text: String
        var number: Int
        var fraction: Double
        var whole: Double
        var flag: Bool
        var when: Date
        var missing: String?
        var empty: String?
        var given: Date?
        var items: [Inner]
        var none: [Int]

        static let fields: [JSONField<Self>] = [
            .init("text", ["type": "string"]) { $0.text }, .init("number", ["type": "integer"]) { $0.number },
            .init("fraction", ["type": "number"]) { $0.fraction }, .init("whole", ["type": "number"]) { $0.whole },
            .init("flag", ["type": "boolean"]) { $0.flag }, .init("when", dateTime) { $0.when },
            .optional("missing", ["type": "string"]) { $0.missing }, .nullable("empty", ["type": "string"]) { $0.empty },
            .nullable("given", dateTime) { $0.given }, .init("items", ["type": "array"]) { $0.items },
            .init("none", ["type": "array"]) { $0.none },
        ]
    }

    @Test("every kind of value reads back as Foundation's encoder writes it, escapes and all; the schema lists the same fields")
    func matchesFoundation() throws {
        let when = Date(timeIntervalSince1970: 1_764_700_000.123)
        let sample = Sample(
            text: "Oefening \"3\"\n\\ tab\t bell\u{7} é 🎬 </script>", number: -42, fraction: 0.8125, whole: 2, flag: true, when: when,
            missing: nil, empty: nil, given: when, items: [Inner(name: "a", scores: ["x": 1, "y": 2]), Inner(name: "b", scores: [:])], none: [])
        let bytes = try JSONStream.encode(sample)
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.iso8601Milliseconds)
        }
        let theirs = try #require(try JSONSerialization.jsonObject(with: encoder.encode(sample)) as? NSDictionary)
        #expect(ours == theirs)
        let text = String(decoding: bytes, as: UTF8.self)
        // Optional fields left out, nullable ones written as null; times with milliseconds.
        #expect(!text.contains("\"missing\"") && text.contains("\"empty\":null") && text.contains("\"2025-12-02T18:26:40.123Z\""))
        // The schema comes from the same fields: all required but the optional one, nullable ones allow null.
        let schema = Sample.schema
        #expect(
            schema.objectValue?["required"] == .array(["empty", "flag", "fraction", "given", "items", "none", "number", "text", "when", "whole"]))
        #expect(schema.objectValue?["properties"]?.objectValue?["empty"] == ["type": ["string", "null"]])
        #expect(text.contains(#"\u0007"#) && text.contains(#"\"3\"\n\\"#) && text.contains("\"whole\":2,"))
    }

    @Test("a number JSON cannot hold is an error, not invalid text")
    func refusesInfinity() {
        #expect(throws: EncodingError.self) { try JSONStream.encode(["x": Double.infinity]) }
    }
}
