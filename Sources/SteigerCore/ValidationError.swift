/// Input that breaks a rule of the domain, naming the field so a client can point at it.
///
/// The server answers these with 422 and a `problem+json` body listing every problem.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One broken rule.
    public struct Problem: Sendable, Equatable, Codable {
        /// Path of the field, e.g. `rubric.criteria[1].weight`.
        public var field: String
        /// What is wrong and what is expected (a `validation.*` catalogue text).
        public var message: Message

        /// Creates a problem.
        public init(field: String, message: Message) {
            self.field = field
            self.message = message
        }
    }

    /// Every problem found (validation does not stop at the first).
    public var problems: [Problem]

    /// Creates an error from its problems.
    public init(_ problems: [Problem]) { self.problems = problems }

    /// Creates an error with one problem.
    public init(field: String, _ message: Message) { self.problems = [Problem(field: field, message: message)] }

    /// All problems, one per line: `field: key arguments` (people read them through a ``Localizer``).
    public var description: String { problems.map { "\($0.field): \($0.message)" }.joined(separator: "\n") }
}

extension ValidationError {
    /// The same problems with `path` (where a nested value was decoded) put before each field.
    public func prefixed(by path: [any CodingKey]) -> ValidationError {
        guard !path.isEmpty else { return self }
        let prefix = Self.fieldPath(path)
        return ValidationError(problems.map { Problem(field: prefix + ($0.field.hasPrefix("[") ? "" : ".") + $0.field, message: $0.message) })
    }

    /// A coding path written as a field path: `rubric.criteria[1].weight`.
    public static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }
}

/// Collects problems while checking a value, then throws them all at once.
struct Validator {
    private(set) var problems: [ValidationError.Problem] = []

    mutating func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> Message) {
        if !condition { problems.append(.init(field: field, message: message())) }
    }

    mutating func merge(_ error: ValidationError, prefix: String) {
        problems += error.problems.map { .init(field: prefix.isEmpty ? $0.field : prefix + "." + $0.field, message: $0.message) }
    }

    func finish() throws(ValidationError) {
        if !problems.isEmpty { throw ValidationError(problems) }
    }
}

extension String {
    /// The text with surrounding white space removed.
    var trimmed: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
