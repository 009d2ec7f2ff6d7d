import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// Every statement that touches `eventbus.*`.
public struct LogStore: Sendable {
    public let client: PostgresClient
    public let stream: String
    let logger: Logger

    public init(client: PostgresClient, stream: String, logger: Logger) {
        self.client = client
        self.stream = stream
        self.logger = logger
    }

    public struct Item: Sendable {
        public let subject: String
        public let msgID: String?
        public let data: String
    }

    public struct Stored: Sendable {
        public let seq: Int64
        public let duplicate: Bool
    }

    public struct Message: Sendable {
        public let seq: Int64
        public let subject: String
        public let msgID: String
        public let data: String
        public let publishedAt: Date
        public var attempts: Int
    }

    func ensureStream() async throws {
        try await self.client.query(
            "INSERT INTO eventbus.streams (name) VALUES (\(self.stream)) ON CONFLICT (name) DO NOTHING", logger: self.logger)
    }

    /// Commits a group of publishes in one transaction. The stream row lock is the sequencer: it is
    /// taken before numbers are assigned and held to commit, so seqs become visible strictly in order
    /// across every instance.
    func append(_ items: [Item], duplicateWindow: Duration) async throws -> [Stored] {
        try await self.client.withTransaction(logger: self.logger) { tx in
            let lock = try await tx.query(
                "UPDATE eventbus.streams SET last_seq = last_seq WHERE name = \(self.stream) RETURNING last_seq, clock_timestamp()",
                logger: self.logger)
            var last: Int64 = 0
            var now = Date()
            for try await (seq, ts) in lock.decode((Int64, Date).self) { last = seq; now = ts }

            let ids = Array(Set(items.compactMap(\.msgID)))
            var known: [String: Int64] = [:]
            if !ids.isEmpty {
                let since = now.addingTimeInterval(-duplicateWindow.seconds)
                let rows = try await tx.query(
                    "SELECT msg_id, seq FROM eventbus.dedupe WHERE msg_id = ANY(\(ids)) AND published_at > \(since)", logger: self.logger)
                for try await (id, seq) in rows.decode((String, Int64).self) { known[id] = seq }
            }

            var results: [Stored] = []
            var seqs: [Int64] = [], subjects: [String] = [], msgIDs: [String] = [], datas: [String] = []
            var dedupeIDs: [String] = [], dedupeSeqs: [Int64] = []
            for item in items {
                if let id = item.msgID, let seq = known[id] {
                    results.append(Stored(seq: seq, duplicate: true))
                    continue
                }
                last += 1
                let id = item.msgID ?? UUID().uuidString.lowercased()
                if let msgID = item.msgID {
                    known[msgID] = last
                    dedupeIDs.append(msgID)
                    dedupeSeqs.append(last)
                }
                seqs.append(last); subjects.append(item.subject); msgIDs.append(id); datas.append(item.data)
                results.append(Stored(seq: last, duplicate: false))
            }
            guard !seqs.isEmpty else { return results }
            try await tx.query("""
                WITH m AS (
                    INSERT INTO eventbus.messages (seq, subject, msg_id, data, published_at)
                    SELECT s, sub, id, d, \(now) FROM unnest(\(seqs)::int8[], \(subjects)::text[], \(msgIDs)::text[], \(datas)::text[]) AS u(s, sub, id, d)
                    RETURNING 1
                ), dd AS (
                    INSERT INTO eventbus.dedupe (msg_id, seq, published_at)
                    SELECT id, s, \(now) FROM unnest(\(dedupeIDs)::text[], \(dedupeSeqs)::int8[]) AS u(id, s)
                    ON CONFLICT (msg_id) DO UPDATE SET seq = EXCLUDED.seq, published_at = EXCLUDED.published_at
                    RETURNING 1
                ), st AS (
                    UPDATE eventbus.streams SET last_seq = \(last) WHERE name = \(self.stream) RETURNING 1
                )
                SELECT pg_notify('eventbus_published', \(String(last))), (SELECT count(*) FROM m), (SELECT count(*) FROM dd), (SELECT count(*) FROM st)
                """, logger: self.logger)
            return results
        }
    }

