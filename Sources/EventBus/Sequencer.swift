import CoreMetrics
import Dispatch
import HNSCore
import Logging
import Metrics
import ServiceLifecycle

/// Group commit: publishes that arrive while a transaction is in flight wait together and are
/// committed by the next one, so throughput grows with concurrency while every caller still gets
/// its answer only after its own data is durable.
public final class Sequencer: Service, Sendable {
    struct Pending: Sendable {
        let items: [LogStore.Item]
        let continuation: CheckedContinuation<[LogStore.Stored], any Error>
        let enqueued: UInt64
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private let store: LogStore
    private let duplicateWindow: Duration
    private let maxBatch: Int
    private let logger: Logger
    private let queue = Locked<(pending: [Pending], running: Bool)>(([], true))
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    init(store: LogStore, duplicateWindow: Duration, maxBatch: Int = 2000, logger: Logger) {
        self.store = store
        self.duplicateWindow = duplicateWindow
        self.maxBatch = maxBatch
        self.logger = logger
        (self.wake, self.wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends `items` atomically; returns once they are committed.
    func append(_ items: [LogStore.Item]) async throws -> [LogStore.Stored] {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = self.queue.withLock { state -> Bool in
                guard state.running else { return false }
                state.pending.append(Pending(items: items, continuation: continuation, enqueued: DispatchTime.now().uptimeNanoseconds))
                return true
            }
            if accepted {
                self.wakeContinuation.yield()
            } else {
                continuation.resume(throwing: Unavailable(description: "the bus is shutting down"))
            }
        }
    }

    public func run() async throws {
        // PostgreSQL may still be starting: publishes wait (and time out as 503) meanwhile.
        var attempt = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await self.store.ensureStream()
                break
            } catch {
                attempt += 1
                self.logger.warning("cannot reach the log store yet", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: Backoff(base: .milliseconds(200), maximum: .seconds(5)).delay(attempt: attempt))
            }
        }
        await withGracefulShutdownHandler {
            for await _ in self.wake {
                await self.drain()
                if self.queue.withLock({ !$0.running && $0.pending.isEmpty }) { break }
            }
        } onGracefulShutdown: {
            // Stop taking new work, then let the loop commit what was already accepted.
            self.queue.withLock { $0.running = false }
            self.wakeContinuation.yield()
        }
        self.queue.withLock { $0.running = false }
        await self.drain()
        self.wakeContinuation.finish()
    }

    private func drain() async {
        while true {
            let batch = self.queue.withLock { state -> [Pending] in
                var taken: [Pending] = []
                var count = 0
                while let first = state.pending.first, taken.isEmpty || count + first.items.count <= self.maxBatch {
                    taken.append(state.pending.removeFirst())
                    count += first.items.count
                }
                return taken
            }
            if batch.isEmpty { return }
            await self.commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) async {
        let items = batch.flatMap(\.items)
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let stored = try await self.store.append(items, duplicateWindow: self.duplicateWindow)
            var offset = 0
            let done = DispatchTime.now().uptimeNanoseconds
            for pending in batch {
                let slice = Array(stored[offset..<(offset + pending.items.count)])
                offset += pending.items.count
                pending.continuation.resume(returning: slice)
                EventBusMetrics.publishLatency.recordNanoseconds(Int64(done - pending.enqueued))
            }
            EventBusMetrics.groupSize.record(items.count)
            EventBusMetrics.commitLatency.recordNanoseconds(Int64(done - started))
        } catch {
            self.logger.error("publish commit failed", metadata: ["error": "\(String(reflecting: error))", "messages": "\(items.count)"])
            for pending in batch { pending.continuation.resume(throwing: Unavailable(description: "the log store is unavailable")) }
        }
    }
}

enum EventBusMetrics {
    static let publishLatency = Timer(label: "hns_eventbus_publish_latency_seconds")
    static let commitLatency = Timer(label: "hns_eventbus_commit_latency_seconds")
    static let groupSize = Recorder(label: "hns_eventbus_group_commit_size")
    static let published = Counter(label: "hns_eventbus_published_total")
    static let duplicates = Counter(label: "hns_eventbus_duplicates_total")
    static let publishedBytes = Counter(label: "hns_eventbus_published_bytes_total")

    /// Counted on every delivery: made once per subscription and result.
    private static let deliveries = MetricsByLabels<[String], Counter>()
    private static let attemptCounters = MetricsByLabels<String, Counter>()

    static func delivery(_ subscription: String, result: String) -> Counter {
        self.deliveries.handles([subscription, result]) {
            Counter(label: "hns_eventbus_deliveries_total", dimensions: [("subscription", subscription), ("result", result)])
        }
    }
    static func attempts(_ subscription: String) -> Counter {
        self.attemptCounters.handles(subscription) {
            Counter(label: "hns_eventbus_delivery_attempts_total", dimensions: [("subscription", subscription)])
        }
    }
    static func deadLetters(_ subscription: String) -> Counter {
        Counter(label: "hns_eventbus_dead_letters_total", dimensions: [("subscription", subscription)])
    }
    static func lag(_ subscription: String) -> Gauge {
        Gauge(label: "hns_eventbus_subscription_lag", dimensions: [("subscription", subscription)])
    }
    static func oldestUnackedAge(_ subscription: String) -> Gauge {
        Gauge(label: "hns_eventbus_oldest_unacked_age_seconds", dimensions: [("subscription", subscription)])
    }
    static func expiryRisk(_ subscription: String) -> Gauge {
        Gauge(label: "hns_eventbus_subscription_expiry_risk", dimensions: [("subscription", subscription)])
    }
}
