import Dispatch
import Metrics

/// Every metric of hns-queue (Prometheus names, `hns_` prefix). Gauges per match are set by the
/// instance that leads the match.
enum QueueMetrics {
    static func admitted(_ match: String, _ count: Int) {
        Counter(label: "hns_queue_admitted_total", dimensions: [("match", match)]).increment(by: count)
    }

    static func activeWindows(_ match: String, _ count: Int) {
        Gauge(label: "hns_queue_active_windows", dimensions: [("match", match)]).record(count)
    }

    static func waiting(_ match: String, _ count: Int) {
        Gauge(label: "hns_queue_waiting", dimensions: [("match", match)]).record(count)
    }

    static func socketsOpen(_ count: Int) {
        Gauge(label: "hns_queue_sockets_open").record(count)
    }

    static let messagesSent = Counter(label: "hns_queue_messages_sent_total")

    static func joined(startedAt start: UInt64, outcome: String) {
        Timer(label: "hns_queue_join_duration_seconds", dimensions: [("outcome", outcome)])
            .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}
