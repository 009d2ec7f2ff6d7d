import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// E8: where a refund stands. Created when we owe it, pending once Stripe accepted it, then what
/// Stripe's answer and its `refund.*` events say; a failed refund can be retried by support.
enum RefundState: String, Sendable, Codable, CaseIterable {
    case created, pending, succeeded, failed, canceled

    /// The state Stripe's refund status gives, from this one; nil: no change (an older or repeated
    /// status). A refund Stripe reported succeeded can still fail later (the card was closed).
    func after(stripeStatus: String) -> RefundState? {
        let next: RefundState
        switch stripeStatus {
        case "pending", "requires_action": next = .pending
        case "succeeded": next = .succeeded
        case "failed": next = .failed
        case "canceled": next = .canceled
        default: return nil
        }
        switch (self, next) {
        case (.created, _), (.pending, .succeeded), (.pending, .failed), (.pending, .canceled), (.succeeded, .failed): return next
        default: return nil
        }
    }
}

extension Payments {
    enum RefundSource: String, Sendable, Codable {
        case automatic, support
        case matchCancellation = "match_cancellation"
    }

    struct Refund: Codable, Sendable, Equatable {
        let id: UUID
        let orderId: UUID?
        let paymentIntentId: String
        let amountCents: Int
        let feeCents: Int
        let state: RefundState
        let source: RefundSource
        let reason: String
        let ticketIds: [UUID]
        let stripeRefundId: String?
        let failureReason: String?
        let requestedBy: String?
        let createdAt: Date
        let updatedAt: Date
    }

    static let refundColumns = """
        id, order_id, payment_intent_id, amount_cents, fee_cents, state, source, reason, ticket_ids, stripe_refund_id, failure_reason,
        requested_by, created_at, updated_at
        """

    static func decodeRefunds<Rows: AsyncSequence>(_ rows: Rows) async throws -> [Refund] where Rows.Element == PostgresRow {
        var out: [Refund] = []
        for try await row in rows {
            let r = try row.decode((UUID, UUID?, String, Int, Int, String, String, String, [UUID], String?, String?, String?, Date, Date).self)
            let state = try RefundState.stored(r.5, column: "payments.refunds.state")
            let source = try RefundSource.stored(r.6, column: "payments.refunds.source")
            out.append(
                Refund(
                    id: r.0, orderId: r.1, paymentIntentId: r.2, amountCents: r.3, feeCents: r.4, state: state, source: source, reason: r.7,
                    ticketIds: r.8, stripeRefundId: r.9, failureReason: r.10, requestedBy: r.11, createdAt: r.12, updatedAt: r.13))
        }
        return out
    }

    /// Owes the payment back (an automatic refund: once per PaymentIntent), in the caller's
    /// transaction; the sender pays it.
    func requestRefund(
        _ connection: PostgresConnection, orderID: UUID?, paymentIntent: String, amount: Int, reason: String, actor: Actor
    ) async throws {
        guard amount > 0 else { return }
        let refundID = UUID.random()
        var writes = PreparedWrites()
        let inserted = writes.add(
            """
            INSERT INTO payments.refunds (id, order_id, payment_intent_id, amount_cents, reason)
            VALUES (\(refundID), \(orderID), \(paymentIntent), \(amount), \(reason))
            ON CONFLICT (payment_intent_id) WHERE source = 'automatic' DO NOTHING RETURNING id
            """)
        let rows = try await writes.run(on: connection, select: "SELECT count(*)::int FROM \(inserted)", logger: self.logger)
        guard try rows.first?.decode(Int.self) == 1 else { return }
        var announce = PreparedWrites()
        Self.addRefundRequested(
            id: refundID, orderID: orderID, paymentIntent: paymentIntent, amount: amount, reason: reason, source: .automatic, actor: actor,
            to: &announce)
        try await announce.run(on: connection, logger: self.logger)
    }

    /// A refund of tickets support asked for, as parts of the caller's closing statement; the sender
    /// pays it (after the commit, and again until Stripe accepts it).
    static func addRefund(
        id: UUID, orderID: UUID, matchID: Int64, paymentIntent: String, amount: Int, fee: Int, reason: String, source: RefundSource,
        tickets: [UUID], actor: Actor, to writes: inout PreparedWrites
    ) {
        writes.add(
            """
            INSERT INTO payments.refunds (id, order_id, match_id, payment_intent_id, amount_cents, fee_cents, reason, source, ticket_ids,
                                          requested_by)
            VALUES (\(id), \(orderID), \(matchID), \(paymentIntent), \(amount), \(fee), \(reason), \(source.rawValue), \(tickets),
                    \(actor.id))
            """)
        Self.addRefundRequested(
            id: id, orderID: orderID, paymentIntent: paymentIntent, amount: amount, reason: reason, source: source, actor: actor, to: &writes)
    }

