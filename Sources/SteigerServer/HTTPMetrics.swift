import Foundation
import Logging
import Prometheus
import SteigerApp

/// Request counts and latencies in Prometheus form, labelled by route template, method and status.
final class HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5),
    ]

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// The data volume's free space, its reserve, and whether the service runs degraded for want of room.
    func record(volume: Health.Volume) {
        registry.makeGauge(
            descriptor: .init(namespace: "steiger", metricName: "data_volume_free", unitName: "bytes", helpText: "Free bytes on the data volume")
        ).set(Double(volume.free ?? -1))
        registry.makeGauge(
            descriptor: .init(
                namespace: "steiger", metricName: "data_volume_reserve", unitName: "bytes",
                helpText: "Bytes of the data volume kept for the database")
        ).set(Double(volume.reserve))
        registry.makeGauge(
            descriptor: .init(
                namespace: "steiger", metricName: "degraded", unitName: "state",
                helpText: "1 while the data volume is in its reserve (uploads refused, processing waits)")
        ).set(volume.isLow ? 1.0 : 0.0)
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(
                namespace: "steiger", metricName: "http_requests", unitName: "total",
                helpText: "HTTP requests answered"), labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "steiger", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Time to answer HTTP requests"),
            labels: [("method", method), ("route", route)], buckets: Self.buckets
        ).record(duration)
    }
}
