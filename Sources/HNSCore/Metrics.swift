import CoreMetrics
import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Prometheus

/// One Prometheus registry per process, installed as the swift-metrics backend once.
public enum HNSMetrics {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Locked(false)

    public static func bootstrap() {
        let first = self.bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: self.registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
    }

    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        self.registry.emit(into: &buffer)
        return buffer
    }
}

/// Counts and times requests labelled by the matched route template (`/v1/publish/{subject}`), never
/// the raw path, so label cardinality stays bounded whatever clients send.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let daemon: String

    public init(daemon: String) {
        self.daemon = daemon
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch {
            self.record(request: request, context: context, status: ProblemMiddleware<Context>.problem(for: error).statusCode, start: start)
            throw error
        }
        self.record(request: request, context: context, status: status, start: start)
        return response
    }

    private func record(request: Request, context: Context, status: Int, start: UInt64) {
        let route = context.endpointPath ?? "unmatched"
        let (counter, timer) = HTTPMetricsCache.metrics(daemon: self.daemon, method: request.method.rawValue, route: route, status: status)
        counter.increment()
        timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}

/// Metric handles by their labels, each made once: asking swift-metrics for a counter or a timer goes
/// through the Prometheus factory (a lock, a lookup, the label strings built anew) on every call, which
/// is too much for a metric recorded per request or per message. Bounded like the labels themselves.
public final class MetricsByLabels<Labels: Hashable & Sendable, Handles: Sendable>: Sendable {
    private let entries = Locked<[Labels: Handles]>([:])

    public init() {}

    public func handles(_ labels: Labels, make: () -> Handles) -> Handles {
        if let found = self.entries.withLock({ $0[labels] }) { return found }
        let made = make()
        self.entries.withLock { $0[labels] = made }
        return made
    }
}

/// Request metrics by daemon, method, route template (never the raw path) and status.
enum HTTPMetricsCache {
    private struct Labels: Hashable, Sendable {
        let daemon: String, method: String, route: String, status: Int
    }

    private static let made = MetricsByLabels<Labels, (CoreMetrics.Counter, CoreMetrics.Timer)>()

    static func metrics(daemon: String, method: String, route: String, status: Int) -> (CoreMetrics.Counter, CoreMetrics.Timer) {
        self.made.handles(Labels(daemon: daemon, method: method, route: route, status: status)) {
            let dims = [("daemon", daemon), ("method", method), ("route", route), ("status", String(status))]
            return (
                CoreMetrics.Counter(label: "hns_http_requests_total", dimensions: dims),
                Timer(label: "hns_http_request_duration_seconds", dimensions: Array(dims.prefix(3)))
            )
        }
    }
}
