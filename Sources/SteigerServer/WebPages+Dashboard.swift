import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The programme dashboard page: a chart per question with its numbers as a table beside it and
/// a CSV download of each table (the API's, with the same filters).
extension WebPages {
    func registerDashboard(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/dashboard") { request, context in try await pages(request, context).dashboardPage(request) }
    }

    private func dashboardPage(_ request: Request) async throws -> Response {
        let (actor, secret) = try signedIn()
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let day = Date.ISO8601FormatStyle().year().month().day()
        var filter = Dashboards.Filter()
        var problems: [String] = []
        if let text = value("cohort") {
            guard let id = CohortID(text) else { throw Problem.notFound(.cohort) }
            filter.cohort = id
        }
        if let text = value("exercise") {
            guard let id = ExerciseID(text) else { throw Problem.notFound(.exercise) }
            filter.exercise = id
        }
        for name in ["from", "to"] {
            guard let text = value(name) else { continue }
            guard let date = try? Date(text, strategy: day) else {
                problems.append(words.text("dashboard.badDate", ["field": .text(words.text("dashboard." + name))]))
                continue
            }
            if name == "from" { filter.from = date } else { filter.to = date }
        }
        var dashboard: Dashboards.Dashboard
        do {
            dashboard = try await app.dashboards.dashboard(actor, filter)
        } catch {
            let refused = try Self.refusal(error, among: [.invalid])
            problems += refused.errors.map { words.text("dashboard." + $0.field) + ": " + words.format($0.message) }
            dashboard = try await app.dashboards.dashboard(actor, Dashboards.Filter(cohort: filter.cohort, exercise: filter.exercise))
        }
        let shown = dashboard.filter
        var csvQuery: [String] = []
        if let cohort = shown.cohort { csvQuery.append("cohort=\(cohort)") }
        if let exercise = shown.exercise { csvQuery.append("exercise=\(exercise)") }
        if let from = shown.from { csvQuery.append("from=\(DashboardTable.day(from))") }
        if let to = shown.to { csvQuery.append("to=\(DashboardTable.day(to))") }
        let report = dashboard.report
        let sections = DashboardTable.Name.allCases.map { name in
            section(
                name, report, exercise: dashboard.exercises.first { $0.id == shown.exercise },
                csv: "/api/v1/dashboard/csv/\(name.rawValue)?" + csvQuery.joined(separator: "&"))
        }
        return try html(
            "dashboard", title: words.text("dashboardTitle"), actor: actor, secret: secret,
            [
                "cohorts": dashboard.cohorts.map { ["id": $0.id.description, "name": $0.name, "chosen": $0.id == shown.cohort] as [String: Any] },
                "exercises": dashboard.exercises.map {
                    ["id": $0.id.description, "name": $0.title, "chosen": $0.id == shown.exercise] as [String: Any]
                },
                "from": shown.from.map(DashboardTable.day) ?? "", "to": shown.to.map(DashboardTable.day) ?? "",
                "period": words.text(
                    "dashboardPeriod",
                    [
                        "from": .date(DashboardTally.start(ofWeek: report.weeks.lowerBound)),
                        "to": .date(DashboardTally.start(ofWeek: report.weeks.upperBound).addingTimeInterval(6 * 86_400)),
                    ]),
                "error": problems.isEmpty ? false as Any : problems.joined(separator: " ") as Any, "sections": sections,
            ])
    }

