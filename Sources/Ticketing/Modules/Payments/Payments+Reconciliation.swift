import Foundation
import HNSPostgres
import Logging
import PostgresNIO

extension Payments {
    /// What we recorded of a set of PaymentIntents: where each stands, and its refunds.
    struct Ledger: Sendable {
        struct Intent: Sendable {
            let status: IntentStatus
            let amount: Int
        }
        struct RefundLine: Sendable {
            let id: UUID
            let state: RefundState
            let amount: Int
            let fee: Int
            let failureReason: String?
            let createdAt: Date
            let source: RefundSource
        }
        var intents: [String: Intent] = [:]
        var refunds: [String: [RefundLine]] = [:]
    }

    static func ledger(_ connection: PostgresConnection, paymentIntents: [String], logger: Logger) async throws -> Ledger {
        var ledger = Ledger()
        let intents = try await connection.prepared(
            "SELECT id, status, amount_cents FROM payments.payment_intents WHERE id = ANY(\(paymentIntents))", logger: logger)
        for try await (id, status, amount) in intents.decode((String, String, Int).self) {
            ledger.intents[id] = .init(status: try IntentStatus.stored(status, column: "payments.payment_intents.status"), amount: amount)
        }
        let refunds = try await connection.prepared(
            """
            SELECT payment_intent_id, id, state, amount_cents, fee_cents, failure_reason, created_at, source FROM payments.refunds
            WHERE payment_intent_id = ANY(\(paymentIntents))
            """, logger: logger)
        for try await r in refunds.decode((String, UUID, String, Int, Int, String?, Date, String).self) {
            let state = try RefundState.stored(r.2, column: "payments.refunds.state")
            let source = RefundSource(rawValue: r.7) ?? .automatic
            ledger.refunds[r.0, default: []].append(
                .init(id: r.1, state: state, amount: r.3, fee: r.4, failureReason: r.5, createdAt: r.6, source: source))
        }
        return ledger
    }

    /// What Stripe says of a PaymentIntent: its status, what it received and the refunds it made or
    /// is making (pending and succeeded); each request paced as refunds are.
    /// Throttled or unavailable answers are asked again, four times, after growing pauses.
    func stripeView(paymentIntent: String) async throws -> (status: String, received: Int, refunded: Int)? {
        guard let stripe = self.stripe else { return nil }
        let intent = try await self.askStripe { () async throws(StripeClient.Failure) in try await stripe.paymentIntent(paymentIntent) }
        let refunds = try await self.askStripe { () async throws(StripeClient.Failure) in try await stripe.refunds(paymentIntent: paymentIntent) }
        let refunded = refunds.filter { $0.status == "succeeded" || $0.status == "pending" }.reduce(0) { $0 + $1.amount }
        return (intent.status, intent.amountReceived ?? 0, refunded)
    }

    private func askStripe<T: Sendable>(_ call: @Sendable () async throws(StripeClient.Failure) -> T) async throws -> T {
        var pause = Duration.milliseconds(250)
        for _ in 1..<5 {
            try await self.refundPacer?.wait()
            do throws(StripeClient.Failure) {
                return try await call()
            } catch {
                guard case .unavailable = error else { throw error }
            }
            try await Task.sleep(for: pause)
            pause *= 2
        }
        try await self.refundPacer?.wait()
        return try await call()
    }
}

extension Payments {
    struct RefundTotal: Sendable {
        let source: RefundSource
        let state: RefundState
        let count: Int
        let amount: Int
        let fees: Int
    }

    /// Refunds by source and state, of one match or all, made in a period (`from` ≤ time < `to`).
    static func refundTotals(_ connection: PostgresConnection, matchID: Int64?, from: Date?, to: Date?, logger: Logger) async throws
        -> [RefundTotal]
    {
        let rows = try await connection.query(
            """
            SELECT source, state, count(*)::int, coalesce(sum(amount_cents), 0)::bigint, coalesce(sum(fee_cents), 0)::bigint
            FROM payments.refunds
            WHERE (\(matchID)::bigint IS NULL OR match_id = \(matchID))
              AND (\(from)::timestamptz IS NULL OR created_at >= \(from)) AND (\(to)::timestamptz IS NULL OR created_at < \(to))
            GROUP BY source, state ORDER BY source, state
            """, logger: logger)
        var out: [RefundTotal] = []
        for try await (source, state, count, amount, fees) in rows.decode((String, String, Int, Int, Int).self) {
            out.append(
                RefundTotal(
                    source: RefundSource(rawValue: source) ?? .automatic, state: try RefundState.stored(state, column: "payments.refunds.state"),
                    count: count, amount: amount, fees: fees))
        }
        return out
    }
}

extension Payments {
    /// Refunds of payments that belong to no order (a payment we could not match), not yet
    /// succeeded: the reconciliation of all matches lists them.
    static func unsettledRefundsWithoutOrder(_ connection: PostgresConnection, logger: Logger) async throws -> [Ledger.RefundLine] {
        let rows = try await connection.prepared(
            """
            SELECT id, state, amount_cents, fee_cents, failure_reason, created_at, source FROM payments.refunds
            WHERE order_id IS NULL AND state IN ('created', 'pending', 'failed')
            """, logger: logger)
        var out: [Ledger.RefundLine] = []
        for try await r in rows.decode((UUID, String, Int, Int, String?, Date, String).self) {
            out.append(
                .init(
                    id: r.0, state: try RefundState.stored(r.1, column: "payments.refunds.state"), amount: r.2, fee: r.3, failureReason: r.4,
                    createdAt: r.5, source: RefundSource(rawValue: r.6) ?? .automatic))
        }
        return out
    }
}
