import CoreMetrics
import Foundation
import HNSCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Removes messages older than `max_age` in small batches (each its own short transaction, so
/// publishing never waits behind a long delete), moves cursors that fell behind the log, and raises a
/// warning while a subscription's oldest pending message nears expiry.
public struct Retention: Service {
    let config: EventBusConfiguration
    let store: LogStore
    let logger: Logger
    let status: RetentionStatus

    public func run() async throws {
        // Ends quietly at graceful shutdown (cancelWhenGracefulShutdown cancels the sleep).
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.config.retentionInterval)
                do {
                    try await self.runOnce()
                } catch {
                    self.logger.warning("retention pass failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    @discardableResult
    public func runOnce() async throws -> Int {
        let client = self.store.client
        let maxAge = self.config.stream.maxAge.seconds
        var removed = 0
        while true {
            let rows = try await client.query(
                """
                WITH doomed AS (
                    SELECT seq FROM eventbus.messages
                    WHERE published_at < now() - make_interval(secs => \(maxAge))
                    ORDER BY seq LIMIT 5000
                )
                DELETE FROM eventbus.messages m USING doomed WHERE m.seq = doomed.seq RETURNING 1
                """, logger: self.logger)
            var n = 0
            for try await _ in rows.decode(Int.self) { n += 1 }
            removed += n
            if n < 5000 { break }
        }
        let window = self.config.stream.duplicateWindow.seconds
        while true {
            let rows = try await client.query(
                """
                DELETE FROM eventbus.dedupe WHERE msg_id IN (
                    SELECT msg_id FROM eventbus.dedupe WHERE published_at < now() - make_interval(secs => \(window)) LIMIT 20000)
                RETURNING 1
                """, logger: self.logger)
            var n = 0
            for try await _ in rows.decode(Int.self) { n += 1 }
            if n < 20000 { break }
        }

        // Cursors pointing before the first remaining message: move them, counting what was lost.
        let moved = try await client.query(
            """
            WITH first AS (
                SELECT coalesce((SELECT min(seq) FROM eventbus.messages), (SELECT last_seq + 1 FROM eventbus.streams WHERE name = \(self.store.stream))) AS seq
            )
            UPDATE eventbus.subscriptions s
            SET missed = s.missed + (first.seq - 1 - s.acked_seq), acked_seq = first.seq - 1, generation = s.generation + 1
            FROM first
            WHERE s.acked_seq < first.seq - 1 AND s.removed_at IS NULL
            RETURNING s.name, s.missed
            """, logger: self.logger)
        for try await (name, missed) in moved.decode((String, Int64).self) {
            self.logger.error(
                "subscription cursor fell behind retention; skipped expired messages",
                metadata: [
                    "subscription": "\(name)", "missed_total": "\(missed)",
                ])
        }
        try await client.query(
            """
            DELETE FROM eventbus.subscriptions WHERE removed_at < now() - make_interval(secs => \(self.config.removedSubscriptionTTL.seconds))
            """, logger: self.logger)
        try await self.checkExpiry()
        if removed > 0 { self.logger.info("retention removed messages", metadata: ["count": "\(removed)"]) }
        return removed
    }

    /// Age of each active subscription's oldest pending message, and whether it is within the warning margin of expiry.
    func checkExpiry() async throws {
        let rows = try await self.store.client.query(
            """
            SELECT s.name, extract(epoch FROM now() - m.published_at)::float8
            FROM eventbus.subscriptions s
            LEFT JOIN eventbus.messages m ON m.seq = s.acked_seq + 1
            WHERE s.removed_at IS NULL
            """, logger: self.logger)
        var atRisk: [String: Double] = [:]
        let threshold = (self.config.stream.maxAge - self.config.expiryWarning).seconds
        for try await (name, age) in rows.decode((String, Double?).self) {
            let a = age ?? 0
            EventBusMetrics.oldestUnackedAge(name).record(a)
            let risk = age != nil && a >= threshold
            EventBusMetrics.expiryRisk(name).record(risk ? 1 : 0)
            if risk {
                atRisk[name] = a
                self.logger.warning(
                    "subscription's oldest pending message nears expiry", metadata: ["subscription": "\(name)", "age_s": "\(Int(a))"])
            }
        }
        self.status.atRisk.withLock { $0 = atRisk }
    }
}

/// Shared with `/readyz`, which names subscriptions about to lose messages.
public final class RetentionStatus: Sendable {
    let atRisk = Locked<[String: Double]>([:])
    public init() {}
}
