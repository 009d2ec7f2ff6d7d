import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Support {
    struct CancelRequest: Decodable, Sendable {
        var dryRun: Bool?
        var reason: String?
        enum CodingKeys: String, CodingKey {
            case dryRun = "dry_run"
            case reason
        }
    }

    /// What a cancellation would do (a dry run), or where it stands.
    struct Cancellation: EncodesNilAsNull, Sendable {
        let matchId: Int64
        let dryRun: Bool
        /// running or done; nil for a dry run.
        let state: String?
        let reason: String?
        let ticketsVoided: Int
        /// Paid orders refunded so far, and still to refund.
        let ordersRefunded: Int
        let ordersToRefund: Int
        let openOrders: Int
        let amountToRefundCents: Int
        /// Refunds by method: every payment we take is a card payment through Stripe.
        let refundsByMethod: [String: Int]
        /// The cancellation's refund objects by state (created, pending, succeeded, failed, canceled).
        let refunds: [String: Int]
        let startedAt: Date?
        let finishedAt: Date?

    }

    enum CancellationError: Error {
        case notCancelled(Int64)
    }

    static func validate(_ body: CancelRequest) throws -> (dryRun: Bool, reason: String) {
        var errors: [Problem.FieldError] = []
        let reason = Self.reason(body.reason, &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (body.dryRun ?? false, reason)
    }

    /// Cancels a match: in one transaction the match becomes cancelled and every valid ticket void;
    /// then its active holds are released (their orders end) and the answer is the progress; the
    /// refunds follow in batches (`runCancellations`, every `HNS_CANCELLATION_INTERVAL` on every instance). A dry run answers what would happen and changes nothing. Cancelling a
    /// match whose cancellation exists answers its progress.
    func cancel(matchID: Int64, dryRun: Bool, reason: String, actor: Actor) async throws -> Cancellation {
        if dryRun {
            return try await self.postgres.withConnection { connection in
                let summary = try await Orders.refundSummary(connection, matchID: matchID, logger: self.logger)
                let refunded = try await Payments.refundedBySupport(connection, matchID: matchID, logger: self.logger)
                let valid = try await Tickets.validCount(connection, matchID: matchID, logger: self.logger)
                _ = try await self.matches.match(id: matchID)
                return Cancellation(
                    matchId: matchID, dryRun: true, state: nil, reason: reason, ticketsVoided: valid, ordersRefunded: 0,
                    ordersToRefund: summary.paid, openOrders: summary.open, amountToRefundCents: summary.amount - refunded,
                    refundsByMethod: ["card": summary.paid], refunds: [:], startedAt: nil, finishedAt: nil)
            }
        }
        if try await self.cancellationExists(matchID: matchID) { return try await self.progress(matchID: matchID) }
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            _ = try await self.matches.cancel(on: connection, id: matchID, actor: actor, reason: reason)
            let voided = try await Tickets.voidMatch(connection, matchID: matchID, reason: "match_cancelled", logger: self.logger)
            var writes = PreparedWrites()
            writes.add(
                """
                INSERT INTO support.match_cancellations (match_id, reason, requested_by, tickets_voided)
                VALUES (\(matchID), \(reason), \(actor.id), \(voided))
                """)
            Audit.add(
                Audit.Entry(
                    domain: .customerSupport, action: "match.cancellation_started", actor: actor, subjects: ["match:\(matchID)"],
                    data: ["reason": .string(reason), "tickets_voided": .number(Double(voided))]), to: &writes)
            Outbox.add(
                [
                    .init(
                        subject: "match.cancelled", msgID: "match.cancelled:\(matchID)",
                        payload: .object(["match_id": .number(Double(matchID)), "reason": .string(reason), "tickets_voided": .number(Double(voided))]
                        ),
                        job: true)
                ], to: &writes)
            try await writes.run(on: connection, logger: self.logger)
        }
        self.matches.forget(matchID: matchID)
        // Holds still active end now, and their orders with them (a payment under way settles later:
        // if it succeeds, the cancellation's next batch refunds it).
        for hold in try await self.inventory.activeHolds(matchID: matchID) {
            _ = try? await self.inventory.release(holdID: hold, buyer: nil, reason: .released, actor: actor, unlessPaying: true)
        }
        return try await self.progress(matchID: matchID)
    }

    /// Matches (one, or all) whose cancellation is still refunding: their paid orders are owed a
    /// refund that a batch has not reached yet (the reconciliation reports them as pending).
    static func cancelling(_ connection: PostgresConnection, matchID: Int64?, logger: Logger) async throws -> Set<Int64> {
        let rows = try await connection.prepared(
            """
            SELECT match_id FROM support.match_cancellations
            WHERE state = 'running' AND (\(matchID)::bigint IS NULL OR match_id = \(matchID))
            """, logger: logger)
        var out: Set<Int64> = []
        for try await id in rows.decode(Int64.self) { out.insert(id) }
        return out
    }

    private func cancellationExists(matchID: Int64) async throws -> Bool {
        let rows = try await self.postgres.query(
            "SELECT count(*)::int FROM support.match_cancellations WHERE match_id = \(matchID)", logger: self.logger)
        for try await n in rows.decode(Int.self) { return n > 0 }
        return false
    }

    func progress(matchID: Int64) async throws -> Cancellation {
        let row: (String, String, Int, Int, Date, Date?)? = try await self.postgres.withConnection { connection in
            let rows = try await connection.prepared(
                """
                SELECT state, reason, tickets_voided, orders_refunded, started_at, finished_at FROM support.match_cancellations
                WHERE match_id = \(matchID)
                """, logger: self.logger)
            for try await r in rows.decode((String, String, Int, Int, Date, Date?).self) { return r }
            return nil
        }
        guard let (state, reason, voided, refunded, started, finished) = row else { throw CancellationError.notCancelled(matchID) }
        let (summary, owed) = try await self.postgres.withConnection { connection in
            let summary = try await Orders.refundSummary(connection, matchID: matchID, logger: self.logger)
            return (summary, summary.amount - (try await Payments.refundedBySupport(connection, matchID: matchID, logger: self.logger)))
        }
        return Cancellation(
            matchId: matchID, dryRun: false, state: state, reason: reason, ticketsVoided: voided, ordersRefunded: refunded,
            ordersToRefund: summary.paid, openOrders: summary.open, amountToRefundCents: owed, refundsByMethod: ["card": refunded + summary.paid],
            refunds: try await self.payments.refundStates(matchID: matchID, source: .matchCancellation), startedAt: started, finishedAt: finished)
    }

    /// One round of every running cancellation: batches of paid orders refunded (each order in the
    /// transaction that marks it refunded, with its refund object and its `order.refunded` event)
    /// until none is left and no order is open; then the cancellation is done. The refund sender
    /// (every instance's) sends the refund objects to Stripe meanwhile, at Stripe's pace. Any instance may
    /// run it at any time: batches skip orders another instance holds. Returns the orders refunded.
    @discardableResult
    func runCancellations(batch: Int = 100) async throws -> Int {
        let rows = try await self.postgres.query(
            "SELECT match_id, reason FROM support.match_cancellations WHERE state = 'running'", logger: self.logger)
        var running: [(Int64, String)] = []
        for try await r in rows.decode((Int64, String).self) { running.append(r) }
        var total = 0
        for (matchID, reason) in running {
            while true {
                let refunded = try await self.refundBatch(matchID: matchID, reason: reason, limit: batch)
                total += refunded
                if refunded == 0 { break }
            }
            try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
                let left = try await Orders.refundSummary(connection, matchID: matchID, logger: self.logger)
                guard left.paid == 0, left.open == 0 else { return }
                var writes = PreparedWrites()
                let finished = writes.add(
                    """
                    UPDATE support.match_cancellations SET state = 'done', finished_at = now()
                    WHERE match_id = \(matchID) AND state = 'running' RETURNING orders_refunded
                    """)
                Audit.add(
                    Audit.Entry(
                        domain: .customerSupport, action: "match.cancellation_done", actor: .service("system:cancellations"),
                        subjects: ["match:\(matchID)"]), to: &writes)
                _ = try await writes.run(on: connection, select: "SELECT count(*) FROM \(finished)", logger: self.logger)
            }
        }
        return total
    }

    private func refundBatch(matchID: Int64, reason: String, limit: Int) async throws -> Int {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let orders = try await Orders.lockRefundable(connection, matchID: matchID, limit: limit, logger: self.logger)
            guard !orders.isEmpty else { return 0 }
            let ids = orders.map(\.id)
            let refunded = try await Payments.refundedByOrder(connection, orderIDs: ids, logger: self.logger)
            let tickets = try await Tickets.ids(connection, orderIDs: ids, logger: self.logger)
            let actor = Actor.service("system:cancellations")
            var writes = PreparedWrites()
            var count = 0
            for order in orders {
                try Orders.addRefundInFull(of: order, reason: reason, actor: actor, to: &writes)
                let owed = order.amount - (refunded[order.id] ?? 0)
                if owed > 0, let paymentIntent = order.paymentIntent {
                    Payments.addRefund(
                        id: UUID.random(), orderID: order.id, matchID: matchID, paymentIntent: paymentIntent, amount: owed, fee: 0,
                        reason: "match cancelled: \(reason)", source: .matchCancellation, tickets: tickets[order.id] ?? [], actor: actor,
                        to: &writes)
                }
                count += 1
            }
            writes.add(
                "UPDATE support.match_cancellations SET orders_refunded = orders_refunded + \(count) WHERE match_id = \(matchID)")
            try await writes.run(on: connection, logger: self.logger)
            return count
        }
    }
}
