import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// Every statement that touches `eventbus.*`.
public struct LogStore: Sendable {
    public let client: PostgresClient
    /// For cursor and attempt bookkeeping: a session with `synchronous_commit=off`, because losing the
    /// last few of those writes in a crash only means redelivery (delivery is at least once), and a
    /// flushed commit per acknowledgement would cost a disk sync each.
    let bookkeeping: PostgresClient
    public let stream: String
    let logger: Logger

    public init(client: PostgresClient, bookkeeping: PostgresClient? = nil, stream: String, logger: Logger) {
        self.client = client
        self.bookkeeping = bookkeeping ?? client
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

    /// Commits a group of publishes in one statement (`eventbus.append`, one implicit transaction).
    /// The stream row lock inside it is the sequencer: numbers are assigned and committed in the same
    /// order on every instance, so a reader never sees seq N+1 before N.
    func append(_ items: [Item], duplicateWindow: Duration) async throws -> [Stored] {
        let subjects = items.map(\.subject)
        let ids = items.map { $0.msgID ?? "" }
        let datas = items.map(\.data)
        let rows = try await self.client.query(
            "SELECT out_seq, out_duplicate FROM eventbus.append(\(self.stream), \(subjects), \(ids), \(datas), \(duplicateWindow.seconds))",
            logger: self.logger)
        var out: [Stored] = []
        out.reserveCapacity(items.count)
        for try await (seq, duplicate) in rows.decode((Int64, Bool).self) { out.append(Stored(seq: seq, duplicate: duplicate)) }
        guard out.count == items.count else { throw AppendMismatch() }
        return out
    }

    struct AppendMismatch: Error {}

    public func lastSeq() async throws -> Int64 {
        let rows = try await self.client.query("SELECT last_seq FROM eventbus.streams WHERE name = \(self.stream)", logger: self.logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        return 0
    }

    struct Fetched: Sendable {
        var messages: [Message]
        /// How far the scan reached, so a narrow filter's cursor still moves past what it does not want.
        var scannedTo: Int64
        var generation: Int64
        var hasRedeliveries: Bool
    }

    /// One round trip per wake-up: the committed end of the stream, the subscription's generation and
    /// pending redeliveries, and the next messages after `cursor` matching `regex` — all from one
    /// snapshot, so every returned seq is ≤ the returned end.
    static let pageBytes = 8 << 20

    func fetch(subscription: String, after cursor: Int64, regex: String, limit: Int, maxMessageSize: Int) async throws -> Fetched? {
        let rows = try await self.client.query(
            """
            SELECT s.last_seq, sub.generation, sub.redeliver, m.seq, m.subject, m.msg_id, m.data, m.published_at, m.attempts
            FROM (SELECT last_seq FROM eventbus.streams WHERE name = \(self.stream)) s
            CROSS JOIN (
                SELECT generation, EXISTS (SELECT 1 FROM eventbus.redeliveries r WHERE r.subscription = \(subscription)) AS redeliver
                FROM eventbus.subscriptions WHERE name = \(subscription)
            ) sub
            LEFT JOIN LATERAL (
                -- At most `limit` messages and about 8 MiB (always at least one), so a backlog of large
                -- messages cannot exhaust memory.
                SELECT * FROM (
                    SELECT m.seq, m.subject, m.msg_id, m.data, m.published_at, coalesce(a.attempts, 0) AS attempts,
                           sum(octet_length(m.data)) OVER (ORDER BY m.seq) - octet_length(m.data) AS before
                    FROM eventbus.messages m
                    LEFT JOIN eventbus.attempts a ON a.subscription = \(subscription) AND a.seq = m.seq
                    WHERE m.seq > \(cursor) AND m.seq <= s.last_seq AND m.subject ~ \(regex)
                    ORDER BY m.seq
                    LIMIT \(limit)
                ) w WHERE w.before < \(Self.pageBytes)
            ) m ON true
            ORDER BY m.seq
            """, logger: self.logger)
        var fetched: Fetched?
        for try await row in rows.decode((Int64, Int64, Bool, Int64?, String?, String?, String?, Date?, Int?).self) {
            if fetched == nil { fetched = Fetched(messages: [], scannedTo: row.0, generation: row.1, hasRedeliveries: row.2) }
            if let seq = row.3, let subject = row.4, let id = row.5, let data = row.6, let at = row.7 {
                fetched!.messages.append(Message(seq: seq, subject: subject, msgID: id, data: data, publishedAt: at, attempts: row.8 ?? 0))
            }
        }
        if var f = fetched {
            // A page cut by count or bytes ends the scan at its last message; otherwise everything up to
            // the stream's end was seen. (Under the byte cap minus one largest message, nothing was cut.)
            let bytes = f.messages.reduce(0) { $0 + $1.data.utf8.count }
            if let last = f.messages.last, f.messages.count >= limit || bytes >= Self.pageBytes - maxMessageSize {
                f.scannedTo = last.seq
            }
            f.scannedTo = max(f.scannedTo, cursor)
            return f
        }
        return nil
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
                try await tx.query(
                    """
                    INSERT INTO eventbus.subscriptions (name, acked_seq) VALUES (\(sub.name), \(start))
                    ON CONFLICT (name) DO UPDATE SET removed_at = NULL
                    """, logger: self.logger)
            }
            let names = subscriptions.map(\.name)
            try await tx.query(
                """
                UPDATE eventbus.subscriptions SET removed_at = now(), lease_owner = NULL
                WHERE removed_at IS NULL AND NOT (name = ANY(\(names)))
                  -- in a rolling deploy an instance with an older config must not stop what a newer one delivers
                  AND (lease_owner IS NULL OR lease_until < now())
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
        let rows = try await self.client.query(
            """
            UPDATE eventbus.subscriptions s
            SET lease_owner = \(owner), lease_until = now() + make_interval(secs => u.ttl)
            FROM unnest(\(names)::text[], \(ttls)::float8[]) AS u(name, ttl)
            WHERE s.name = u.name AND s.removed_at IS NULL
              AND (s.lease_owner IS NULL OR s.lease_owner = \(owner) OR s.lease_until < now())
            RETURNING s.name, s.acked_seq, s.generation
            """, logger: self.logger)
        var out: [Lease] = []
        for try await (name, acked, gen) in rows.decode((String, Int64, Int64).self) {
            out.append(Lease(name: name, ackedSeq: acked, generation: gen))
        }
        return out
    }

    /// Extends the leases this instance holds; returns the names still held.
    func renewLeases(names: [String], ttls: [Double], owner: String) async throws -> Set<String> {
        let rows = try await self.client.query(
            """
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
        let rows = try await self.bookkeeping.query(
            """
            UPDATE eventbus.subscriptions SET acked_seq = greatest(acked_seq, \(seq))
            WHERE name = \(subscription) AND lease_owner = \(owner) AND generation = \(generation)
            RETURNING 1
            """, logger: self.logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    func recordFailure(subscription: String, seq: Int64, attempts: Int, error: String) async throws {
        try await self.bookkeeping.query(
            """
            WITH a AS (
                INSERT INTO eventbus.attempts (subscription, seq, attempts, last_error) VALUES (\(subscription), \(seq), \(attempts), \(error))
                ON CONFLICT (subscription, seq) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error
                RETURNING 1
            )
            UPDATE eventbus.subscriptions SET last_error = \(error), last_error_at = now() WHERE name = \(subscription)
            """, logger: self.logger)
    }

    func clearAttempts(subscription: String, seq: Int64) async throws {
        try await self.bookkeeping.query(
            "DELETE FROM eventbus.attempts WHERE subscription = \(subscription) AND seq = \(seq)", logger: self.logger)
    }

    func deadLetter(subscription: String, seq: Int64, attempts: Int, error: String) async throws {
        try await self.client.withTransaction(logger: self.logger) { tx in
            try await tx.query(
                """
                INSERT INTO eventbus.dead_letters (subscription, seq, attempts, last_error)
                VALUES (\(subscription), \(seq), \(attempts), \(error))
                ON CONFLICT (subscription, seq) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, dead_at = now()
                """, logger: self.logger)
            try await tx.query("DELETE FROM eventbus.attempts WHERE subscription = \(subscription) AND seq = \(seq)", logger: self.logger)
        }
    }

    func takeRedeliveries(subscription: String) async throws -> [Message] {
        let rows = try await self.client.query(
            """
            SELECT m.seq, m.subject, m.msg_id, m.data, m.published_at
            FROM eventbus.redeliveries r JOIN eventbus.messages m ON m.seq = r.seq
            WHERE r.subscription = \(subscription) ORDER BY r.seq LIMIT 100
            """, logger: self.logger)
        var out: [Message] = []
        for try await (seq, subject, id, data, at) in rows.decode((Int64, String, String, String, Date).self) {
            out.append(Message(seq: seq, subject: subject, msgID: id, data: data, publishedAt: at, attempts: 0))
        }
        // Requests for messages retention already removed can never be served.
        try await self.client.query(
            """
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
