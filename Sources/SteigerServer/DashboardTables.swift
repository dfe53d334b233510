import Foundation
import SteigerCore

/// The dashboard's numbers as tables, written once and given as JSON (the API), as CSV (a
/// download per table) and as the tables beside the page's charts.
struct DashboardTable: Sendable {
    /// The tables, in the order the page shows them.
    enum Name: String, CaseIterable, Sendable {
        case independence, levels, turnaround, overdue, peers, rechecks, stalled
    }

    /// A column: its key (the JSON member and the CSV header), and what its cells hold.
    struct Column: Sendable {
        enum Kind: Sendable { case integer, number, text, day, time }
        let key: String
        let kind: Kind
        var nullable = false
        var description = ""
    }

    /// A cell.
    enum Cell: Sendable, Equatable {
        case integer(Int?)
        case number(Double)
        case text(String)
        case day(Date)
        case time(Date)
    }

    let name: Name
    let columns: [Column]
    let rows: [[Cell]]

    /// The tables of `report`.
    static func all(_ report: DashboardReport) -> [DashboardTable] { Name.allCases.map { table($0, report) } }

    static func table(_ name: Name, _ report: DashboardReport) -> DashboardTable {
        switch name {
        case .independence:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "skillKey", kind: .text), Column(key: "skill", kind: .text),
                    Column(key: "started", kind: .integer, description: "Learners who had started on the skill by the end of the period."),
                    Column(key: "independent", kind: .integer, description: "Of those, learners at level 0 at some time by then."),
                    Column(key: "reached", kind: .integer, description: "Learners who first reached level 0 in the period."),
                    Column(key: "attemptsMedian", kind: .integer, nullable: true), Column(key: "attemptsP90", kind: .integer, nullable: true),
                    Column(key: "daysMedian", kind: .integer, nullable: true), Column(key: "daysP90", kind: .integer, nullable: true),
                ],
                rows: report.independence.map {
                    [
                        .text($0.skillKey), .text($0.skill), .integer($0.started), .integer($0.independent), .integer($0.reached),
                        .integer($0.attemptsMedian), .integer($0.attemptsP90), .integer($0.daysMedian), .integer($0.daysP90),
                    ]
                })
        case .levels:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "week", kind: .day, description: "The Monday the week starts on; counts are at the end of the week."),
                    Column(key: "level", kind: .integer, description: "0: every support withdrawn."),
                    Column(key: "learners", kind: .integer),
                    Column(key: "share", kind: .number, description: "Of all learners on the skill, 0 to 1."),
                ],
                rows: report.levels.flatMap { week -> [[Cell]] in
                    (0...report.topLevel).map { level -> [Cell] in
                        [.day(week.week), .integer(level), .integer(week.learners[level] ?? 0), .number(rounded(week.share(level)))]
                    }
                })
        case .turnaround:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "kind", kind: .text), Column(key: "reviews", kind: .integer),
                    Column(key: "medianMinutes", kind: .integer, description: "From the attempt ready for review to the review sent."),
                    Column(key: "p90Minutes", kind: .integer),
                ],
                rows: report.turnaround.map { [.text($0.kind.rawValue), .integer($0.reviews), .integer($0.medianMinutes), .integer($0.p90Minutes)] })
        case .overdue:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "cohortId", kind: .text), Column(key: "cohort", kind: .text), Column(key: "kind", kind: .text),
                    Column(key: "reviews", kind: .integer), Column(key: "oldestDue", kind: .time),
                ],
                rows: report.overdue.map {
                    [.text($0.cohortID.description), .text($0.cohort), .text($0.kind.rawValue), .integer($0.count), .time($0.oldestDue)]
                })
        case .peers:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "balance", kind: .integer, description: "Peer reviews asked of a learner minus those asked on their attempts."),
                    Column(key: "learners", kind: .integer),
                ],
                rows: report.peers.map { [.integer($0.balance), .integer($0.learners)] })
        case .rechecks:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "days", kind: .integer, description: "Days after the last support went."),
                    Column(key: "passed", kind: .integer), Column(key: "failed", kind: .integer),
                ],
                rows: report.rechecks.map { [.integer($0.days), .integer($0.passed), .integer($0.failed)] })
        case .stalled:
            return DashboardTable(
                name: name,
                columns: [
                    Column(key: "learnerId", kind: .text), Column(key: "learner", kind: .text), Column(key: "cohort", kind: .text),
                    Column(key: "skill", kind: .text), Column(key: "level", kind: .integer, nullable: true),
                    Column(key: "lastActivity", kind: .time),
                    Column(key: "reason", kind: .text, description: "flagged: by the stalling rule; quiet: no reviewed attempt for 14 days."),
                ],
                rows: report.stalled.map {
                    [
                        .text($0.learnerID.description), .text($0.learner), .text($0.cohort), .text($0.skill), .integer($0.level),
                        .time($0.lastActivity), .text($0.reason.rawValue),
                    ]
                })
        }
    }

    private static func rounded(_ share: Double) -> Double { (share * 1000).rounded() / 1000 }

    // MARK: - JSON

    /// The table's rows as JSON objects.
    var json: JSONValue {
        .array(rows.map { row in .object(Dictionary(uniqueKeysWithValues: zip(columns, row).map { ($0.key, Self.json($1)) })) })
    }

    private static func json(_ cell: Cell) -> JSONValue {
        switch cell {
        case .integer(let value): value.map { .number(Double($0)) } ?? .null
        case .number(let value): .number(value)
        case .text(let value): .string(value)
        case .day(let value): .string(Self.day(value))
        case .time(let value): .string(value.iso8601Milliseconds)
        }
    }

    /// The schema of one row.
    var rowSchema: JSONValue {
        object(
            Dictionary(
                uniqueKeysWithValues: columns.map { column in
                    var schema: [String: JSONValue] =
                        switch column.kind {
                        case .integer: ["type": column.nullable ? ["integer", "null"] : "integer"]
                        case .number: ["type": "number"]
                        case .text: ["type": "string"]
                        case .day: ["type": "string", "format": "date"]
                        case .time: ["type": "string", "format": "date-time"]
                        }
                    if !column.description.isEmpty { schema["description"] = .string(column.description) }
                    return (column.key, .object(schema))
                }))
    }

    // MARK: - CSV

    /// The table as CSV: a header of the column keys, then a line per row.
    var csv: String {
        var text = columns.map(\.key).joined(separator: ",") + "\r\n"
        for row in rows {
            text +=
                row.map { cell in
                    switch cell {
                    case .integer(let value): value.map(String.init) ?? ""
                    case .number(let value): String(value)
                    case .text(let value): CSV.textField(value)
                    case .day(let value): Self.day(value)
                    case .time(let value): value.iso8601Milliseconds
                    }
                }.joined(separator: ",") + "\r\n"
        }
        return text
    }

    /// A day as YYYY-MM-DD (UTC).
    static func day(_ date: Date) -> String { String(date.iso8601Milliseconds.prefix(10)) }
}