    private static func addRefundRequested(
        id: UUID, orderID: UUID?, paymentIntent: String, amount: Int, reason: String, source: RefundSource, actor: Actor,
        to writes: inout PreparedWrites
    ) {
        var subjects = ["refund:\(id.lowercased)", "payment_intent:\(paymentIntent)"]
        if let orderID { subjects.append("order:\(orderID.lowercased)") }
        Audit.add(
            Audit.Entry(
                domain: .payment, action: "refund.requested", actor: actor, subjects: subjects,
                data: ["amount_cents": .number(Double(amount)), "reason": .string(reason), "source": .string(source.rawValue)]),
            to: &writes)
        // A match cancellation's refund is announced by its order's `order.refunded`, written beside it:
        // thousands of them at once need no second event each.
        guard source != .matchCancellation else { return }
        Outbox.add(
            [
                .init(
                    subject: "payment.refund_requested", msgID: "payment.refund_requested:\(id.lowercased)",
                    payload: .object([
                        "refund_id": .string(id.lowercased), "order_id": orderID.map { .string($0.lowercased) } ?? .null,
                        "payment_intent_id": .string(paymentIntent), "amount_cents": .number(Double(amount)), "reason": .string(reason),
                        "source": .string(source.rawValue),
                    ]), job: source != .automatic)
            ], to: &writes)
    }

    /// One refund being sent, as claimed.
    private struct Owed: Sendable {
        let id: UUID
        let orderID: UUID?
        let paymentIntent: String
        let amount: Int
        let reason: String
        let retries: Int
        let attempts: Int
    }

    /// How a request to Stripe ended.
    private enum Sent: Sendable {
        case accepted(StripeClient.Refund)
        case rejected(String)
        case unavailable(String)
    }

