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

    /// Sends the refunds we owe to Stripe (all, or the one `only`); returns how many Stripe accepted.
    @discardableResult
    func sendRefunds(only: UUID? = nil, limit: Int = 100) async throws -> Int {
        guard let stripe = self.stripe else { return 0 }
        let rows = try await self.postgres.query(
            """
            SELECT id, order_id, payment_intent_id, amount_cents, reason, retries FROM payments.refunds
            WHERE state = 'created' AND attempts < 50 AND (\(only)::uuid IS NULL OR id = \(only)) ORDER BY created_at LIMIT \(limit)
            """, logger: self.logger)
        var owed: [(UUID, UUID?, String, Int, String, Int)] = []
        for try await row in rows.decode((UUID, UUID?, String, Int, String, Int).self) { owed.append(row) }
        var sent = 0
        for (id, order, pi, amount, reason, retries) in owed {
            // A retry of a failed refund is a new request to Stripe: the first key would replay the failure.
            let key = retries == 0 ? "refund-\(id.lowercased)" : "refund-\(id.lowercased)-\(retries)"
            let refund: StripeClient.Refund
            do {
                refund = try await stripe.refund(
                    paymentIntent: pi, amountCents: amount, reason: reason, refundID: id, orderID: order, idempotencyKey: key)
            } catch .rejected(let status, let code, let message) {
                // Stripe will not take it as it is (already refunded, the charge disputed…): failed, for
                // support to look at and retry; not sent again by itself.
                _ = try await self.postgres.withTransaction(logger: self.logger) { connection in
                    try await self.apply(
                        connection, refundID: id, stripeRefund: nil, status: "failed", failureReason: "\(status) \(code ?? ""): \(message)",
                        actor: .service("system:refunds"))
                }
                continue
            } catch {
                // Counted, not audited: the refund's state did not change.
                try await self.postgres.query(
                    """
                    UPDATE payments.refunds SET attempts = attempts + 1, last_error = \(error.description), updated_at = now()
                    WHERE id = \(id)
                    """, logger: self.logger)
                continue
            }
            _ = try await self.postgres.withTransaction(logger: self.logger) { connection in
                try await self.apply(
                    connection, refundID: id, stripeRefund: refund.id, status: refund.status, failureReason: refund.failureReason,
                    actor: .service("system:refunds"))
            }
            sent += 1
        }
        return sent
    }

    /// A refund's new status from Stripe (the answer to our request, or a `refund.*` event), with
    /// its audit entry and announcement when the state changes. Returns the new state, or nil when
    /// the refund is not ours or the status changes nothing.
    @discardableResult
    func apply(
        _ connection: PostgresConnection, refundID: UUID?, stripeRefund: String?, status: String, failureReason: String?, actor: Actor
    ) async throws -> RefundState? {
        let found: [Refund]
        if let refundID {
            found = try await Self.decodeRefunds(
                try await connection.prepared(
                    "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE id = \(refundID) FOR UPDATE", logger: self.logger))
        } else {
            found = try await Self.decodeRefunds(
                try await connection.prepared(
                    "SELECT \(unescaped: Self.refundColumns) FROM payments.refunds WHERE stripe_refund_id = \(stripeRefund) FOR UPDATE",
                    logger: self.logger))
        }
        guard let refund = found.first, let next = refund.state.after(stripeStatus: status) else { return nil }
        var writes = PreparedWrites()
        writes.add(
            """
            UPDATE payments.refunds SET state = \(next.rawValue), stripe_refund_id = coalesce(\(stripeRefund), stripe_refund_id),
                   failure_reason = \(next == .failed || next == .canceled ? failureReason : nil), attempts = attempts + 1, updated_at = now()
            WHERE id = \(refund.id)
            """)
        var subjects = ["refund:\(refund.id.lowercased)", "payment_intent:\(refund.paymentIntentId)"]
        if let order = refund.orderId { subjects.append("order:\(order.lowercased)") }
        var data: [String: JSONValue] = ["from": .string(refund.state.rawValue), "to": .string(next.rawValue)]
        if let stripeRefund { data["stripe_refund_id"] = .string(stripeRefund) }
        if let failureReason, next == .failed { data["failure_reason"] = .string(failureReason) }
        Audit.add(Audit.Entry(domain: .payment, action: "refund.\(next.rawValue)", actor: actor, subjects: subjects, data: data), to: &writes)
        if next == .succeeded || next == .failed {
            let subject = next == .succeeded ? "payment.refunded" : "payment.refund_failed"
            Outbox.add(
                [
                    .init(
                        subject: subject, msgID: "\(subject):\(refund.id.lowercased)",
                        payload: .object([
                            "refund_id": .string(refund.id.lowercased), "order_id": refund.orderId.map { .string($0.lowercased) } ?? .null,
                            "payment_intent_id": .string(refund.paymentIntentId), "stripe_refund_id": stripeRefund.map(JSONValue.string) ?? .null,
                            "amount_cents": .number(Double(refund.amountCents)), "reason": .string(refund.reason),
                            "failure_reason": failureReason.map(JSONValue.string) ?? .null,
                        ]), job: refund.source != .automatic)
                ], to: &writes)
        }
        try await writes.run(on: connection, logger: self.logger)
        return next
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
                UPDATE payments.refunds SET state = 'created', retries = retries + 1, attempts = 0, failure_reason = NULL, updated_at = now()
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
