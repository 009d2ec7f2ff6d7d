import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import Logging
import PostgresNIO

/// E4 for quotas (E7): an order placed for a quota's claim that is not paid by card — on a partner's
/// account (deferred, valid while unpaid) or free — is sold and its tickets issued in the
/// transaction that placed it.
extension Orders {
    /// Sells the placed order's hold and issues its tickets in the caller's transaction; the caller
    /// runs the returned work after its commit (the hold's key dropped, the sector's counts pushed).
    /// `held` is the change to the sector's counters that holding the seats made, not yet written:
    /// the two are written as one (a statement changes a row once).
    func issueOnAccount(
        on connection: PostgresConnection, placed: Placed, holdID: UUID, held: Inventory.CountsChange?, buyer: String, email: String?,
        terms: PaymentTerms, actor: Actor, reason: String? = nil
    ) async throws -> @Sendable () async -> Void {
        guard case .sold(let sale) = try await self.inventory.sell(on: connection, holdID: holdID, actor: actor), sale.fromHeld,
            held == nil || sale.sector == held?.sector
        else {
            throw InventoryError.holdNotActive(state: "ended")
        }
        var counts = sale.counts
        if let held {
            counts.available += held.available
            counts.held += held.held
            counts.sold += held.sold
            counts.allocated += held.allocated
        }
        var writes = PreparedWrites()
        // The sector's counter first: PostgreSQL runs the last-added part first, so it is locked last.
        self.inventory.add(counts, to: &writes)
        self.inventory.add(sale, to: &writes)
        let issued = Tickets.add(
            orderID: placed.id, matchID: placed.matchID, buyer: buyer, tickets: Self.newTickets(placed.attendees, sale: sale), to: &writes)
        _ = try Self.addTransitions(
            orderID: placed.id, matchID: placed.matchID, from: .seatsHeld,
            [
                (
                    .issuedOnAccount,
                    reason ?? (terms == .free ? "free of charge: \(issued.count) ticket(s) issued" : "on account: \(issued.count) ticket(s) issued"),
                    actor
                )
            ],
            also: [Tickets.entry(issued: issued, orderID: placed.id, matchID: placed.matchID)], to: &writes)
        let order = placed.id.lowercased
        // A deferred order is owed a payment offer to the partner (invoicing collects it), one paid at
        // a Petrol till its invoice; a free one no document at all.
        var messages: [Outbox.Message] = [
            .init(
                subject: "order.completed", msgID: "order.completed:\(order)",
                payload: .object([
                    "order_id": .string(order), "match_id": .number(Double(placed.matchID)), "buyer_id": .string(buyer),
                    "buyer_email": email.map(JSONValue.string) ?? .null, "tickets": .number(Double(issued.count)),
                    "payment_terms": .string(terms.rawValue), "amount_cents": .number(Double(placed.amount)),
                    "channel": .string(terms == .petrol ? "petrol" : "quota"),
                ]), job: true, invoice: terms == .deferred || terms == .petrol),
            .init(
                subject: "mail.order_confirmation", msgID: "mail.order_confirmation:\(order)",
                payload: .object([
                    "template": .string("order_confirmation"), "to": email.map(JSONValue.string) ?? .null, "user_id": .string(buyer),
                    "order_id": .string(order), "match_id": .number(Double(placed.matchID)), "amount_cents": .number(Double(placed.amount)),
                    "tickets": .number(Double(issued.count)), "payment_terms": .string(terms.rawValue),
                ])),
        ]
        messages += Self.ticketMessages(issued, orderID: placed.id, matchID: placed.matchID, buyer: buyer)
        Outbox.add(messages, to: &writes)
        try await writes.run(on: connection, logger: self.logger)
        let (inventory, matchID, sector) = (self.inventory, placed.matchID, sale.sector)
        return { await inventory.afterSale(holdID: holdID, matchID: matchID, sector: sector) }
    }

    /// How each of these orders stands and how it is settled (quotas show their seats by it).
    func settlements(on connection: PostgresConnection, ids: [UUID]) async throws -> [UUID: (state: OrderState, terms: PaymentTerms)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.prepared(
            "SELECT id, state, payment_terms FROM orders.orders WHERE id = ANY(\(ids))", logger: self.logger)
        var out: [UUID: (OrderState, PaymentTerms)] = [:]
        for try await (id, state, terms) in rows.decode((UUID, String, String).self) {
            out[id] = (try OrderState.stored(state, column: "orders.state"), PaymentTerms(rawValue: terms) ?? .card)
        }
        return out
    }

