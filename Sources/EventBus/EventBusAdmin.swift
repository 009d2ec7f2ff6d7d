import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// Operator views and actions, shared by the admin API and the `hns-eventbus` subcommands.
public struct EventBusAdmin: Sendable {
    let store: LogStore
    let stream: StreamConfig
    let logger: Logger

    public init(client: PostgresClient, stream: StreamConfig, logger: Logger) {
        self.store = LogStore(client: client, stream: stream.name, logger: logger)
        self.stream = stream
        self.logger = logger
    }

    public func streamInfo() async throws -> JSONValue {
        let rows = try await self.store.client.query(
            """
            SELECT coalesce((SELECT min(seq) FROM eventbus.messages), 0),
                   coalesce((SELECT last_seq FROM eventbus.streams WHERE name = \(self.stream.name)), 0),
                   pg_total_relation_size('eventbus.messages')::int8,
                   (SELECT min(published_at) FROM eventbus.messages)
            """, logger: self.logger)
        for try await (first, last, bytes, oldest) in rows.decode((Int64, Int64, Int64, Date?).self) {
            let count = first == 0 ? 0 : last - first + 1
            return .object([
                "name": .string(self.stream.name),
                "subjects": .array(self.stream.subjects.map(JSONValue.string)),
                "first_seq": .number(Double(first)), "last_seq": .number(Double(last)),
                "messages": .number(Double(count)), "bytes": .number(Double(bytes)),
                "oldest": oldest.map { .string(Envelope.rfc3339($0)) } ?? .null,
                "max_age_s": .number(self.stream.maxAge.seconds),
            ])
        }
        return .null
    }

    public func subscriptions() async throws -> JSONValue {
        var out: [JSONValue] = []
        let last = try await self.store.lastSeq()
        let rows = try await self.store.client.query(
            """
            SELECT s.name, s.acked_seq, s.lease_owner, s.lease_until > now(), s.last_error, s.last_error_at, s.missed, s.removed_at,
                   (SELECT count(*) FROM eventbus.dead_letters d WHERE d.subscription = s.name)::int8,
                   (SELECT count(*) FROM eventbus.attempts a WHERE a.subscription = s.name)::int8,
                   (SELECT extract(epoch FROM now() - m.published_at)::float8 FROM eventbus.messages m WHERE m.seq = s.acked_seq + 1)
            FROM eventbus.subscriptions s ORDER BY s.name
            """, logger: self.logger)
        for try await row in rows.decode((String, Int64, String?, Bool?, String?, Date?, Int64, Date?, Int64, Int64, Double?).self) {
            let (name, acked, owner, leased, lastError, errorAt, missed, removed, dead, retrying, age) = row
            let configured = self.stream.subscriptions.first { $0.name == name }
            var pending: Int64 = 0
            if let configured, acked < last {
                let regex = SubscriptionWorker.regex(for: configured.filters)
                let count = try await self.store.client.query(
                    "SELECT count(*)::int8 FROM eventbus.messages WHERE seq > \(acked) AND subject ~ \(regex)", logger: self.logger)
                for try await n in count.decode(Int64.self) { pending = n }
            }
            let state = removed != nil ? "removed" : (leased == true ? "active" : "idle")
            var o: [String: JSONValue] = [:]
            o["name"] = .string(name)
            o["state"] = .string(state)
            o["filters"] = .array((configured?.filters ?? []).map(JSONValue.string))
            o["acked_seq"] = .number(Double(acked))
            o["pending"] = .number(Double(pending))
            o["lag"] = .number(Double(max(0, last - acked)))
            o["retrying"] = .number(Double(retrying))
            o["dead_letters"] = .number(Double(dead))
            o["missed"] = .number(Double(missed))
            o["oldest_pending_age_s"] = age.map(JSONValue.number) ?? .null
            o["lease_owner"] = leased == true ? owner.map(JSONValue.string) ?? .null : .null
            o["last_error"] = lastError.map(JSONValue.string) ?? .null
            o["last_error_at"] = errorAt.map { JSONValue.string(Envelope.rfc3339($0)) } ?? .null
            out.append(.object(o))
        }
        return .array(out)
    }

    public enum ResetTarget: Sendable {
        case seq(Int64)
        case time(Date)
    }

    public struct UnknownSubscription: Error {}

