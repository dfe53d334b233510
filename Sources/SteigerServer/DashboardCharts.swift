import Foundation

/// The dashboard's charts, drawn on the server as SVG. Every mark carries the table row and
/// column it shows (`data-row`, `data-column`) and its number (`data-value`), and a title that
/// says it in words, so the chart, the table beside it and the CSV can be held side by side.
enum DashboardCharts {
    /// One bar's part: its number, the table cell it shows, its class (colour) and its words.
    struct Mark {
        var value: Int
        var row: String
        var column: String
        var style: String
        var title: String
    }

    /// One bar: its label and its parts, stacked.
    struct Bar {
        var label: String
        var marks: [Mark]
    }

    /// A legend entry: the class (colour) of the marks it names. The page shows legends beside the
    /// chart, where they wrap on a phone.
    struct Key {
        var style: String
        var name: String
    }

    /// Horizontal bars, one per row of the table, parts stacked; each bar's label above it and its
    /// number at its end. Narrow enough to read on a phone without zooming.
    static func bars(id: String, title: String, summary: String, bars: [Bar]) -> String {
        let width = 360.0, barArea = 300.0, rowHeight = 38.0, top = 4.0
        let height = top + Double(max(bars.count, 1)) * rowHeight + 4
        let largest = Double(max(bars.map { $0.marks.reduce(0) { $0 + max($1.value, 0) } }.max() ?? 0, 1))
        var svg = open(id: id, width: width, height: height, title: title, summary: summary)
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * rowHeight
            svg += "<text x=\"0\" y=\"\(y + 12)\" class=\"axis\">\(escape(clip(bar.label)))</text>"
            var x = 0.0
            for mark in bar.marks {
                let length = barArea * Double(max(mark.value, 0)) / largest
                svg += rect(mark, x: x, y: y + 17, width: length, height: 14)
                x += length
            }
            let total = bar.marks.reduce(0) { $0 + $1.value }
            svg += "<text x=\"\(x + 5)\" y=\"\(y + 29)\" class=\"axis value\">\(total)</text>"
        }
        return svg + "</svg>"
    }

    /// Columns, one per week, parts stacked as shares of the column (every column the full height);
    /// the week under every column there is room for.
    static func shares(id: String, title: String, summary: String, columns: [Bar]) -> String {
        let width = 360.0, left = 42.0, right = 18.0, top = 8.0, plotHeight = 160.0, bottom = 22.0
        let columnWidth = (width - left - right) / Double(max(columns.count, 1))
        let every = max(Int((34 / columnWidth).rounded(.up)), 1)
        var svg = open(id: id, width: width, height: top + plotHeight + bottom, title: title, summary: summary)
        for tick in [0, 50, 100] {
            let y = top + plotHeight * (1 - Double(tick) / 100)
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y)\" y2=\"\(y)\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"axis\">\(tick) %</text>"
        }
        for (index, column) in columns.enumerated() {
            let x = left + Double(index) * columnWidth
            let total = Double(column.marks.reduce(0) { $0 + max($1.value, 0) })
            var y = top + plotHeight
            for mark in column.marks where total > 0 {
                let height = plotHeight * Double(max(mark.value, 0)) / total
                y -= height
                svg += rect(mark, x: x + 1, y: y, width: columnWidth - 2, height: height)
            }
            if (columns.count - 1 - index) % every == 0 {
                svg +=
                    "<text x=\"\(x + columnWidth / 2)\" y=\"\(top + plotHeight + 15)\" text-anchor=\"middle\" class=\"axis\">\(escape(column.label))</text>"
            }
        }
        return svg + "</svg>"
    }

    private static func open(id: String, width: Double, height: Double, title: String, summary: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" id="\(id)" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
        aria-labelledby="\(id)-title \(id)-desc" class="chart dashboard-chart"><title id="\(id)-title">\(escape(title))</title>\
        <desc id="\(id)-desc">\(escape(summary))</desc>
        """
    }

    private static func rect(_ mark: Mark, x: Double, y: Double, width: Double, height: Double) -> String {
        "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(max(width, 0))\" height=\"\(max(height, 0))\" class=\"mark \(mark.style)\" "
            + "data-row=\"\(escape(mark.row))\" data-column=\"\(escape(mark.column))\" data-value=\"\(mark.value)\">"
            + "<title>\(escape(mark.title))</title></rect>"
    }

    private static func clip(_ label: String) -> String { label.count > 50 ? String(label.prefix(49)) + "…" : label }

    private static func escape(_ text: String) -> String { ScaffoldChart.escape(text) }
}
