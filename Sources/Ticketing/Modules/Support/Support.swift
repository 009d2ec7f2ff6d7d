import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// E10 Customer Support: what an agent (role `support`, through the admin portal) does for fans:
/// transfers (here) and refunds (`Support+Refunds`).
/// A transfer gives a ticket to another holder: checked as a purchase checks its attendees (identity,
/// blacklist, one ticket per person per match), with a new barcode, in one transaction with the
/// ticket's and the order's change, its history row, audit entry and announcements.
struct Support: Sendable {
    let postgres: PostgresClient
    let blacklist: Blacklist
    let inventory: Inventory
    let payments: Payments
    let matches: Matches
    /// Transfers close this long before kick-off.
    let transferFreeze: Duration
    let clock: WallClock
    let logger: Logger

    struct TransferRequest: Decodable, Sendable {
        var holder: PersonIdentity?
        var deliverToEmail: String?
        var reason: String?
        enum CodingKeys: String, CodingKey {
            case holder
            case deliverToEmail = "deliver_to_email"
            case reason
        }
    }

    struct Transfer: Codable, Sendable, Equatable {
        let id: UUID
        let at: Date
        let fromHolderName: String
        let toHolderName: String
        let toEmail: String?
        let reason: String
        let agent: String
    }

    /// A ticket as support sees it: where it is, and every holder it had.
    struct TicketView: EncodesNilAsNull, Sendable {
        let id: UUID
        let orderId: UUID
        let matchId: Int64
        let position: Int
        let status: String
        let holderName: String
        let sector: String
        let row: String?
        let seat: String?
        /// The account whose wallet shows it; nil while it waits for `deliverToEmail` to sign in.
        let walletUserId: String?
        let deliverToEmail: String?
        let transfers: [Transfer]

    }

    enum SupportError: Error {
        case ticketNotFound
        case notTransferable(status: String)
        case frozen(kickoff: Date, freeze: Duration)
        case refused
        case notRefundable(status: String)
        case nothingToRefund
    }

    /// The new holder, validated (every problem with its field), and the trimmed email and reason.
    static func validate(_ body: TransferRequest) throws -> (PersonIdentity, String?, String) {
        var errors: [Problem.FieldError] = []
        let person = body.holder?.normalized()
        if let person { errors += person.validate(prefix: "holder.") } else { errors.append(.init(field: "holder", message: "is required")) }
        let email = body.deliverToEmail?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let email, !Orders.looksLikeEmail(email) { errors.append(.init(field: "deliver_to_email", message: "is not an email address")) }
        let reason = Self.reason(body.reason, &errors)
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (person!, email, reason)
    }

    /// Why an agent or admin acts, as every support body gives it: trimmed of the spaces the
    /// documents' `NonBlank` allows, 1 to 500 characters (counted as JSON Schema counts them).
    static func reason(_ raw: String?, _ errors: inout [Problem.FieldError]) -> String {
        let reason = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if reason.isEmpty {
            errors.append(.init(field: "reason", message: "is required"))
        } else if reason.unicodeScalars.count > 500 {
            errors.append(.init(field: "reason", message: "is longer than 500 characters"))
        }
        return reason
    }

