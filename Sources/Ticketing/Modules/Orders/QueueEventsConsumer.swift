import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO
import ServiceLifecycle

/// Reads the queue's events from `hns:events:queue` (consumer group `ticketing`, so entries written
/// while we were down are read when we come back). A window that expired ends the orders placed in
/// it whose payment has not started: their seats go back at once, not when their hold runs out.
/// (An order records its window itself, from the purchase token; a turn granted needs nothing here.)
struct QueueEventsConsumer: Service {
    let orders: Orders
    let redis: RedisClient
    let logger: Logger
    /// The stream's key (docs/contracts.md); other values only in tests.
    var stream = RedisKeys.shared.queueEvents
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
        for entry in entries where entry.fields["type"] == "queue.expired" {
            guard let jti = entry.fields["jti"] else { continue }
            try await self.orders.windowExpired(windowID: jti)
        }
        _ = try await redis.xack(self.stream, group: Self.group, ids: entries.map(\.id))
    }
}
