import Foundation
import HNSCore
import HNSIdentity
import Hummingbird

extension Support {
    /// `kickoff` reads a match's kick-off (transfers close before it).
    func addRoutes(to groups: RouteGroups, idempotency: Idempotency, kickoff: @escaping @Sendable (Int64) async throws -> Date) {
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
                    ticketID: id, to: person, deliverToEmail: email, reason: reason, agent: context.actor, kickoff: kickoff)
                return (.ok, try Orders.json(view))
            }
        }
    }

    static func ticketID(_ context: some RequestContext) throws -> UUID {
        guard let id = context.parameters.decoded("ticketId").flatMap(UUID.init(uuidString:)) else { throw SupportError.ticketNotFound }
        return id
    }
}