    /// One question of the dashboard: its chart, its table and its CSV link.
    private func section(_ name: DashboardTable.Name, _ report: DashboardReport, exercise: Exercise?, csv: String) -> [String: Any] {
        let key = "dashboard." + name.rawValue
        var headers: [String] = []
        var rows: [[[String: Any]]] = []
        var chart = ""
        var legend: [DashboardCharts.Key] = []
        func cell(_ text: String, row: String = "", column: String = "", numeric: Bool = false) -> [String: Any] {
            ["text": text, "row": row, "column": column, "numeric": numeric, "hasRow": !row.isEmpty, "hasColumn": !column.isEmpty]
        }
        func number(_ value: Int?, row: String, column: String) -> [String: Any] {
            cell(value.map(words.integer) ?? "–", row: row, column: column, numeric: true)
        }
        func mark(_ value: Int, row: String, column: String, style: String, title: String) -> DashboardCharts.Mark {
            DashboardCharts.Mark(value: value, row: row, column: column, style: style, title: title)
        }
        let summary = words.text(key + ".summary")
        switch name {
        case .independence:
            headers = ["skill", "started", "independent", "reached", "attemptsMedian", "attemptsP90", "daysMedian", "daysP90"].map {
                words.text("dashboard.column." + $0)
            }
            rows = report.independence.map { item in
                let values: [(String, Int?)] = [
                    ("started", item.started), ("independent", item.independent), ("reached", item.reached),
                    ("attemptsMedian", item.attemptsMedian), ("attemptsP90", item.attemptsP90), ("daysMedian", item.daysMedian),
                    ("daysP90", item.daysP90),
                ]
                return [cell(item.skill, row: item.skillKey)] + values.map { number($0.1, row: item.skillKey, column: $0.0) }
            }
            chart = DashboardCharts.bars(
                id: "chart-independence", title: words.text(key + ".chart"), summary: summary,
                bars: report.independence.filter { $0.daysMedian != nil }.map { item in
                    DashboardCharts.Bar(
                        label: item.skill,
                        marks: [
                            mark(
                                item.daysMedian ?? 0, row: item.skillKey, column: "daysMedian", style: "level-0",
                                title: words.text(
                                    "dashboard.independence.mark",
                                    [
                                        "skill": .text(item.skill), "days": .integer(item.daysMedian ?? 0),
                                        "attempts": .integer(item.attemptsMedian ?? 0),
                                    ]))
                        ])
                })
        case .levels:
            let levels = Array(0...report.topLevel)
            headers = [words.text("dashboard.column.week")] + levels.map { levelName($0, exercise) }
            rows = report.levels.map { week in
                let row = DashboardTable.day(week.week)
                return [cell(words.date(week.week), row: row)] + levels.map { number(week.learners[$0] ?? 0, row: row, column: "level-\($0)") }
            }
            chart = DashboardCharts.shares(
                id: "chart-levels", title: words.text(key + ".chart"), summary: summary,
                columns: report.levels.map { week in
                    let row = DashboardTable.day(week.week)
                    return DashboardCharts.Bar(
                        label: shortDate(week.week),
                        marks: levels.map { level in
                            mark(
                                week.learners[level] ?? 0, row: row, column: "level-\(level)", style: "level-\(min(level, 4))",
                                title: words.text(
                                    "dashboard.levels.mark",
                                    [
                                        "week": .date(week.week), "level": .text(levelName(level, exercise)),
                                        "count": .integer(week.learners[level] ?? 0),
                                        "share": .integer(Int((week.share(level) * 100).rounded())),
                                    ]))
                        })
                })
            legend = levels.map { DashboardCharts.Key(style: "level-\(min($0, 4))", name: levelName($0, exercise)) }
        case .turnaround:
            headers = ["kind", "reviews", "medianMinutes", "p90Minutes"].map { words.text("dashboard.column." + $0) }
            rows = report.turnaround.map { item in
                let row = item.kind.rawValue
                return [
                    cell(words.text("reviewKind." + row), row: row), number(item.reviews, row: row, column: "reviews"),
                    cell(minutes(item.medianMinutes), row: row, column: "medianMinutes", numeric: true),
                    cell(minutes(item.p90Minutes), row: row, column: "p90Minutes", numeric: true),
                ]
            }
            chart = DashboardCharts.bars(
                id: "chart-turnaround", title: words.text(key + ".chart"), summary: summary,
                bars: report.turnaround.flatMap { item in
                    [("medianMinutes", "level-1"), ("p90Minutes", "level-3")].map { column, style in
                        let value = column == "medianMinutes" ? item.medianMinutes : item.p90Minutes
                        return DashboardCharts.Bar(
                            label: words.text("dashboard.turnaround." + column, ["kind": .text(words.text("reviewKind." + item.kind.rawValue))]),
                            marks: [
                                mark(
                                    value, row: item.kind.rawValue, column: column, style: style,
                                    title: words.text("dashboard.column." + column) + ": " + minutes(value))
                            ])
                    }
                })
        case .overdue:
            headers = ["cohort", "kind", "reviews", "oldestDue"].map { words.text("dashboard.column." + $0) }
            rows = report.overdue.map { item in
                let row = item.cohortID.description + "/" + item.kind.rawValue
                return [
                    cell(item.cohort, row: row), cell(words.text("reviewKind." + item.kind.rawValue)),
                    number(item.count, row: row, column: "reviews"),
                    cell(words.dateTime(item.oldestDue)),
                ]
            }
            chart = DashboardCharts.bars(
                id: "chart-overdue", title: words.text(key + ".chart"), summary: summary,
                bars: report.overdue.map { item in
                    DashboardCharts.Bar(
                        label: item.cohort + " · " + words.text("reviewKind." + item.kind.rawValue),
                        marks: [
                            mark(
                                item.count, row: item.cohortID.description + "/" + item.kind.rawValue, column: "reviews", style: "level-4",
                                title: words.text("dashboard.overdue.mark", ["cohort": .text(item.cohort), "count": .integer(item.count)]))
                        ])
                })
        case .peers:
            headers = ["balance", "learners"].map { words.text("dashboard.column." + $0) }
            rows = report.peers.map { item in
                let row = String(item.balance)
                return [cell(signed(item.balance), row: row), number(item.learners, row: row, column: "learners")]
            }
            chart = DashboardCharts.bars(
                id: "chart-peers", title: words.text(key + ".chart"), summary: summary,
                bars: report.peers.map { item in
                    DashboardCharts.Bar(
                        label: signed(item.balance),
                        marks: [
                            mark(
                                item.learners, row: String(item.balance), column: "learners", style: abs(item.balance) <= 1 ? "level-0" : "level-3",
                                title: words.text("dashboard.peers.mark", ["balance": .text(signed(item.balance)), "count": .integer(item.learners)]))
                        ])
                })
        case .rechecks:
            headers = ["days", "passed", "failed"].map { words.text("dashboard.column." + $0) }
            rows = report.rechecks.map { item in
                let row = String(item.days)
                return [
                    cell(words.text("dashboard.rechecks.after", ["days": .integer(item.days)]), row: row),
                    number(item.passed, row: row, column: "passed"), number(item.failed, row: row, column: "failed"),
                ]
            }
            chart = DashboardCharts.bars(
                id: "chart-rechecks", title: words.text(key + ".chart"), summary: summary,
                bars: report.rechecks.map { item in
                    let row = String(item.days)
                    return DashboardCharts.Bar(
                        label: words.text("dashboard.rechecks.after", ["days": .integer(item.days)]),
                        marks: [
                            mark(
                                item.passed, row: row, column: "passed", style: "level-0",
                                title: words.text("dashboard.column.passed") + ": \(item.passed)"),
                            mark(
                                item.failed, row: row, column: "failed", style: "level-4",
                                title: words.text("dashboard.column.failed") + ": \(item.failed)"),
                        ])
                })
            legend = [
                DashboardCharts.Key(style: "level-0", name: words.text("dashboard.column.passed")),
                DashboardCharts.Key(style: "level-4", name: words.text("dashboard.column.failed")),
            ]
        case .stalled:
            headers = ["learner", "cohort", "skill", "level", "lastActivity", "reason"].map { words.text("dashboard.column." + $0) }
            rows = report.stalled.prefix(Self.stalledShown).map { item in
                [
                    cell(item.learner, row: item.learnerID.description), cell(item.cohort), cell(item.skill),
                    cell(item.level.map(String.init) ?? words.text("dashboard.fullSupport")), cell(words.date(item.lastActivity)),
                    cell(words.text("dashboard.reason." + item.reason.rawValue)),
                ]
            }
        }
        return [
            "id": name.rawValue, "title": words.text(key), "lead": words.text(key + ".lead"), "chart": chart, "hasChart": !chart.isEmpty,
            "legend": legend.map { ["style": $0.style, "name": $0.name] }, "hasLegend": !legend.isEmpty,
            // On a phone each row is a block whose cells say which column they are.
            "headers": headers,
            "rows": rows.map { cells in
                ["cells": zip(cells, headers).map { cell, header in cell.merging(["label": header]) { first, _ in first } }]
            },
            "hasRows": !rows.isEmpty, "csv": csv,
            "more": name == .stalled && report.stalledTotal > rows.count
                ? words.text("dashboard.stalled.more", ["shown": .integer(rows.count), "count": .integer(report.stalledTotal)]) as Any
                : false as Any,
        ]
    }

