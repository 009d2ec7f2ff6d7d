import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// Reads the queue's turns and expiries from `hns:events:queue` (consumer group `ticketing`, so
/// entries written while we were down are read when we come back) into `orders.purchase_windows`,
/// the monolith's record of who had a turn until when.
struct QueueEventsConsumer: Service {
    let postgres: PostgresClient
    let redis: RedisClient
    let logger: Logger
    /// The stream's key (DESIGN.md); other values only in tests.
    var stream = "hns:events:queue"
    static let group = "ticketing"
    var consumer = "ticketing-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // Redis calls do not look at cancellation: the loop does.
            while !Task.isCancelled {
                do {
                    // XREADGROUP BLOCK holds its connection: a pooled one would stall every command queued behind it.
                    try await self.redis.withDedicatedConnection { connection in
                        while !Task.isCancelled { try await self.pollOnce(on: connection) }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("queue events not read; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Entries a dead consumer read but never acknowledged first, then new ones (waiting up to `blockMs`).
    func pollOnce(on redis: some RedisCommandSender, blockMs: Int = 1000) async throws {
        _ = try await redis.xgroupCreate(self.stream, group: Self.group, id: "0")
        let claimed = try await redis.xautoclaim(self.stream, group: Self.group, consumer: self.consumer, minIdleMs: 60_000, count: 100)
        try await self.apply(claimed.entries, on: redis)
        let batch = try await redis.xreadgroup(
            group: Self.group, consumer: self.consumer, streams: [self.stream: ">"], count: 200, blockMs: blockMs)
        try await self.apply(batch[self.stream] ?? [], on: redis)
    }

    func apply(_ entries: [RedisStreamEntry], on redis: some RedisCommandSender) async throws {
        guard !entries.isEmpty else { return }
        for entry in entries {
            let f = entry.fields
            guard let type = f["type"], let match = f["match_id"].flatMap(Int64.init), let user = f["user_id"], let jti = f["jti"] else { continue }
            switch type {
            case "queue.turn_granted":
                let ends = Date(timeIntervalSince1970: (Double(f["window_ends_at"] ?? "") ?? 0) / 1000)
                try await self.postgres.query(
                    """
                    INSERT INTO orders.purchase_windows (window_id, match_id, user_id, ends_at) VALUES (\(jti), \(match), \(user), \(ends))
                    ON CONFLICT (window_id) DO NOTHING
                    """, logger: self.logger)
            case "queue.expired", "queue.released":
                let state = type == "queue.expired" ? "expired" : "released"
                try await self.postgres.query(
                    "UPDATE orders.purchase_windows SET state = \(state), updated_at = now() WHERE window_id = \(jti) AND state = 'open'",
                    logger: self.logger)
            default: continue
            }
        }
        _ = try await redis.xack(self.stream, group: Self.group, ids: entries.map(\.id))
    }
}
