import Foundation
import HNSCore
import HNSRedis
import Logging
import ServiceLifecycle

/// Long polls of `GET /orders/{id}?wait=N`: the app waits for its payment's outcome in one request
/// instead of polling. Whoever settles an order (the Stripe webhook's transaction, a cancel, a hold
/// running out) publishes its id on the Redis channel `hns:orders:settled` after the commit, and every
/// instance is subscribed, so a request wakes whichever instance handled the webhook. Not PostgreSQL's
/// NOTIFY: a transaction that notifies takes a cluster-wide lock at commit and keeps it until its
/// commit is flushed, which would put every sale's commit in a single file behind the others'.
final class OrderWatch: Sendable {
    static let channel = "hns:orders:settled"

    /// The announcement, for a caller that sends it in a pipeline of its own.
    static func announcement(_ order: UUID) -> [RESPArg] { ["PUBLISH", RESPArg(Self.channel), RESPArg(order.lowercased)] }

    /// Tells every instance that `order` settled. Best effort: a waiting request re-reads its order
    /// every `Orders.longPollRecheck` (`HNS_ORDER_WAIT_RECHECK`) anyway.
    static func announce(_ order: UUID, redis: RedisClient, logger: Logger) async {
        do { _ = try await redis.publish(channel: Self.channel, message: order.lowercased) } catch {
            logger.debug("order settlement not announced", metadata: ["order": "\(order)", "error": "\(error)"])
        }
    }

    private struct Waiter: Sendable {
        var settled = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private struct State: Sendable {
        var waiters: [UUID: [UInt64: Waiter]] = [:]
        var nextKey: UInt64 = 0
        /// After shutdown began: nothing waits any more.
        var closed = false
    }

    private let state = Locked(State())

    /// Registers interest in `order` before its state is read, so that an announcement arriving between
    /// the read and the wait is not lost. Nil once closed.
    func register(_ order: UUID) -> UInt64? {
        self.state.withLock { s -> UInt64? in
            guard !s.closed else { return nil }
            s.nextKey += 1
            s.waiters[order, default: [:]][s.nextKey] = Waiter()
            return s.nextKey
        }
    }

    func unregister(_ order: UUID, key: UInt64) {
        let continuation = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
            let waiter = s.waiters[order]?.removeValue(forKey: key)
            if s.waiters[order]?.isEmpty == true { s.waiters[order] = nil }
            return waiter?.continuation
        }
        continuation?.resume()
    }

    /// Returns when `order` settles (or settled since `register`), after `timeout`, on close, or when
    /// the task is cancelled.
    func wait(_ order: UUID, key: UInt64, timeout: Duration) async {
        _ = try? await withTimeout(timeout) { await self.waitForSignal(order, key: key) }
    }

    private func waitForSignal(_ order: UUID, key: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { s -> Bool in
                    guard let waiter = s.waiters[order]?[key], !waiter.settled, !Task.isCancelled else { return true }
                    s.waiters[order]?[key]?.continuation = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
                let c = s.waiters[order]?[key]?.continuation
                s.waiters[order]?[key]?.continuation = nil
                return c
            }
            continuation?.resume()
        }
    }

    /// The order left its open states: every request waiting for it wakes.
    func settled(_ order: UUID) {
        let continuations = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard var waiters = s.waiters[order] else { return [] }
            var out: [CheckedContinuation<Void, Never>] = []
            for key in waiters.keys {
                if let c = waiters[key]?.continuation { out.append(c) }
                waiters[key] = Waiter(settled: true, continuation: nil)
            }
            s.waiters[order] = waiters
            return out
        }
        for c in continuations { c.resume() }
    }

    /// Shutdown: every waiting request answers now with what it has.
    func close() {
        let continuations = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            let out = s.waiters.values.flatMap { $0.values.compactMap(\.continuation) }
            s.waiters = [:]
            return out
        }
        for c in continuations { c.resume() }
    }

    var waiting: Int { self.state.withLock { s in s.waiters.values.reduce(0) { $0 + $1.count } } }
}

/// Subscribed to `hns:orders:settled`: wakes the requests waiting here. While the subscription is
/// down a waiting request still re-reads its order every `Orders.longPollRecheck` (`HNS_ORDER_WAIT_RECHECK`).
struct OrderWatchListener: Service {
    let watch: OrderWatch
    let redis: RedisClient
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await self.redis.listen(to: [OrderWatch.channel]) { message in
                if let id = UUID(uuidString: message.string) { self.watch.settled(id) }
            }
        }
        self.watch.close()
    }
}