    public func lastSeq() async throws -> Int64 {
        let rows = try await self.client.query("SELECT last_seq FROM eventbus.streams WHERE name = \(self.stream)", logger: self.logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        return 0
    }

    /// Messages after `cursor` that match `regex`, up to what is committed now. Also returns how far
    /// the scan reached, so a narrow filter's cursor still moves past messages it does not want.
    func fetch(subscription: String, after cursor: Int64, regex: String, limit: Int) async throws -> (messages: [Message], scannedTo: Int64) {
        let upTo = try await self.lastSeq()
        guard upTo > cursor else { return ([], cursor) }
        let rows = try await self.client.query("""
            SELECT m.seq, m.subject, m.msg_id, m.data, m.published_at, coalesce(a.attempts, 0)
            FROM eventbus.messages m
            LEFT JOIN eventbus.attempts a ON a.subscription = \(subscription) AND a.seq = m.seq
            WHERE m.seq > \(cursor) AND m.seq <= \(upTo) AND m.subject ~ \(regex)
            ORDER BY m.seq
            LIMIT \(limit)
            """, logger: self.logger)
        var out: [Message] = []
        for try await (seq, subject, id, data, at, attempts) in rows.decode((Int64, String, String, String, Date, Int).self) {
            out.append(Message(seq: seq, subject: subject, msgID: id, data: data, publishedAt: at, attempts: attempts))
        }
        return (out, out.count < limit ? upTo : out.last!.seq)
    }

    func message(seq: Int64) async throws -> Message? {
        let rows = try await self.client.query(
            "SELECT seq, subject, msg_id, data, published_at FROM eventbus.messages WHERE seq = \(seq)", logger: self.logger)
        for try await (seq, subject, id, data, at) in rows.decode((Int64, String, String, String, Date).self) {
            return Message(seq: seq, subject: subject, msgID: id, data: data, publishedAt: at, attempts: 0)
        }
        return nil
    }

    // MARK: subscriptions

    /// Creates subscriptions that are new in the config (starting where their deliver policy says),
    /// revives ones that came back, and marks the ones no longer configured as removed.
    func syncSubscriptions(_ subscriptions: [StreamConfig.Subscription]) async throws {
        try await self.client.withTransaction(logger: self.logger) { tx in
            let last = try await Self.lastSeq(tx, stream: self.stream, logger: self.logger)
            for sub in subscriptions {
                let start: Int64
                switch sub.deliver {
                case .all: start = 0
                case .new: start = last
                case .startSeq(let n): start = n - 1
                case .startTime(let t): start = try await Self.seqBefore(time: t, tx, logger: self.logger) ?? last
                }
                try await tx.query("""
                    INSERT INTO eventbus.subscriptions (name, acked_seq) VALUES (\(sub.name), \(start))
                    ON CONFLICT (name) DO UPDATE SET removed_at = NULL
                    """, logger: self.logger)
            }
            let names = subscriptions.map(\.name)
            try await tx.query("""
                UPDATE eventbus.subscriptions SET removed_at = now(), lease_owner = NULL
                WHERE removed_at IS NULL AND NOT (name = ANY(\(names)))
                """, logger: self.logger)
        }
    }

    static func lastSeq(_ conn: PostgresConnection, stream: String, logger: Logger) async throws -> Int64 {
        let rows = try await conn.query("SELECT last_seq FROM eventbus.streams WHERE name = \(stream)", logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        return 0
    }

    /// The cursor that replays from the first message published at or after `time`.
    static func seqBefore(time: Date, _ conn: PostgresConnection, logger: Logger) async throws -> Int64? {
        let rows = try await conn.query(
            "SELECT min(seq) FROM eventbus.messages WHERE published_at >= \(time)", logger: logger)
        for try await seq in rows.decode(Int64?.self) { return seq.map { $0 - 1 } }
        return nil
    }

    struct Lease: Sendable {
        let name: String
        let ackedSeq: Int64
        let generation: Int64
    }

    /// Takes every free (or expired) lease among `names` for this instance.
    func acquireLeases(names: [String], ttls: [Double], owner: String) async throws -> [Lease] {
        let rows = try await self.client.query("""
            UPDATE eventbus.subscriptions s
            SET lease_owner = \(owner), lease_until = now() + make_interval(secs => u.ttl)
            FROM unnest(\(names)::text[], \(ttls)::float8[]) AS u(name, ttl)
            WHERE s.name = u.name AND s.removed_at IS NULL
              AND (s.lease_owner IS NULL OR s.lease_owner = \(owner) OR s.lease_until < now())
            RETURNING s.name, s.acked_seq, s.generation
            """, logger: self.logger)
        var out: [Lease] = []
        for try await (name, acked, gen) in rows.decode((String, Int64, Int64).self) { out.append(Lease(name: name, ackedSeq: acked, generation: gen)) }
        return out
    }

    /// Extends the leases this instance holds; returns the names still held.
    func renewLeases(names: [String], ttls: [Double], owner: String) async throws -> Set<String> {
        let rows = try await self.client.query("""
            UPDATE eventbus.subscriptions s
            SET lease_until = now() + make_interval(secs => u.ttl)
            FROM unnest(\(names)::text[], \(ttls)::float8[]) AS u(name, ttl)
            WHERE s.name = u.name AND s.lease_owner = \(owner) AND s.removed_at IS NULL
            RETURNING s.name
            """, logger: self.logger)
        var out = Set<String>()
        for try await name in rows.decode(String.self) { out.insert(name) }
        return out
    }

    func releaseLeases(owner: String) async throws {
        try await self.client.query(
            "UPDATE eventbus.subscriptions SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = \(owner)", logger: self.logger)
    }

    /// Moves the cursor forward; refused (false) if this instance lost the lease or a reset happened.
    func storeCursor(subscription: String, seq: Int64, owner: String, generation: Int64) async throws -> Bool {
        let rows = try await self.client.query("""
            UPDATE eventbus.subscriptions SET acked_seq = greatest(acked_seq, \(seq))
            WHERE name = \(subscription) AND lease_owner = \(owner) AND generation = \(generation)
            RETURNING 1
            """, logger: self.logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    func generation(subscription: String) async throws -> (generation: Int64, redeliveries: Int)? {
        let rows = try await self.client.query("""
            SELECT generation, (SELECT count(*)::int8 FROM eventbus.redeliveries r WHERE r.subscription = s.name)
            FROM eventbus.subscriptions s WHERE name = \(subscription)
            """, logger: self.logger)
        for try await (gen, n) in rows.decode((Int64, Int64).self) { return (gen, Int(n)) }
        return nil
    }

    func recordFailure(subscription: String, seq: Int64, attempts: Int, error: String) async throws {
        try await self.client.query("""
            WITH a AS (
                INSERT INTO eventbus.attempts (subscription, seq, attempts, last_error) VALUES (\(subscription), \(seq), \(attempts), \(error))
                ON CONFLICT (subscription, seq) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error
                RETURNING 1
            )
            UPDATE eventbus.subscriptions SET last_error = \(error), last_error_at = now() WHERE name = \(subscription)
            """, logger: self.logger)
    }

    func clearAttempts(subscription: String, seq: Int64) async throws {
        try await self.client.query(
            "DELETE FROM eventbus.attempts WHERE subscription = \(subscription) AND seq = \(seq)", logger: self.logger)
    }

    func deadLetter(subscription: String, seq: Int64, attempts: Int, error: String) async throws {
        try await self.client.withTransaction(logger: self.logger) { tx in
            try await tx.query("""
                INSERT INTO eventbus.dead_letters (subscription, seq, attempts, last_error)
                VALUES (\(subscription), \(seq), \(attempts), \(error))
                ON CONFLICT (subscription, seq) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, dead_at = now()
                """, logger: self.logger)
            try await tx.query("DELETE FROM eventbus.attempts WHERE subscription = \(subscription) AND seq = \(seq)", logger: self.logger)
        }
    }

    func takeRedeliveries(subscription: String) async throws -> [Message] {
        let rows = try await self.client.query("""
            SELECT m.seq, m.subject, m.msg_id, m.data, m.published_at
            FROM eventbus.redeliveries r JOIN eventbus.messages m ON m.seq = r.seq
            WHERE r.subscription = \(subscription) ORDER BY r.seq LIMIT 100
            """, logger: self.logger)
        var out: [Message] = []
        for try await (seq, subject, id, data, at) in rows.decode((Int64, String, String, String, Date).self) {
            out.append(Message(seq: seq, subject: subject, msgID: id, data: data, publishedAt: at, attempts: 0))
        }
        // Requests for messages retention already removed can never be served.
        try await self.client.query("""
            DELETE FROM eventbus.redeliveries r WHERE r.subscription = \(subscription)
              AND NOT EXISTS (SELECT 1 FROM eventbus.messages m WHERE m.seq = r.seq)
            """, logger: self.logger)
        return out
    }

    func finishRedelivery(subscription: String, seq: Int64) async throws {
        try await self.client.query(
            "DELETE FROM eventbus.redeliveries WHERE subscription = \(subscription) AND seq = \(seq)", logger: self.logger)
    }
}

extension LogStore {
    func cursor(subscription: String) async throws -> (acked: Int64, generation: Int64)? {
        let rows = try await self.client.query(
            "SELECT acked_seq, generation FROM eventbus.subscriptions WHERE name = \(subscription)", logger: self.logger)
        for try await row in rows.decode((Int64, Int64).self) { return row }
        return nil
    }
}
