import Foundation
import SteigerCore

/// Writes an `Encodable` value as compact JSON text in one pass: each field goes straight to the
/// output as it is encoded, in the order the type encodes it, with times as ISO 8601 with
/// milliseconds. (Foundation's encoder first builds a tree of every value, then sorts each
/// object's keys and writes the tree; for a page of fifty items that was a third of a request's
/// time.) Containers of one value are written one after the other, as every Codable type of
/// Steiger does; a value that keeps two nested containers open at once is refused.
enum JSONStream {
    /// The JSON text of `value`.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let output = Output()
        output.bytes.reserveCapacity(4096)
        try output.write(value, path: [])
        return output.bytes
    }

    /// The text being written, shared by the encoders and containers of one value.
    final class Output {
        /// Only one encoding runs over an output, so the per-access exclusivity check is waived.
        @exclusivity(unchecked) var bytes: [UInt8] = []

        /// Writes one value: scalars directly, anything else through its own `encode(to:)`.
        func write<T: Encodable>(_ value: T, path: [any CodingKey]) throws {
            switch value {
            case let text as String: string(text)
            case let number as Int: ascii(String(number))
            case let number as Int64: ascii(String(number))
            case let flag as Bool: ascii(flag ? "true" : "false")
            case let number as Double: try double(number, path: path)
            case let date as Date: string(date.iso8601Milliseconds)
            case let url as URL: string(url.absoluteString)
            default:
                let encoder = StreamEncoder(output: self, codingPath: path)
                try value.encode(to: encoder)
                try encoder.finish()
            }
        }

        func ascii(_ text: String) { bytes.append(contentsOf: text.utf8) }

        func double(_ number: Double, path: [any CodingKey]) throws {
            guard number.isFinite else {
                throw EncodingError.invalidValue(number, .init(codingPath: path, debugDescription: "JSON has no \(number)"))
            }
            if number == number.rounded(), abs(number) < 1e15 { ascii(String(Int64(number))) } else { ascii(String(number)) }
        }

        /// A string literal, escaped as RFC 8259 asks (quote, backslash, control characters).
        func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            // Most texts (ids, names, dates) need no escape and go in whole.
            if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: text.utf8)
                bytes.append(UInt8(ascii: "\""))
                return
            }
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)],
                    ])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// The encoder one value is handed: it opens at most one container, closed by ``finish()``.
    final class StreamEncoder: Encoder {
        let output: Output
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        /// The closing bracket of the container this value opened, if any.
        private var closing: UInt8?
        private var opened = false

        init(output: Output, codingPath: [any CodingKey]) {
            self.output = output
            self.codingPath = codingPath
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            open(UInt8(ascii: "{"), closing: UInt8(ascii: "}"))
            return KeyedEncodingContainer(KeyedStream<Key>(output: output, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            open(UInt8(ascii: "["), closing: UInt8(ascii: "]"))
            return UnkeyedStream(output: output, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            opened = true
            return SingleStream(output: output, codingPath: codingPath)
        }

        private func open(_ bracket: UInt8, closing: UInt8) {
            precondition(!opened, "JSONStream: a value opened two containers")
            opened = true
            self.closing = closing
            output.bytes.append(bracket)
        }

        /// Closes the value's container; a value that wrote nothing is an empty object.
        func finish() throws {
            if let closing {
                output.bytes.append(closing)
            } else if !opened {
                output.ascii("{}")
            }
        }
    }

    struct KeyedStream<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let output: Output
        let codingPath: [any CodingKey]
        private var count = 0

        init(output: Output, codingPath: [any CodingKey]) {
            self.output = output
            self.codingPath = codingPath
        }

        private mutating func key(_ key: Key) {
            if count > 0 { output.bytes.append(UInt8(ascii: ",")) }
            count += 1
            output.string(key.stringValue)
            output.bytes.append(UInt8(ascii: ":"))
        }

        mutating func encodeNil(forKey key: Key) throws {
            self.key(key)
            output.ascii("null")
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            self.key(key)
            try output.write(value, path: codingPath + [key])
        }

        mutating func encode(_ value: Bool, forKey key: Key) throws {
            self.key(key)
            output.ascii(value ? "true" : "false")
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            self.key(key)
            output.string(value)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            self.key(key)
            try output.double(value, path: codingPath + [key])
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            self.key(key)
            try output.double(Double(value), path: codingPath + [key])
        }
        mutating func encode(_ value: Int, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int8, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int16, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int32, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int64, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt8, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt16, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt32, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            self.key(key)
            output.ascii(String(value))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("JSONStream: nested containers are not written in one pass")
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("JSONStream: nested containers are not written in one pass")
        }

        mutating func superEncoder() -> any Encoder { preconditionFailure("JSONStream: super encoders are not written in one pass") }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            preconditionFailure("JSONStream: super encoders are not written in one pass")
        }
    }

    struct UnkeyedStream: UnkeyedEncodingContainer {
        let output: Output
        let codingPath: [any CodingKey]
        private(set) var count = 0

        init(output: Output, codingPath: [any CodingKey]) {
            self.output = output
            self.codingPath = codingPath
        }

        private mutating func next() {
            if count > 0 { output.bytes.append(UInt8(ascii: ",")) }
            count += 1
        }

        mutating func encodeNil() throws {
            next()
            output.ascii("null")
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            next()
            try output.write(value, path: codingPath)
        }

        mutating func encode(_ value: Bool) throws {
            next()
            output.ascii(value ? "true" : "false")
        }
        mutating func encode(_ value: String) throws {
            next()
            output.string(value)
        }
        mutating func encode(_ value: Double) throws {
            next()
            try output.double(value, path: codingPath)
        }
        mutating func encode(_ value: Float) throws {
            next()
            try output.double(Double(value), path: codingPath)
        }
        mutating func encode(_ value: Int) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int8) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int16) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int32) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: Int64) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt8) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt16) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt32) throws {
            next()
            output.ascii(String(value))
        }
        mutating func encode(_ value: UInt64) throws {
            next()
            output.ascii(String(value))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("JSONStream: nested containers are not written in one pass")
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            preconditionFailure("JSONStream: nested containers are not written in one pass")
        }

        mutating func superEncoder() -> any Encoder { preconditionFailure("JSONStream: super encoders are not written in one pass") }
    }

    struct SingleStream: SingleValueEncodingContainer {
        let output: Output
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { output.ascii("null") }
        mutating func encode<T: Encodable>(_ value: T) throws { try output.write(value, path: codingPath) }
        mutating func encode(_ value: Bool) throws { output.ascii(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { output.string(value) }
        mutating func encode(_ value: Double) throws { try output.double(value, path: codingPath) }
        mutating func encode(_ value: Float) throws { try output.double(Double(value), path: codingPath) }
        mutating func encode(_ value: Int) throws { output.ascii(String(value)) }
        mutating func encode(_ value: Int8) throws { output.ascii(String(value)) }
        mutating func encode(_ value: Int16) throws { output.ascii(String(value)) }
        mutating func encode(_ value: Int32) throws { output.ascii(String(value)) }
        mutating func encode(_ value: Int64) throws { output.ascii(String(value)) }
        mutating func encode(_ value: UInt) throws { output.ascii(String(value)) }
        mutating func encode(_ value: UInt8) throws { output.ascii(String(value)) }
        mutating func encode(_ value: UInt16) throws { output.ascii(String(value)) }
        mutating func encode(_ value: UInt32) throws { output.ascii(String(value)) }
        mutating func encode(_ value: UInt64) throws { output.ascii(String(value)) }
    }
}