    /// How each of these orders is settled, on the caller's connection (the financial report's snapshot).
    static func paymentTerms(_ connection: PostgresConnection, ids: [UUID], logger: Logger) async throws -> [UUID: PaymentTerms] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.prepared("SELECT id, payment_terms FROM orders.orders WHERE id = ANY(\(ids))", logger: logger)
        var out: [UUID: PaymentTerms] = [:]
        for try await (id, terms) in rows.decode((UUID, String).self) { out[id] = PaymentTerms(rawValue: terms) ?? .card }
        return out
    }

    /// A deferred order still unpaid when its tickets are blocked (its partner did not pay in time):
    /// locked, its valid tickets void for good (their barcodes revoked as `partner_unpaid`), the order
    /// cancelled, the partner and the bus told — as parts of the caller's statement. Returns the units
    /// whose seats the caller gives back; nil when the order is not an issued deferred one.
    static func addVoidUnpaid(
        _ connection: PostgresConnection, orderID: UUID, reason: String, actor: Actor, to writes: inout PreparedWrites, logger: Logger
    ) async throws -> (matchID: Int64, units: [Int64])? {
        guard let row = try await Self.lockedRow(connection, id: orderID, logger: logger), row.state == .ticketsIssued else { return nil }
        let terms = try await Self.paymentTerms(connection, ids: [orderID], logger: logger)
        guard terms[orderID] == .deferred else { return nil }
        let tickets = try await Tickets.lock(connection, orderID: orderID, logger: logger).filter(\.transferable)
        Tickets.void(tickets, reason: "partner_unpaid", to: &writes)
        _ = try Self.addTransitions(
            orderID: orderID, matchID: row.matchID, from: row.state, [(.voidedUnpaid, "unpaid on account: \(reason)", actor)], to: &writes)
        let order = orderID.lowercased
        let payload: JSONValue = .object([
            "order_id": .string(order), "match_id": .number(Double(row.matchID)), "buyer_id": .string(row.buyer),
            "buyer_email": row.email.map(JSONValue.string) ?? .null, "tickets": .number(Double(tickets.count)),
            "amount_cents": .number(Double(row.amount)), "reason": .string("partner_unpaid"),
        ])
        Outbox.add(
            [
                .init(subject: "order.voided_unpaid", msgID: "order.voided_unpaid:\(order)", payload: payload, job: true),
                .init(
                    subject: "mail.tickets_blocked", msgID: "mail.tickets_blocked:\(order)",
                    payload: .object([
                        "template": .string("tickets_blocked"), "to": row.email.map(JSONValue.string) ?? .null, "order_id": .string(order),
                        "match_id": .number(Double(row.matchID)), "tickets": .number(Double(tickets.count)),
                        "amount_cents": .number(Double(row.amount)),
                    ])),
            ], to: &writes)
        return (row.matchID, tickets.map(\.unitID))
    }

    /// Issues the tickets of an order whose seats are held and whose money was taken elsewhere (a
    /// Petrol till), in the caller's transaction: the order locked with its attendees, its hold sold.
    /// Returns the order's tickets and the work to run after the commit; throws `orderEnded` unless
    /// the order still holds its seats.
    func issueHeld(
        on connection: PostgresConnection, orderID: UUID, terms: PaymentTerms, actor: Actor, reason: String
    ) async throws -> (tickets: [UUID], after: @Sendable () async -> Void) {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.rowColumns.split(separator: ", ").map { "o." + $0 }.joined(separator: ", ")),
                   a.position, a.unit_id, a.first_name || ' ' || a.last_name, a.deliver_to_email, a.ticket_id
            FROM orders.orders o JOIN orders.attendees a ON a.order_id = o.id
            WHERE o.id = \(orderID) ORDER BY a.position FOR UPDATE OF o
            """, logger: self.logger)
        var order: Row?
        var attendees: [AttendeeRow] = []
        for try await raw in rows {
            let r = raw.makeRandomAccess()
            order = try Row(r)
            attendees.append(
                AttendeeRow(
                    position: try r[12].decode(Int.self, context: .default), unitID: try r[13].decode(Int64.self, context: .default),
                    name: try r[14].decode(String.self, context: .default), deliverToEmail: try r[15].decode(String?.self, context: .default),
                    ticketID: try r[16].decode(UUID.self, context: .default)))
        }
        guard let order else { throw OrdersError.notFound }
        guard order.state == .seatsHeld else { throw OrdersError.invalidTransition(.init(from: order.state, event: .issuedOnAccount)) }
        let placed = Placed(id: order.id, matchID: order.matchID, amount: order.amount, answer: [], attendees: attendees)
        let after = try await self.issueOnAccount(
            on: connection, placed: placed, holdID: order.holdID, held: nil, buyer: order.buyer, email: order.email, terms: terms, actor: actor,
            reason: reason)
        return (attendees.map(\.ticketID), after)
    }

    /// Of these people (their `personKey`s), those who already have a ticket or an open order for the
    /// match: the one-ticket-per-person rule, checked before anything is held (a Petrol PIN request).
    static func personsTaken(_ connection: PostgresConnection, matchID: Int64, keys: [String], logger: Logger) async throws -> Set<String> {
        let rows = try await connection.prepared(
            """
            SELECT k.key FROM unnest(\(keys)::text[]) AS k(key)
            WHERE EXISTS (
                SELECT 1 FROM orders.attendees a JOIN orders.orders o ON o.id = a.order_id
                WHERE a.match_id = \(matchID) AND a.person_key = k.key
                  AND a.refunded_at IS NULL AND o.state NOT IN ('expired', 'cancelled', 'payment_failed'))
            """, logger: logger)
        var out: Set<String> = []
        for try await key in rows.decode(String.self) { out.insert(key) }
        return out
    }
}