    /// Replays a subscription from a sequence number or a point in time.
    public func reset(_ name: String, to target: ResetTarget) async throws -> Int64 {
        try await self.store.client.withRetryingTransaction(logger: self.logger) { tx in
            let acked: Int64
            switch target {
            case .seq(let n): acked = max(n - 1, 0)
            case .time(let t):
                if let before = try await LogStore.seqBefore(time: t, tx, logger: self.logger) {
                    acked = before
                } else {
                    acked = try await LogStore.lastSeq(tx, stream: self.stream.name, logger: self.logger)
                }
            }
            let rows = try await tx.query(
                """
                UPDATE eventbus.subscriptions SET acked_seq = \(acked), generation = generation + 1 WHERE name = \(name) RETURNING 1
                """, logger: self.logger)
            var found = false
            for try await _ in rows.decode(Int.self) { found = true }
            guard found else { throw UnknownSubscription() }
            try await tx.query("DELETE FROM eventbus.attempts WHERE subscription = \(name)", logger: self.logger)
            try await tx.query("SELECT pg_notify('eventbus_published', 'reset')", logger: self.logger)
            return acked + 1
        }
    }

    public func deadLetters(_ name: String, limit: Int = 100) async throws -> JSONValue {
        // The subscription's row, joined to none or more dead letters: no row at all is no such subscription.
        let rows = try await self.store.client.query(
            """
            SELECT d.seq, d.attempts, d.last_error, d.dead_at, m.subject, m.msg_id
            FROM eventbus.subscriptions s
            LEFT JOIN LATERAL (
                SELECT * FROM eventbus.dead_letters WHERE subscription = s.name ORDER BY seq LIMIT \(limit)) d ON true
            LEFT JOIN eventbus.messages m ON m.seq = d.seq
            WHERE s.name = \(name) ORDER BY d.seq
            """, logger: self.logger)
        var out: [JSONValue] = []
        var found = false
        for try await (seq, attempts, error, at, subject, id) in rows.decode((Int64?, Int?, String?, Date?, String?, String?).self) {
            found = true
            guard let seq, let attempts, let at else { continue }  // the subscription, without dead letters
            out.append(
                .object([
                    "seq": .number(Double(seq)), "attempts": .number(Double(attempts)), "last_error": error.map(JSONValue.string) ?? .null,
                    "dead_at": .string(Envelope.rfc3339(at)), "subject": subject.map(JSONValue.string) ?? .null,
                    "message_id": id.map(JSONValue.string) ?? .null, "expired": .bool(subject == nil),
                ]))
        }
        guard found else { throw UnknownSubscription() }
        return .array(out)
    }

    public struct NoSuchMessage: Error {}

    /// Queues one message for delivery again (it is delivered ahead of the subscription's cursor).
    public func redeliver(_ name: String, seq: Int64) async throws {
        try await self.store.client.withRetryingTransaction(logger: self.logger) { tx in
            let exists = try await tx.query("SELECT 1 FROM eventbus.messages WHERE seq = \(seq)", logger: self.logger)
            var found = false
            for try await _ in exists.decode(Int.self) { found = true }
            guard found else { throw NoSuchMessage() }
            let rows = try await tx.query(
                """
                INSERT INTO eventbus.redeliveries (subscription, seq)
                SELECT name, \(seq) FROM eventbus.subscriptions WHERE name = \(name)
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: self.logger)
            var inserted = false
            for try await _ in rows.decode(Int.self) { inserted = true }
            if !inserted, try await self.cursorExists(name, tx) == false { throw UnknownSubscription() }
            try await tx.query("DELETE FROM eventbus.dead_letters WHERE subscription = \(name) AND seq = \(seq)", logger: self.logger)
            try await tx.query("SELECT pg_notify('eventbus_published', 'redeliver')", logger: self.logger)
        }
    }

    /// Re-drives every dead letter of a subscription; returns how many.
    public func redriveDeadLetters(_ name: String) async throws -> Int {
        try await self.store.client.withRetryingTransaction(logger: self.logger) { tx in
            guard try await self.cursorExists(name, tx) else { throw UnknownSubscription() }
            let rows = try await tx.query(
                """
                WITH moved AS (DELETE FROM eventbus.dead_letters WHERE subscription = \(name) RETURNING subscription, seq)
                INSERT INTO eventbus.redeliveries (subscription, seq) SELECT subscription, seq FROM moved
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: self.logger)
            var n = 0
            for try await _ in rows.decode(Int.self) { n += 1 }
            try await tx.query("SELECT pg_notify('eventbus_published', 'redrive')", logger: self.logger)
            return n
        }
    }

    private func cursorExists(_ name: String, _ tx: PostgresConnection) async throws -> Bool {
        let rows = try await tx.query("SELECT 1 FROM eventbus.subscriptions WHERE name = \(name)", logger: self.logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }
}
