import Foundation
import Hummingbird
import NIOCore
import SteigerApp
import SteigerCore

/// The programme dashboard over HTTP: every table as JSON at once, or one table as CSV.
struct DashboardController: Sendable {
    let dashboards: Dashboards

    static let filters: [Operation.QueryParameter] = [
        .id("cohort", "Only this cohort (default: every cohort you may see)."),
        .id("exercise", "Only this exercise: its reviews, and the levels of its skill."),
        .init(
            name: "from", description: "The first day (YYYY-MM-DD, UTC; default: 12 weeks before `to`).",
            schema: ["type": "string", "format": "date"]),
        .init(name: "to", description: "The last day (YYYY-MM-DD, UTC; default: today).", schema: ["type": "string", "format": "date"]),
    ]

    /// The dashboard's JSON schema: the period and each table's rows.
    static var schema: JSONValue {
        var properties: [String: JSONValue] = [
            "from": ["type": "string", "format": "date", "description": "The Monday of the first week shown."],
            "to": ["type": "string", "format": "date", "description": "The last day shown."],
            "cohortId": ["type": ["string", "null"], "format": "uuid"],
            "exerciseId": ["type": ["string", "null"], "format": "uuid"],
            "stalledTotal": ["type": "integer", "description": "All stalled learners; `stalled` lists the first 100."],
        ]
        let empty = DashboardReport(weeks: 0...0, tallies: [], skillNames: [:], overdue: [], peers: [], stalled: [], stalledTotal: 0)
        for table in DashboardTable.all(empty) { properties[table.name.rawValue] = ["type": "array", "items": table.rowSchema] }
        return object(properties)
    }

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/dashboard", operationID: "getDashboard", tag: "dashboard",
                summary:
                    "The programme dashboard (administrators; trainers for their cohorts): time to independence, levels over time, review turnaround, overdue reviews, peer balance, rechecks and stalled learners",
                query: Self.filters, replies: [.init(status: 200, description: "Every table of the dashboard.", schema: ref("Dashboard"))],
                errors: [
                    404: "No such cohort or exercise among those you may see.", 422: "The period ends before it starts or is longer than two years.",
                ], handler: dashboard),
            Operation(
                method: .get, path: "/api/v1/dashboard/csv/{table}", operationID: "getDashboardCSV", tag: "dashboard",
                summary: "One table of the dashboard as CSV, with the same filters", query: Self.filters,
                replies: [
                    .init(
                        status: 200, description: "CSV with a header row of the JSON's member names.", schema: ["type": "string"],
                        contentType: "text/csv")
                ],
                errors: [
                    404: "No such table, or no such cohort or exercise among those you may see.",
                    422: "The period ends before it starts or is longer than two years.",
                ], handler: csv),
        ]
    }

    static func filter(_ request: Request) throws -> Dashboards.Filter {
        Dashboards.Filter(
            cohort: try request.queryID("cohort"), exercise: try request.queryID("exercise"), from: try request.queryDate("from"),
            to: try request.queryDate("to"))
    }

    func dashboard(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let dashboard = try await dashboards.dashboard(try context.requireActor(), try Self.filter(request))
        var members: [String: JSONValue] = [
            "from": .string(DashboardTable.day(DashboardTally.start(ofWeek: dashboard.report.weeks.lowerBound))),
            "to": .string(DashboardTable.day(dashboard.filter.to ?? Date())),
            "cohortId": dashboard.filter.cohort.map { .string($0.description) } ?? .null,
            "exerciseId": dashboard.filter.exercise.map { .string($0.description) } ?? .null,
            "stalledTotal": .number(Double(dashboard.report.stalledTotal)),
        ]
        for table in DashboardTable.all(dashboard.report) { members[table.name.rawValue] = table.json }
        return try .json(JSONValue.object(members))
    }

    func csv(_ request: inout Request, _ context: AppContext) async throws -> Response {
        guard let name = context.parameters.get("table").flatMap(DashboardTable.Name.init(rawValue:)) else { throw Problem.notFound(.dashboardTable) }
        let dashboard = try await dashboards.dashboard(try context.requireActor(), try Self.filter(request))
        let text = DashboardTable.table(name, dashboard.report).csv
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: ContentDisposition.attachment("dashboard-\(name.rawValue).csv")],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
