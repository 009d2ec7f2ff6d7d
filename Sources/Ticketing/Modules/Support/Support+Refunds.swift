import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

extension Support {
    struct RefundRequest: Decodable, Sendable {
        var ticketIds: [UUID]?
        var reason: String?
        var feeCents: Int?
        var releaseSeats: Bool?
        enum CodingKeys: String, CodingKey {
            case ticketIds = "ticket_ids"
            case reason
            case feeCents = "fee_cents"
            case releaseSeats = "release_seats"
        }
    }

    struct RefundAnswer: Encodable, Sendable {
        let refund: Payments.Refund
        let orderState: OrderState
        let voidedTicketIds: [UUID]
    }

    static func validate(_ body: RefundRequest) throws -> (tickets: [UUID]?, reason: String, fee: Int, release: Bool) {
        var errors: [Problem.FieldError] = []
        if let ids = body.ticketIds {
            if ids.isEmpty { errors.append(.init(field: "ticket_ids", message: "name at least one ticket, or leave it out for all")) }
            var seen: [UUID: Int] = [:]
            for (i, id) in ids.enumerated() {
                if let first = seen[id] { errors.append(.init(field: "ticket_ids[\(i)]", message: "repeats ticket_ids[\(first)]")) }
                seen[id] = seen[id] ?? i
            }
        }
        let reason = Self.reason(body.reason, &errors)
        let fee = body.feeCents ?? 0
        if fee < 0 { errors.append(.init(field: "fee_cents", message: "must be 0 or more")) }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (body.ticketIds, reason, fee, body.releaseSeats ?? true)
    }

    /// Refunds tickets of a paid order (all its valid ones when `tickets` is nil): in one transaction
    /// the tickets are void (their barcodes revoked), the order becomes partially refunded or refunded,
    /// the seats go back on sale (or stay blocked) and the refund is owed; then availability and the
    /// queue's seats-left follow and the refund is sent to Stripe (the sender retries it until Stripe
    /// accepts; Stripe's `refund.*` events move it on).
    func refund(orderID: UUID, tickets ids: [UUID]?, reason: String, fee: Int, release: Bool, agent: Actor) async throws -> RefundAnswer {
        let refundID = UUID.random()
        let done: (matchID: Int64, sectors: [String], state: OrderState, voided: [UUID]) = try await self.postgres.withRetryingTransaction(
            logger: self.logger
        ) { connection in
            let order = try await Orders.lockForRefund(connection, orderID: orderID, logger: self.logger)
            guard let paymentIntent = order.paymentIntent else { throw SupportError.nothingToRefund }
            let tickets = try await Tickets.lock(connection, orderID: orderID, logger: self.logger)
            var chosen: [Tickets.Held] = []
            if let ids {
                var errors: [Problem.FieldError] = []
                for (i, id) in ids.enumerated() {
                    guard let ticket = tickets.first(where: { $0.id == id }) else {
                        errors.append(.init(field: "ticket_ids[\(i)]", message: "is not a ticket of this order"))
                        continue
                    }
                    chosen.append(ticket)
                }
                if !errors.isEmpty { throw Problem.validation(errors) }
                if let spent = chosen.first(where: { !$0.transferable }) { throw SupportError.notRefundable(status: spent.status) }
            } else {
                chosen = tickets.filter(\.transferable)
            }
            guard !chosen.isEmpty else { throw SupportError.nothingToRefund }
            let total = order.unitPrice * chosen.count
            guard fee < total else {
                throw Problem.validation(field: "fee_cents", "must be less than the refunded tickets' price (\(total) cents)")
            }
            let chosenIDs = Set(chosen.map(\.id))
            let inFull = tickets.allSatisfy { $0.status == "void" || chosenIDs.contains($0.id) }
            var writes = PreparedWrites()
            Tickets.void(chosen, reason: "refunded", to: &writes)
            let state = try Orders.addRefund(of: order, tickets: chosen.map(\.id), inFull: inFull, reason: reason, actor: agent, to: &writes)
            Payments.addRefund(
                id: refundID, orderID: orderID, matchID: order.matchID, paymentIntent: paymentIntent, amount: total - fee, fee: fee, reason: reason,
                source: .support,
                tickets: chosen.map(\.id), actor: agent, to: &writes)
            Audit.add(
                Audit.Entry(
                    domain: .customerSupport, action: "order.refunded", actor: agent,
                    subjects: ["order:\(orderID.lowercased)", "refund:\(refundID.lowercased)", "match:\(order.matchID)"],
                    data: [
                        "reason": .string(reason), "ticket_ids": .array(chosen.map { .string($0.id.lowercased) }),
                        "amount_cents": .number(Double(total - fee)), "fee_cents": .number(Double(fee)), "seats_released": .bool(release),
                    ]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            let sectors = try await self.inventory.returnSold(
                connection, matchID: order.matchID, units: chosen.map(\.unitID), blockReason: release ? nil : "refunded: \(reason)",
                actor: agent)
            return (order.matchID, sectors, state, chosen.map(\.id))
        }
        await self.inventory.afterReturn(matchID: done.matchID, sectors: done.sectors)
        do {
            try await self.payments.sendRefunds(only: refundID)
        } catch {
            // Owed and recorded: the sender tries again every interval.
            self.logger.warning("refund not sent yet", metadata: ["refund": "\(refundID)", "error": "\(error)"])
        }
        guard let refund = try await self.payments.refund(id: refundID) else { throw SupportError.nothingToRefund }
        return RefundAnswer(refund: refund, orderState: done.state, voidedTicketIds: done.voided)
    }
}
