import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Domain events are rows of `outbox.messages`, written on the transaction whose change they
/// announce: an event is never lost, and never published for a change that rolled back.
enum Outbox {
    struct Message: Sendable {
        let subject: String
        /// The bus's `Msg-Id`: stable for the change it announces, so a relay retry is deduplicated.
        let msgID: String
        let payload: JSONValue
        /// Also a job on `hns:jobs:notifications` for the notification workers.
        var job = false
    }

    /// All of `messages` in one statement (a sale writes six or more).
    static func write(_ messages: [Message], on connection: PostgresConnection, logger: Logger) async throws {
        var writes = PreparedWrites()
        Self.add(messages, to: &writes)
        try await writes.run(on: connection, logger: logger)
    }

    /// The same as one part of a combined statement (with the other writes of its transaction).
    static func add(_ messages: [Message], to writes: inout PreparedWrites) {
        guard !messages.isEmpty else { return }
        let subjects = messages.map(\.subject), ids = messages.map(\.msgID), jobs = messages.map(\.job)
        let payloads = messages.map { String(decoding: $0.payload.encoded(), as: UTF8.self) }
        writes.add("""
            INSERT INTO outbox.messages (subject, msg_id, payload, job)
            SELECT m.subject, m.msg_id, m.payload::jsonb, m.job
            FROM unnest(\(subjects)::text[], \(ids)::text[], \(payloads)::text[], \(jobs)::boolean[]) WITH ORDINALITY AS m(subject, msg_id, payload, job, n)
            ORDER BY m.n ON CONFLICT (msg_id) DO NOTHING
            """)
    }
}

/// Relays the outbox: publishes pending rows to the bus as one atomic batch (when a bus is
/// configured) and adds job rows to the Redis stream. Rows are claimed with `SKIP LOCKED`, so
/// several instances share the work; a crash before the mark re-sends, and the bus drops the
/// duplicate by `Msg-Id`.
struct OutboxRelay: Service {
    let postgres: PostgresClient
    let redis: RedisClient
    let publisher: BusPublisher?
    let logger: Logger
    var idleInterval: Duration = .milliseconds(250)
    static let jobsStream = "hns:jobs:notifications"

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                var moved = 0
                do {
                    if self.publisher != nil { moved += try await self.publishBatch() }
                    moved += try await self.queueJobs()
                } catch {
                    self.logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
                if moved == 0 { try await loopSleep(for: self.idleInterval) }
            }
        }
    }

    /// One batch to the bus; returns how many rows were published.
    func publishBatch(limit: Int = 500) async throws -> Int {
        guard let publisher = self.publisher else { return 0 }
        return try await self.postgres.withTransaction(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                """
                SELECT id, subject, msg_id, payload::text FROM outbox.messages
                WHERE published_at IS NULL ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            var ids: [Int64] = []
            var items: [BusPublisher.BatchItem] = []
            for try await (id, subject, msgID, payload) in rows.decode((Int64, String, String, String).self) {
                ids.append(id)
                items.append(.init(subject: subject, msgID: msgID, data: ByteBuffer(string: payload)))
            }
            guard !items.isEmpty else { return 0 }
            do {
                _ = try await publisher.publishBatch(items, logger: self.logger)
            } catch {
                try await connection.prepared(
                    "UPDATE outbox.messages SET attempts = attempts + 1, last_error = \(String(describing: error)) WHERE id = ANY(\(ids))",
                    logger: self.logger)
                self.logger.warning("outbox batch not published; will retry", metadata: ["count": "\(ids.count)", "error": "\(error)"])
                return 0
            }
            try await connection.prepared("UPDATE outbox.messages SET published_at = now() WHERE id = ANY(\(ids))", logger: self.logger)
            return ids.count
        }
    }

    /// Job rows onto `hns:jobs:notifications` (at least once; workers dedupe by `msg_id`).
    func queueJobs(limit: Int = 500) async throws -> Int {
        try await self.postgres.withTransaction(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                """
                SELECT id, subject, msg_id, payload::text FROM outbox.messages
                WHERE job AND job_queued_at IS NULL ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            var ids: [Int64] = []
            var entries: [(String, String, String)] = []
            for try await (id, subject, msgID, payload) in rows.decode((Int64, String, String, String).self) {
                ids.append(id)
                entries.append((subject, msgID, payload))
            }
            guard !ids.isEmpty else { return 0 }
            let commands: [[RESPArg]] = entries.map { subject, msgID, payload in
                ["XADD", RESPArg(Self.jobsStream), "MAXLEN", "~", "1000000", "*",
                 "type", RESPArg(subject), "msg_id", RESPArg(msgID), "data", RESPArg(payload)]
            }
            _ = try await self.redis.pipeline(commands)
            try await connection.prepared("UPDATE outbox.messages SET job_queued_at = now() WHERE id = ANY(\(ids))", logger: self.logger)
            return ids.count
        }
    }
}
