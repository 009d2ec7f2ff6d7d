import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import Metrics
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
        /// Also owed a document in accounting (a sale's invoice, a refund's credit note).
        var invoice = false
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
        let subjects = messages.map(\.subject)
        let ids = messages.map(\.msgID)
        let jobs = messages.map(\.job)
        let invoices = messages.map(\.invoice)
        let payloads = messages.map { String(decoding: $0.payload.encoded(), as: UTF8.self) }
        writes.add(
            """
            INSERT INTO outbox.messages (subject, msg_id, payload, job, invoice)
            SELECT m.subject, m.msg_id, m.payload::jsonb, m.job, m.invoice
            FROM unnest(\(subjects)::text[], \(ids)::text[], \(payloads)::text[], \(jobs)::boolean[], \(invoices)::boolean[])
                WITH ORDINALITY AS m(subject, msg_id, payload, job, invoice, n)
            ORDER BY m.n ON CONFLICT (msg_id) DO NOTHING
            """)
    }
}

/// Relays the outbox: publishes pending rows to the bus as one atomic batch (when a bus is
/// configured) and adds job rows to the Redis stream. Each target is relayed by one instance at a
/// time, the holder of its lease (`outbox.relays`, renewed with every batch it reads); the batch is
/// read without locking any message, so no row lock is held while the bus or Redis is called, and a
/// message is written once more only when it is marked. A crash before the mark re-sends once the
/// lease runs out, and the bus drops the duplicate by `Msg-Id`. While the bus is away the relay
/// backs off (exponentially, with jitter, at most `backoff.maximum`); a message it refuses for good
/// is parked (`parked_at`, `hns_outbox_parked_total`) so the ones behind it still go.
struct OutboxRelay: Service {
    let postgres: PostgresClient
    let redis: RedisClient
    let publisher: BusPublisher?
    let logger: Logger
    var idleInterval: Duration = .milliseconds(250)
    var backoff = Backoff(base: .milliseconds(250), maximum: .seconds(30))
    /// How long a target stays this instance's after its last batch was read; longer than the bus
    /// publisher's whole retry, so that no other instance sends the same batch meanwhile.
    var lease: Duration = .seconds(30)
    /// This relay's name on the leases.
    var owner = "relay-" + UUID().uuidString.lowercased()
    /// Takes messages owed a document in accounting (in id order) into the invoicing queue, in the
    /// transaction that marks them; nil: not relayed (invoicing not configured).
    var invoices: (@Sendable (PostgresConnection, [Leased]) async throws -> Void)?
    static let jobsStream = RedisKeys.shared.notificationJobs