    /// Stalled learners listed on the page (the API and the CSV list up to ``DashboardReport/stalledLimit``).
    static let stalledShown = 20

    /// A level by its name on the chosen exercise's ladder, else by its number (0: independent).
    private func levelName(_ level: Int, _ exercise: Exercise?) -> String {
        if let name = exercise?.ladder.levels.first(where: { $0.number == level })?.name, !name.isEmpty {
            return words.text("dashboard.levelNamed", ["level": .integer(level), "name": .text(name)])
        }
        return level == 0 ? words.text("dashboard.levelZero") : words.text("dashboard.level", ["level": .integer(level)])
    }

    /// Minutes as the table shows them: the number, then hours and minutes when it is an hour or more.
    private func minutes(_ value: Int) -> String {
        value < 60
            ? words.integer(value)
            : words.text("dashboard.minutes", ["minutes": .integer(value), "hours": .integer(value / 60), "rest": .integer(value % 60)])
    }

    /// "7 Sep": the day and the month's first three letters, as a chart's axis has room for.
    private func shortDate(_ date: Date) -> String {
        let parts = words.date(date).split(separator: " ")
        guard parts.count >= 2 else { return words.date(date) }
        return parts[0] + " " + parts[1].prefix(3)
    }

    private func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : String(value) }
}
