import Foundation
import SteigerCore

/// A value bound to a statement or read from a row, in the types both engines share.
public enum SQLValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A 64-bit integer (BIGINT).
    case integer(Int64)
    /// A double (DOUBLE PRECISION).
    case double(Double)
    /// Text.
    case text(String)
}

/// Something that can be bound to a statement.
public protocol SQLBindable: Sendable {
    /// The value as bound.
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
/// Times are stored as milliseconds since 1970 (BIGINT), the same on both engines.
extension Date: SQLBindable { public var sqlValue: SQLValue { .integer(Int64((timeIntervalSince1970 * 1000).rounded())) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One SQL statement with its bound values, written once for both engines.
///
/// Values go in through interpolation and never into the text:
/// `"SELECT * FROM users WHERE id = \(bind: id)"`. The placeholders are rendered per dialect
/// (`?` for SQLite, `$1`, `$2`… for PostgreSQL). `\(raw:)` inserts trusted SQL text (names,
/// fragments built by the store itself), `\(statement)` splices another statement.
public struct SQLStatement: Sendable, ExpressibleByStringInterpolation {
    enum Part: Sendable {
        case text(String)
        case bind(SQLValue)
    }

    var parts: [Part] = []

    /// Creates a statement from plain SQL text with no values.
    public init(stringLiteral value: String) { parts = [.text(value)] }

    /// Creates a statement from an interpolation.
    public init(stringInterpolation: Interpolation) { parts = stringInterpolation.parts }

    init(parts: [Part]) { self.parts = parts }

    /// Builds the statement piece by piece.
    public struct Interpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }
        /// A bound value.
        public mutating func appendInterpolation(bind value: some SQLBindable) { parts.append(.bind(value.sqlValue)) }
        /// A bound value that may be absent (NULL).
        public mutating func appendInterpolation<Value: SQLBindable>(bind value: Value?) { parts.append(.bind(value?.sqlValue ?? .null)) }
        /// A list of bound values, comma-separated, for `IN (...)`.
        public mutating func appendInterpolation(binds values: [some SQLBindable]) {
            for (i, value) in values.enumerated() {
                if i > 0 { parts.append(.text(", ")) }
                parts.append(.bind(value.sqlValue))
            }
        }
        /// Trusted SQL text.
        public mutating func appendInterpolation(raw text: String) { parts.append(.text(text)) }
        /// Another statement.
        public mutating func appendInterpolation(_ statement: SQLStatement) { parts += statement.parts }
    }

    /// Joins statements with `separator` (e.g. `" AND "`).
    public static func joined(_ statements: [SQLStatement], separator: String) -> SQLStatement {
        var parts: [Part] = []
        for (i, statement) in statements.enumerated() {
            if i > 0 { parts.append(.text(separator)) }
            parts += statement.parts
        }
        return SQLStatement(parts: parts)
    }

    /// The text for `dialect` and the values in placeholder order.
    public func render(for dialect: SQLDialect) -> (sql: String, binds: [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        for part in parts {
            switch part {
            case .text(let text): sql += text
            case .bind(let value):
                binds.append(value)
                sql += dialect == .postgresql ? "$\(binds.count)" : "?"
            }
        }
        return (sql, binds)
    }
}

/// The SQL dialects Steiger speaks.
public enum SQLDialect: String, Sendable {
    /// The embedded default.
    case sqlite
    /// The engine for several machines.
    case postgresql
}

/// One row of a result, read by column name.
public struct SQLRow: Sendable {
    let names: [String]
    let values: [SQLValue]

    init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    /// The value of `column` (`.null` if absent).
    public subscript(_ column: String) -> SQLValue {
        guard let index = names.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// Text in `column`.
    public func string(_ column: String) throws(StoreError) -> String {
        guard case .text(let text) = self[column] else { throw .corrupt("column \(column) is not text") }
        return text
    }

    /// Text in `column`, or nil for NULL.
    public func optionalString(_ column: String) throws(StoreError) -> String? {
        if case .null = self[column] { return nil }
        return try string(column)
    }

    /// An integer in `column`.
    public func int(_ column: String) throws(StoreError) -> Int64 {
        switch self[column] {
        case .integer(let value): return value
        case .double(let value) where value.rounded() == value: return Int64(value)
        default: throw .corrupt("column \(column) is not an integer")
        }
    }

    /// An integer in `column`, or nil for NULL.
    public func optionalInt(_ column: String) throws(StoreError) -> Int64? {
        if case .null = self[column] { return nil }
        return try int(column)
    }

    /// A number in `column`.
    public func double(_ column: String) throws(StoreError) -> Double {
        switch self[column] {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: throw .corrupt("column \(column) is not a number")
        }
    }

    /// A number in `column`, or nil for NULL.
    public func optionalDouble(_ column: String) throws(StoreError) -> Double? {
        if case .null = self[column] { return nil }
        return try double(column)
    }

    /// A 0/1 flag in `column`.
    public func bool(_ column: String) throws(StoreError) -> Bool { try int(column) != 0 }

    /// A time stored as milliseconds since 1970.
    public func date(_ column: String) throws(StoreError) -> Date {
        Date(timeIntervalSince1970: Double(try int(column)) / 1000)
    }

    /// A time, or nil for NULL.
    public func optionalDate(_ column: String) throws(StoreError) -> Date? {
        try optionalInt(column).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// A typed identifier stored as text.
    public func id<Tag>(_ column: String, as: Identifier<Tag>.Type = Identifier<Tag>.self) throws(StoreError) -> Identifier<Tag> {
        let text = try string(column)
        guard let id = Identifier<Tag>(text) else { throw .corrupt("column \(column) holds \(text), not an identifier") }
        return id
    }

    /// JSON text in `column`, decoded.
    public func json<T: Decodable>(_ column: String, as type: T.Type) throws(StoreError) -> T {
        let text = try string(column)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw .corrupt("column \(column) does not hold a \(T.self): \(error)")
        }
    }
}