    /// Transfers the ticket to `person`; transfers close `transferFreeze` before kick-off.
    func transfer(ticketID: UUID, to person: PersonIdentity, deliverToEmail: String?, reason: String, agent: Actor) async throws -> TicketView {
        let name = person.firstName + " " + person.lastName
        let outcome: Result<TicketView, RefusedHolder> = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            guard let ticket = try await Tickets.lock(connection, ticketID: ticketID, logger: self.logger) else { throw SupportError.ticketNotFound }
            guard ticket.transferable else { throw SupportError.notTransferable(status: ticket.status) }
            // On the transaction's own connection: no second connection is waited for under the ticket's lock.
            guard let kickoffAt = try await Matches.kickoff(connection, matchID: ticket.matchID, logger: self.logger) else {
                throw SupportError.ticketNotFound
            }
            if self.clock.now >= kickoffAt.addingTimeInterval(-self.transferFreeze.seconds) {
                throw SupportError.frozen(kickoff: kickoffAt, freeze: self.transferFreeze)
            }
            let hits = try await self.blacklist.check(on: connection, attendees: [person])
            if !hits.isEmpty { return .failure(RefusedHolder(hits: hits, matchID: ticket.matchID)) }
            let transferID = UUID.random()
            try await Orders.replaceAttendee(
                connection, orderID: ticket.orderID, position: ticket.position, matchID: ticket.matchID, person: person, transferID: transferID,
                logger: self.logger)
            var writes = PreparedWrites()
            _ = Tickets.reissue(ticket, holderName: name, deliverToEmail: deliverToEmail, to: &writes)
            writes.add(
                """
                INSERT INTO support.transfers (id, ticket_id, order_id, match_id, from_holder_name, from_user_id, from_email, to_holder_name,
                                               to_email, reason, agent)
                VALUES (\(transferID), \(ticket.id), \(ticket.orderID), \(ticket.matchID), \(ticket.holderName), \(ticket.holderUserID),
                        \(ticket.deliverToEmail), \(name), \(deliverToEmail), \(reason), \(agent.id))
                """)
            let subject = ticket.id.lowercased
            Audit.add(
                Audit.Entry(
                    domain: .customerSupport, action: "ticket.transferred", actor: agent,
                    subjects: ["ticket:\(subject)", "order:\(ticket.orderID.lowercased)", "match:\(ticket.matchID)"],
                    data: [
                        "transfer_id": .string(transferID.lowercased), "reason": .string(reason), "from_holder_name": .string(ticket.holderName),
                        "to_holder_name": .string(name), "to_email": deliverToEmail.map(JSONValue.string) ?? .null,
                    ]), to: &writes)
            let transfer = "\(transferID.lowercased)"
            var messages: [Outbox.Message] = [
                // Both sides' notifications come from this job: the old holder's wallet loses the
                // ticket, the new holder is told where to find it.
                .init(
                    subject: "ticket.transferred", msgID: "ticket.transferred:\(transfer)",
                    payload: .object([
                        "ticket_id": .string(subject), "order_id": .string(ticket.orderID.lowercased), "match_id": .number(Double(ticket.matchID)),
                        "transfer_id": .string(transfer), "from_user_id": ticket.holderUserID.map(JSONValue.string) ?? .null,
                        "from_email": ticket.deliverToEmail.map(JSONValue.string) ?? .null, "to_holder_name": .string(name),
                        "to_email": deliverToEmail.map(JSONValue.string) ?? .null,
                    ]), job: true)
            ]
            if let deliverToEmail {
                messages.append(
                    .init(
                        subject: "mail.ticket_delivery", msgID: "mail.ticket_delivery:\(transfer)",
                        payload: .object([
                            "template": .string("ticket_transferred"), "to": .string(deliverToEmail), "ticket_id": .string(subject),
                            "match_id": .number(Double(ticket.matchID)),
                        ])))
            }
            Outbox.add(messages, to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            // The history read back in the transaction that added to it: this transfer last.
            let history = try await Self.transfers(connection, ticketID: ticket.id, logger: self.logger)
            return .success(
                TicketView(
                    id: ticket.id, orderId: ticket.orderID, matchId: ticket.matchID, position: ticket.position, status: ticket.status,
                    holderName: name, sector: ticket.sector, row: ticket.row, seat: ticket.seat,
                    walletUserId: deliverToEmail == nil ? ticket.holderUserID : nil, deliverToEmail: deliverToEmail ?? ticket.deliverToEmail,
                    transfers: history))
        }
        switch outcome {
        case .success(let view): return view
        case .failure(let refused):
            await self.blacklist.record(refused.hits, attendees: [person], matchID: refused.matchID, buyer: agent)
            throw SupportError.refused
        }
    }

    struct RefusedHolder: Error {
        let hits: [Blacklist.Hit]
        let matchID: Int64
    }

    /// The ticket and its history of holders.
    func ticket(id: UUID) async throws -> TicketView {
        try await self.postgres.withConnection { connection in
            guard let t = try await Tickets.read(connection, ticketID: id, logger: self.logger) else { throw SupportError.ticketNotFound }
            return TicketView(
                id: t.id, orderId: t.orderID, matchId: t.matchID, position: t.position, status: t.status, holderName: t.holderName,
                sector: t.sector, row: t.row, seat: t.seat, walletUserId: t.holderUserID, deliverToEmail: t.deliverToEmail,
                transfers: try await Self.transfers(connection, ticketID: id, logger: self.logger))
        }
    }

    static func transfers(_ connection: PostgresConnection, ticketID: UUID, logger: Logger) async throws -> [Transfer] {
        let rows = try await connection.prepared(
            """
            SELECT id, at, from_holder_name, to_holder_name, to_email, reason, agent FROM support.transfers
            WHERE ticket_id = \(ticketID) ORDER BY at, id
            """, logger: logger)
        var out: [Transfer] = []
        for try await r in rows.decode((UUID, Date, String, String, String?, String, String).self) {
            out.append(Transfer(id: r.0, at: r.1, fromHolderName: r.2, toHolderName: r.3, toEmail: r.4, reason: r.5, agent: r.6))
        }
        return out
    }
}
