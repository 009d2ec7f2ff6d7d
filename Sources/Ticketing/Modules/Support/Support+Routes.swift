import Foundation
import HNSCore
import HNSIdentity
import Hummingbird
import Logging

extension Support {
    func addRoutes(to groups: RouteGroups, idempotency: Idempotency) {
        groups.support.get("support/tickets/:ticketId") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.ticket(id: try Self.ticketID(context))))
        }
        // A retry with the same Idempotency-Key gets the first answer; without one, a repeated
        // transfer to the same person is refused (they hold the ticket by then).
        groups.support.post("support/tickets/:ticketId/transfer") { request, context -> Response in
            let id = try Self.ticketID(context)
            let bytes = try await request.body.collect(upTo: 1 << 16)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /support/tickets/\(id)/transfer", body: bytes
            ) { _ in
                let (person, email, reason) = try Self.validate(try Request.decodeJSON(as: TransferRequest.self, from: bytes))
                let view = try await self.transfer(
                    ticketID: id, to: person, deliverToEmail: email, reason: reason, agent: context.actor)
                return (.ok, try Orders.json(view))
            }
        }
    }

    func addRefundRoutes(to groups: RouteGroups, idempotency: Idempotency) {
        // Money goes back once: a retry with the same Idempotency-Key gets the first answer; without
        // one, a repeated refund of the same tickets is refused (they are void by then).
        groups.support.post("support/orders/:orderId/refunds") { request, context -> Response in
            let orderID = try Orders.orderID(context)
            let bytes = try await request.body.collect(upTo: 1 << 16)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /support/orders/\(orderID)/refunds", body: bytes
            ) { _ in
                let body = try Self.validate(try Request.decodeJSON(as: RefundRequest.self, from: bytes))
                let answer = try await self.refund(
                    orderID: orderID, tickets: body.tickets, reason: body.reason, fee: body.fee, release: body.release, agent: context.actor)
                return (.created, try Orders.json(answer))
            }
        }
        // `?state=failed` lists what support has to look at; `?order_id=` an order's refunds.
        groups.support.get("support/refunds") { request, _ -> Response in
            var state: RefundState?
            var order: UUID?
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                switch name {
                case "state":
                    state = RefundState(rawValue: String(value))
                    if state == nil {
                        errors.append(
                            .init(field: "state", message: "must be one of \(RefundState.allCases.map(\.rawValue).joined(separator: ", "))"))
                    }
                case "order_id":
                    order = UUID(uuidString: String(value))
                    if order == nil { errors.append(.init(field: "order_id", message: "must be a UUID")) }
                default: break
                }
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Idempotency.response(.ok, try Orders.json(RefundList(refunds: try await self.payments.refunds(state: state, orderID: order))))
        }
        groups.support.post("support/refunds/:refundId/retry") { _, context -> Response in
            guard let id = context.parameters.decoded("refundId").flatMap(UUID.init(uuidString:)) else {
                throw Payments.RefundRetryError.notFound
            }
            let refund = try await self.payments.retry(refundID: id, actor: context.actor)
            do {
                try await self.payments.sendRefunds(only: id)
            } catch {
                self.logger.warning("refund not sent yet", metadata: ["refund": "\(id)", "error": "\(error)"])
            }
            let now = try await self.payments.refund(id: id) ?? refund
            return Idempotency.response(.ok, try Orders.json(now))
        }
    }

    struct RefundList: Encodable, Sendable { let refunds: [Payments.Refund] }

    /// An admin cancels a match (MFA, as every admin route); the refunds are support's machinery.
    func addCancellationRoutes(to groups: RouteGroups) {
        groups.admin.post("admin/matches/:matchId/cancel") { request, context -> Response in
            let matchID = try context.parameters.id("matchId")
            let bytes = try await request.body.collect(upTo: 1 << 16)
            let (dryRun, reason) = try Self.validate(try Request.decodeJSON(as: CancelRequest.self, from: bytes))
            let answer = try await self.cancel(matchID: matchID, dryRun: dryRun, reason: reason, actor: context.actor)
            return Idempotency.response(dryRun ? .ok : .accepted, try Orders.json(answer))
        }
        groups.admin.get("admin/matches/:matchId/cancel") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.progress(matchID: try context.parameters.id("matchId"))))
        }
    }

    static func ticketID(_ context: some RequestContext) throws -> UUID {
        guard let id = context.parameters.decoded("ticketId").flatMap(UUID.init(uuidString:)) else { throw SupportError.ticketNotFound }
        return id
    }
}