    /// Sends refunds we owe to Stripe (up to `limit`, or the one `only`): claimed for this sender
    /// (other instances skip them), sent `concurrency` (`refundConcurrency`) at a time, each after its slot of the
    /// shared request rate, and their answers recorded in one transaction. Returns how many were
    /// claimed (0: nothing is owed that is due). A crash between Stripe's answer and the record
    /// leaves the refund claimed until its claim lapses; it is then sent again with the same
    /// idempotency key and Stripe answers the refund it already made.
    @discardableResult
    func sendRefunds(only: UUID? = nil, limit: Int = 200, concurrency: Int? = nil) async throws -> Int {
        guard let stripe = self.stripe else { return 0 }
        let rows = try await self.postgres.query(
            """
            UPDATE payments.refunds SET send_after = now() + make_interval(secs => \(self.refundClaim.seconds))
            WHERE id IN (
                SELECT id FROM payments.refunds
                WHERE state = 'created' AND attempts < \(Self.maxRefundAttempts) AND send_after <= now() AND (\(only)::uuid IS NULL OR id = \(only))
                ORDER BY created_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING id, order_id, payment_intent_id, amount_cents, reason, retries, attempts
            """, logger: self.logger)
        var owed: [Owed] = []
        for try await r in rows.decode((UUID, UUID?, String, Int, String, Int, Int).self) {
            owed.append(Owed(id: r.0, orderID: r.1, paymentIntent: r.2, amount: r.3, reason: r.4, retries: r.5, attempts: r.6))
        }
        guard !owed.isEmpty else { return 0 }
        // One lock order for every round: two rounds recording at once never wait on each other in a circle.
        owed.sort { $0.id.uuidString < $1.id.uuidString }
        let pacer = self.refundPacer
        let outcomes = try await owed.concurrentMap(limit: concurrency ?? self.refundConcurrency) { refund -> Sent in
            try await pacer?.wait()
            // A retry of a failed refund is a new request to Stripe: the first key would replay the failure.
            let key = refund.retries == 0 ? "refund-\(refund.id.lowercased)" : "refund-\(refund.id.lowercased)-\(refund.retries)"
            do throws(StripeClient.Failure) {
                return .accepted(
                    try await stripe.refund(
                        paymentIntent: refund.paymentIntent, amountCents: refund.amount, reason: refund.reason, refundID: refund.id,
                        orderID: refund.orderID, idempotencyKey: key))
            } catch {
                switch error {
                case .rejected(let status, let code, let message): return .rejected("\(status) \(code ?? ""): \(message)")
                case .unavailable(let why):
                    // Stripe says we are too fast: every instance holds back for a second.
                    if why == StripeClient.Failure.throttled { await pacer?.pause(.seconds(1)) }
                    return .unavailable(error.description)
                }
            }
        }
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let actor = Actor.service("system:refunds")
            var later: (ids: [UUID], errors: [String], pauses: [Double]) = ([], [], [])
            var changes: [StatusChange] = []
            for (refund, sent) in zip(owed, outcomes) {
                switch sent {
                case .accepted(let answer):
                    changes.append(
                        StatusChange(refundID: refund.id, stripeRefund: answer.id, status: answer.status, failureReason: answer.failureReason))
                case .rejected(let why):
                    // Stripe will not take it as it is (already refunded, the charge disputed…): failed, for
                    // support to look at and retry; not sent again by itself.
                    changes.append(StatusChange(refundID: refund.id, stripeRefund: nil, status: "failed", failureReason: why, onlyIf: .created))
                case .unavailable(let why) where refund.attempts + 1 >= Self.maxRefundAttempts:
                    // Given up on: failed, for support to see and retry, rather than owed in silence.
                    changes.append(
                        StatusChange(
                            refundID: refund.id, stripeRefund: nil, status: "failed",
                            failureReason: "not sent: Stripe unavailable after \(Self.maxRefundAttempts) attempts (\(why))", onlyIf: .created))
                case .unavailable(let why):
                    later.ids.append(refund.id)
                    later.errors.append(why)
                    // After a pause that grows with the attempts, up to five minutes.
                    later.pauses.append(min(300, pow(2, Double(min(refund.attempts, 9)))))
                }
            }
            try await self.apply(connection, changes, actor: actor)
            // Counted, not audited: the refund's state did not change.
            if !later.ids.isEmpty {
                try await connection.prepared(
                    """
                    UPDATE payments.refunds r SET attempts = attempts + 1, last_error = x.error,
                           send_after = now() + make_interval(secs => x.pause), updated_at = now()
                    FROM unnest(\(later.ids)::uuid[], \(later.errors)::text[], \(later.pauses)::float8[]) AS x(id, error, pause)
                    WHERE r.id = x.id AND r.state = 'created'
                    """, logger: self.logger)
            }
        }
        return owed.count
    }

    /// A refund's new status from Stripe (the answer to our request, or a `refund.*` event), with
    /// its audit entry and announcement when the state changes. Returns the new state, or nil when
    /// the refund is not ours or the status changes nothing.
    /// Attempts at sending a refund while Stripe is unavailable (about 3.6 hours with the pauses)
    /// before it is marked failed.
    static let maxRefundAttempts = 50

    /// One refund's new status from Stripe, for `apply`.
    struct StatusChange: Sendable {
        /// Ours, or nil to find the refund by Stripe's id.
        let refundID: UUID?
        let stripeRefund: String?
        let status: String
        let failureReason: String?
        /// Change the refund only while it is in that state (our own verdict on a request must
        /// not overwrite what Stripe's events said meanwhile).
        var onlyIf: RefundState? = nil
    }

    /// `onlyIf`: change the refund only while it is in that state (our own verdict on a request must
    /// not overwrite what Stripe's events said meanwhile).
    @discardableResult
    func apply(
        _ connection: PostgresConnection, refundID: UUID?, stripeRefund: String?, status: String, failureReason: String?, actor: Actor,
        onlyIf: RefundState? = nil
    ) async throws -> RefundState? {
        let change = StatusChange(refundID: refundID, stripeRefund: stripeRefund, status: status, failureReason: failureReason, onlyIf: onlyIf)
        return try await self.apply(connection, [change], actor: actor).first ?? nil
    }

    /// Refunds' new statuses, as one statement for all of them (a cancellation records hundreds of
    /// Stripe's answers at once): each with its audit entry, and its announcement when it succeeded
    /// or failed. Returns each refund's new state, or nil where the refund is not ours or the status
    /// changes nothing. The refunds are locked in id order.
    func apply(_ connection: PostgresConnection, _ changes: [StatusChange], actor: Actor) async throws -> [RefundState?] {
        let ids = changes.compactMap(\.refundID)
        let stripeIDs = changes.filter { $0.refundID == nil }.compactMap(\.stripeRefund)
        let found = try await Self.decodeRefunds(
            try await connection.prepared(
                """
                SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = ANY(\(ids)) OR stripe_refund_id = ANY(\(stripeIDs))
                ORDER BY id FOR UPDATE
                """, logger: self.logger))
        var byID = Dictionary(found.map { ($0.id, $0) }) { first, _ in first }
        let byStripe = Dictionary(found.compactMap { r in r.stripeRefundId.map { ($0, r.id) } }) { first, _ in first }
        var update: (ids: [UUID], states: [String], stripe: [String], failures: [String]) = ([], [], [], [])
        var entries: [Audit.Entry] = []
        var messages: [Outbox.Message] = []
        var results: [RefundState?] = []
        for change in changes {
            guard let id = change.refundID ?? change.stripeRefund.flatMap({ byStripe[$0] }), let refund = byID[id],
                change.onlyIf == nil || refund.state == change.onlyIf, let next = refund.state.after(stripeStatus: change.status)
            else {
                results.append(nil)
                continue
            }
            results.append(next)
            let failure = next == .failed || next == .canceled ? change.failureReason : nil
            update.ids.append(refund.id)
            update.states.append(next.rawValue)
            update.stripe.append(change.stripeRefund ?? "")
            update.failures.append(failure ?? "")
            var subjects = ["refund:\(refund.id.lowercased)", "payment_intent:\(refund.paymentIntentId)"]
            if let order = refund.orderId { subjects.append("order:\(order.lowercased)") }
            var data: [String: JSONValue] = ["from": .string(refund.state.rawValue), "to": .string(next.rawValue)]
            if let stripeRefund = change.stripeRefund { data["stripe_refund_id"] = .string(stripeRefund) }
            if let failureReason = change.failureReason, next == .failed { data["failure_reason"] = .string(failureReason) }
            entries.append(Audit.Entry(domain: .payment, action: "refund.\(next.rawValue)", actor: actor, subjects: subjects, data: data))
            if next == .succeeded || next == .failed {
                let subject = next == .succeeded ? "payment.refunded" : "payment.refund_failed"
                messages.append(
                    .init(
                        subject: subject, msgID: "\(subject):\(refund.id.lowercased)",
                        payload: .object([
                            "refund_id": .string(refund.id.lowercased), "order_id": refund.orderId.map { .string($0.lowercased) } ?? .null,
                            "payment_intent_id": .string(refund.paymentIntentId),
                            "stripe_refund_id": change.stripeRefund.map(JSONValue.string) ?? .null,
                            "amount_cents": .number(Double(refund.amountCents)), "reason": .string(refund.reason),
                            "failure_reason": change.failureReason.map(JSONValue.string) ?? .null, "source": .string(refund.source.rawValue),
                        ]), job: refund.source != .automatic,
                        // A refund of tickets sold reverses their invoice; an automatic one returns a payment we never kept.
                        invoice: next == .succeeded && refund.source != .automatic && refund.orderId != nil))
            }
            // A later change of the same refund in this batch starts from this one.
            byID[refund.id] = refund.with(state: next)
        }
        guard !update.ids.isEmpty else { return results }
        var writes = PreparedWrites()
        writes.add(
            """
            UPDATE payments.refunds r SET state = x.state, stripe_refund_id = coalesce(nullif(x.stripe, ''), r.stripe_refund_id),
                   failure_reason = nullif(x.failure, ''), attempts = r.attempts + 1, updated_at = now()
            FROM (SELECT DISTINCT ON (id) id, state, stripe, failure
                  FROM unnest(\(update.ids)::uuid[], \(update.states)::text[], \(update.stripe)::text[], \(update.failures)::text[])
                      WITH ORDINALITY AS u(id, state, stripe, failure, n)
                  ORDER BY id, n DESC) AS x
            WHERE r.id = x.id
            """)
        Audit.add(entries, to: &writes)
        Outbox.add(messages, to: &writes)
        try await writes.run(on: connection, logger: self.logger)
        return results
    }

    /// What support already refunded of each order (refunds in any state but canceled: a failed one
    /// is still support's to retry).
    static func refundedByOrder(_ connection: PostgresConnection, orderIDs: [UUID], logger: Logger) async throws -> [UUID: Int] {
        let rows = try await connection.prepared(
            """
            SELECT order_id, sum(amount_cents + fee_cents)::bigint FROM payments.refunds
            WHERE order_id = ANY(\(orderIDs)) AND source = 'support' AND state <> 'canceled' GROUP BY order_id
            """, logger: logger)
        var out: [UUID: Int] = [:]
        for try await (order, cents) in rows.decode((UUID, Int).self) { out[order] = cents }
        return out
    }

    /// The same for a whole match.
    static func refundedBySupport(_ connection: PostgresConnection, matchID: Int64, logger: Logger) async throws -> Int {
        let rows = try await connection.prepared(
            """
            SELECT coalesce(sum(amount_cents + fee_cents), 0)::bigint FROM payments.refunds
            WHERE match_id = \(matchID) AND source = 'support' AND state <> 'canceled'
            """, logger: logger)
        for try await cents in rows.decode(Int.self) { return cents }
        return 0
    }

    /// How many of a match's refunds of `source` are in each state.
    func refundStates(matchID: Int64, source: RefundSource) async throws -> [String: Int] {
        let rows = try await self.postgres.query(
            """
            SELECT state, count(*)::int FROM payments.refunds WHERE match_id = \(matchID) AND source = \(source.rawValue) GROUP BY state
            """, logger: self.logger)
        var out: [String: Int] = [:]
        for try await (state, n) in rows.decode((String, Int).self) { out[state] = n }
        return out
    }

    func refund(id: UUID) async throws -> Refund? {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = \(id)", logger: self.logger)
        return try await Self.decodeRefunds(rows).first
    }

    /// Refunds by id on the caller's connection (accounting's credit notes are made from them).
    static func refunds(_ connection: PostgresConnection, ids: [UUID], logger: Logger) async throws -> [UUID: Refund] {
        let rows = try await connection.prepared(
            "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = ANY(\(ids))", logger: logger)
        return Dictionary(uniqueKeysWithValues: try await Self.decodeRefunds(rows).map { ($0.id, $0) })
    }

    func refunds(state: RefundState?, orderID: UUID? = nil, limit: Int = 500) async throws -> [Refund] {
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Self.refundColumns) FROM payments.refunds
            WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)) AND (\(orderID)::uuid IS NULL OR order_id = \(orderID))
            ORDER BY created_at DESC LIMIT \(limit)
            """, logger: self.logger)
        return try await Self.decodeRefunds(rows)
    }

    enum RefundRetryError: Error {
        case notFound
        case notFailed(RefundState)
    }

    /// Support sends a failed refund again (a new request to Stripe).
    func retry(refundID: UUID, actor: Actor) async throws -> Refund {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = \(refundID) FOR UPDATE", logger: self.logger)
            guard let refund = try await Self.decodeRefunds(rows).first else { throw RefundRetryError.notFound }
            guard refund.state == .failed else { throw RefundRetryError.notFailed(refund.state) }
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE payments.refunds SET state = 'created', retries = retries + 1, attempts = 0, failure_reason = NULL, send_after = '-infinity',
                       updated_at = now()
                WHERE id = \(refundID)
                """)
            Audit.add(
                Audit.Entry(
                    domain: .customerSupport, action: "refund.retried", actor: actor,
                    subjects: ["refund:\(refundID.lowercased)", "payment_intent:\(refund.paymentIntentId)"],
                    data: ["failure_reason": refund.failureReason.map(JSONValue.string) ?? .null]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            let reread = try await connection.prepared(
                "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = \(refundID)", logger: self.logger)
            return try await Self.decodeRefunds(reread).first!
        }
    }
}

extension Payments.Refund {
    /// The same refund in another state (a batch of changes applies each to the one before).
    func with(state: RefundState) -> Self {
        Self(
            id: self.id, orderId: self.orderId, paymentIntentId: self.paymentIntentId, amountCents: self.amountCents, feeCents: self.feeCents,
            state: state, source: self.source, reason: self.reason, ticketIds: self.ticketIds, stripeRefundId: self.stripeRefundId,
            failureReason: self.failureReason, requestedBy: self.requestedBy, createdAt: self.createdAt, updatedAt: self.updatedAt)
    }
}