    func run() async throws {
        // The bus and Redis fail apart: each has its own loop and backoff, so notification jobs keep
        // flowing while the bus is away, and the other way round.
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if self.publisher != nil {
                    group.addTask { await self.loop("bus") { try await self.publishBatch() } }
                }
                group.addTask { await self.loop("jobs") { try await self.queueJobs() } }
                if self.invoices != nil {
                    group.addTask { await self.loop("invoices") { try await self.queueInvoices() } }
                }
            }
        }
    }

    /// Runs `step` until cancelled: again at once while it moves rows, after `idleInterval` when it
    /// moved none, after a growing pause (with jitter) while it fails.
    private func loop(_ name: String, _ step: @Sendable () async throws -> Int) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let moved = try await step()
                failures = 0
                if moved == 0 { try await loopSleep(for: self.idleInterval) }
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                Counter(label: "hns_outbox_relay_failures_total", dimensions: [("target", name)]).increment()
                let delay = self.backoff.delay(attempt: failures)
                self.logger.warning("outbox relay failed; retrying", metadata: ["target": "\(name)", "error": "\(error)", "retry_in": "\(delay)"])
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
    }

    /// Whether the bus refused the message itself (a bad subject or body, too large), so sending it
    /// again can never succeed; a refused token or a rate limit is the bus's or our configuration's
    /// state, and waits like an outage.
    static func refusesMessage(status: Int) -> Bool {
        status == 400 || status == 413 || status == 422
    }

    struct Leased: Sendable {
        let id: Int64
        let subject: String
        let msgID: String
        let payload: String
        /// When the change it announces committed.
        let createdAt: Date
    }

    /// Takes `target`'s lease (free or run out), renews it once half of it has passed, and while this
    /// instance holds it, reads up to `limit` pending rows in id order (none when another instance
    /// holds it). One statement, no row locks, and no write at all in an idle round of a fresh lease.
    private func lease(_ target: String, where condition: String, limit: Int) async throws -> [Leased] {
        let (ttl, half) = (self.lease.seconds, self.lease.seconds / 2)
        let rows = try await self.postgres.query(
            """
            WITH taken AS (
                UPDATE outbox.relays SET owner = \(self.owner), leased_until = now() + make_interval(secs => \(ttl))
                WHERE target = \(target) AND (leased_until IS NULL OR leased_until < now()
                    OR (owner = \(self.owner) AND leased_until < now() + make_interval(secs => \(half))))
                RETURNING 1),
            held AS (
                SELECT FROM outbox.relays
                WHERE target = \(target) AND owner = \(self.owner) AND leased_until >= now() + make_interval(secs => \(half)))
            SELECT id, subject, msg_id, payload::text, created_at FROM outbox.messages
            WHERE (EXISTS (SELECT FROM taken) OR EXISTS (SELECT FROM held)) AND \(unescaped: condition)
            ORDER BY id LIMIT \(limit)
            """, logger: self.logger)
        var leased: [Leased] = []
        for try await (id, subject, msgID, payload, createdAt) in rows.decode((Int64, String, String, String, Date).self) {
            leased.append(Leased(id: id, subject: subject, msgID: msgID, payload: payload, createdAt: createdAt))
        }
        return leased.sorted { $0.id < $1.id }
    }

    /// One batch to the bus; returns how many rows were published or parked. Throws when the bus
    /// is unavailable (the batch's lease is given back and the caller backs off).
    func publishBatch(limit: Int = 500) async throws -> Int {
        guard let publisher = self.publisher else { return 0 }
        let batch = try await self.lease("bus", where: "published_at IS NULL AND parked_at IS NULL", limit: limit)
        guard !batch.isEmpty else { return 0 }
        let outcome: Result<Void, BusPublisher.Failure>
        do {
            _ = try await publisher.publishBatch(
                batch.map { .init(subject: $0.subject, msgID: $0.msgID, data: ByteBuffer(string: $0.payload)) },
                logger: self.logger)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success:
            try await self.markPublished(batch.map(\.id))
        case .failure(.rejected(let status, let detail)) where Self.refusesMessage(status: status):
            // The whole batch was refused for one or more of its messages: find them one by one.
            self.logger.warning(
                "outbox batch refused; publishing one by one", metadata: ["count": "\(batch.count)", "status": "\(status)", "detail": "\(detail)"])
            for (i, message) in batch.enumerated() {
                do {
                    _ = try await publisher.publish(
                        subject: message.subject, msgID: message.msgID, data: ByteBuffer(string: message.payload),
                        logger: self.logger)
                } catch .rejected(let status, let detail) where Self.refusesMessage(status: status) {
                    try await self.park(message, error: "refused by the bus (\(status)): \(detail)")
                    continue
                } catch {
                    // The bus went away meanwhile: the rest of the batch waits for the next round.
                    try await self.failed(batch[i...].map(\.id), error: String(describing: error))
                    throw error
                }
                try await self.markPublished([message.id])
            }
        case .failure(let error):
            try await self.failed(batch.map(\.id), error: String(describing: error))
            throw error
        }
        return batch.count
    }

    private func markPublished(_ ids: [Int64]) async throws {
        try await self.postgres.query(
            "UPDATE outbox.messages SET published_at = now() WHERE id = ANY(\(ids))", logger: self.logger)
    }

    private func park(_ message: Leased, error: String) async throws {
        Counter(label: "hns_outbox_parked_total", dimensions: [("subject", message.subject)]).increment()
        self.logger.error("outbox message parked", metadata: ["msg_id": "\(message.msgID)", "subject": "\(message.subject)", "error": "\(error)"])
        try await self.postgres.query(
            """
            UPDATE outbox.messages SET parked_at = now(), attempts = attempts + 1, last_error = \(error)
            WHERE id = \(message.id)
            """, logger: self.logger)
    }

    /// Counts a failed attempt on the rows of a batch, which stay pending for the next round.
    private func failed(_ ids: [Int64], error: String) async throws {
        try await self.postgres.query(
            "UPDATE outbox.messages SET attempts = attempts + 1, last_error = \(error) WHERE id = ANY(\(ids))", logger: self.logger)
    }

    /// Job rows onto `hns:jobs:notifications` (at least once; workers dedupe by `msg_id`).
    func queueJobs(limit: Int = 500) async throws -> Int {
        let batch = try await self.lease("jobs", where: "job AND job_queued_at IS NULL", limit: limit)
        guard !batch.isEmpty else { return 0 }
        let commands: [[RESPArg]] = batch.map { m in
            [
                "XADD", RESPArg(Self.jobsStream), "MAXLEN", "~", "1000000", "*",
                "type", RESPArg(m.subject), "msg_id", RESPArg(m.msgID), "data", RESPArg(m.payload),
            ]
        }
        do {
            _ = try await self.redis.pipeline(commands)
        } catch {
            try await self.failed(batch.map(\.id), error: String(describing: error))
            throw error
        }
        try await self.postgres.query(
            "UPDATE outbox.messages SET job_queued_at = now() WHERE id = ANY(\(batch.map(\.id)))", logger: self.logger)
        return batch.count
    }

    /// Messages owed a document into the invoicing queue, marked in the same transaction: each is
    /// queued once and in order, and a crash before the commit leaves them for the lease's next holder.
    func queueInvoices(limit: Int = 500) async throws -> Int {
        guard let invoices = self.invoices else { return 0 }
        let batch = try await self.lease("invoices", where: "invoice AND invoice_queued_at IS NULL", limit: limit)
        guard !batch.isEmpty else { return 0 }
        do {
            try await self.postgres.withConnection { connection in
                try await connection.transaction(logger: self.logger) { connection in
                    try await invoices(connection, batch)
                    try await connection.query(
                        "UPDATE outbox.messages SET invoice_queued_at = now() WHERE id = ANY(\(batch.map(\.id)))", logger: self.logger)
                }
            }
        } catch {
            try? await self.failed(batch.map(\.id), error: String(describing: error))
            throw error
        }
        return batch.count
    }
}

extension Outbox {
    /// The messages owed a document that are not in the invoicing queue yet (their `msg_id`s), for
    /// the reconciliation: a sale a moment old is on its way, not missing.
    static func invoicesNotQueued(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        let rows = try await connection.query(
            "SELECT msg_id FROM outbox.messages WHERE invoice AND invoice_queued_at IS NULL", logger: logger)
        var out: Set<String> = []
        for try await id in rows.decode(String.self) { out.insert(id) }
        return out
    }
}
