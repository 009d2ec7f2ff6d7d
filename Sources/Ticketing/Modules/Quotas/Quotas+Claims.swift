import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HTTPTypes
import Logging
import PostgresNIO

/// E7, claims: the owner of a node names the people its seats are for. The seats are held from the
/// allocation and an order placed for them in one transaction, with the purchase's identity rules
/// (OIB or passport, blacklist, one ticket per person per match across every channel). A card
/// quota's order is then paid through the PaymentIntent saga at the quota's price; a deferred
/// quota's tickets are issued at once on the partner's account, within its credit limit; a free
/// quota's at once.
extension Quotas {
    struct ClaimRequest: Decodable, Sendable {
        var attendees: [Orders.Attendee]?
        /// Chosen seats (unit ids of the quota's free seats), one per attendee; else the best together.
        var seats: [Int64]?
        /// Where to pick when seats are not chosen (default: the first sector with room for all).
        var sector: String?
    }

    struct ClaimSeat: Encodable, Sendable {
        let unitId: Int64
        let sector: String
        let row: String?
        let seat: String?
        let attendee: String
    }

    struct ClaimView: Encodable, Sendable, EncodesNilAsNull {
        let id: UUID
        let quotaId: UUID
        let orderId: UUID
        /// `seats_held` for a card quota (pay it with `POST /quotas/{quota_id}/claims/{id}/payment`), else `tickets_issued`.
        let orderState: String
        let paymentTerms: String
        let unitPriceCents: Int
        let amountCents: Int
        let currency: String
        /// A card quota's: until when the seats wait for the payment.
        let holdExpiresAt: Date?
        let seats: [ClaimSeat]
        /// Issued at once on account or free; a card quota's once paid (see the order).
        let ticketIds: [UUID]
    }

    /// A claim checked field by field.
    static func validate(_ body: ClaimRequest) throws -> (attendees: [Orders.Attendee], seats: [Int64], sector: String?) {
        var errors: [Problem.FieldError] = []
        let attendees = Orders.validate(attendees: body.attendees, errors: &errors)
        if attendees.count > 50 { errors.append(.init(field: "attendees", message: "at most 50 ticket holders per claim")) }
        let seats = body.seats ?? []
        if !seats.isEmpty {
            if seats.count != attendees.count {
                errors.append(.init(field: "seats", message: "choose one seat per ticket holder (\(attendees.count))"))
            } else if Set(seats).count != seats.count || seats.contains(where: { $0 <= 0 }) {
                errors.append(.init(field: "seats", message: "must be distinct positive unit ids"))
            }
        }
        let sector = body.sector?.trimmingCharacters(in: .whitespaces)
        if let sector, sector.isEmpty || sector.count > 40 { errors.append(.init(field: "sector", message: "is not a sector code")) }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (attendees, seats, sector)
    }

    /// Claims seats of `quotaID` for `attendees`. The answer is recorded for `key` in the same transaction.
    func claim(
        quotaID: UUID, attendees: [Orders.Attendee], seats chosen: [Int64], sector wanted: String?, identity: Identity, actor: Actor,
        key: Idempotency.Key?
    ) async throws -> [UInt8] {
        var after: (@Sendable () async -> Void)?
        let answer: [UInt8]
        do {
            answer = try await self.claimed(
                quotaID: quotaID, attendees: attendees, chosen: chosen, wanted: wanted, identity: identity, actor: actor, key: key, after: &after)
        } catch let refusal as Orders.BlacklistRefusal {
            // Rolled back with the hold it had taken; the refusal is recorded for staff.
            if try await key?.answered() != true {
                await self.orders.blacklist.record(refusal.hits, attendees: attendees.map(\.person), matchID: refusal.matchID, buyer: actor)
            }
            throw OrdersError.refused(attendees: refusal.hits.map(\.attendeeIndex))
        }
        await after?()
        return answer
    }

    /// The claim's transaction; a blacklisted attendee throws `BlacklistRefusal` (rolling it back).
    private func claimed(
        quotaID: UUID, attendees: [Orders.Attendee], chosen: [Int64], wanted: String?, identity: Identity, actor: Actor, key: Idempotency.Key?,
        after: inout (@Sendable () async -> Void)?
    ) async throws -> [UInt8] {
        var afterCommit: (@Sendable () async -> Void)?
        let answer: [UInt8] = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            afterCommit = nil
            let root = try await Self.lockRoot(connection, of: quotaID, logger: self.logger)
            guard let node = quotaID == root.id ? root : try await Self.node(connection, id: quotaID, lock: false, logger: self.logger),
                node.isOwned(by: identity)
            else { throw QuotaError.notFound }
            try await self.requireSelling(matchID: root.matchID)
            // The deadline is the database's clock, read under the root's lock: the deadline keeper
            // takes the same lock, so a claim at the deadline either commits first or finds it passed.
            guard root.state == "active", node.isOpen else {
                throw QuotaError.closed(state: node.due && node.state == "active" ? "past its claim deadline" : node.state)
            }
            let units = try await self.pick(connection, root: root, node: node, count: attendees.count, chosen: chosen, sector: wanted)
            let holdID: UUID
            let held: Inventory.CountsChange
            do {
                (holdID, held) = try await self.inventory.holdAllocated(
                    on: connection, matchID: root.matchID, allocationID: node.id, units: units, buyer: actor)
            } catch InventoryError.seatsUnavailable(let ids) {
                throw QuotaError.seatsNotFree(ids)
            }
            let hold = try await self.inventory.holdForOrder(on: connection, holdID: holdID, buyer: actor.id)
            // A sector without a price is not on sale: its seats are not given away at "full price".
            if root.priceKind == .full, hold.unitPriceCents == 0 { throw InventoryError.sectorClosed(held.sector) }
            let price: Int =
                switch root.priceKind {
                case .full: hold.unitPriceCents
                case .reduced: root.reducedPriceCents ?? hold.unitPriceCents
                case .free: 0
                }
            let amount = price * units.count
            let terms: Orders.PaymentTerms = amount == 0 ? .free : (root.paymentMode == .deferred ? .deferred : .card)
            if terms == .deferred, let limit = root.creditLimitCents, root.deferredOpenCents + amount > limit {
                throw QuotaError.creditLimit(limit: limit, open: root.deferredOpenCents, requested: amount)
            }
            let placed: Orders.Placed
            switch try await self.orders.place(
                on: connection, buyer: actor, email: identity.email, holdID: holdID, hold: hold, attendees: attendees, window: nil,
                unitPrice: price, terms: terms, key: nil)
            {
            case .failure(let refusal): throw refusal
            case .success(let p): placed = p
            }
            var writes = PreparedWrites()
            if terms != .card {
                afterCommit = try await self.orders.issueOnAccount(
                    on: connection, placed: placed, holdID: holdID, held: held, buyer: actor.id, email: identity.email, terms: terms, actor: actor)
            } else {
                let (matchID, sector, expires) = (root.matchID, held.sector, hold.expiresAt)
                let inventory = self.inventory
                afterCommit = { await inventory.afterAllocatedHold(holdID: holdID, matchID: matchID, sector: sector, expiresAt: expires) }
                // The sector's counter first: parts run last-added first, so it is locked last.
                self.inventory.add(held, to: &writes)
            }
            let claimID = UUID.random()
            writes.add(
                """
                INSERT INTO quotas.claims (id, quota_id, root_id, order_id, unit_ids, terms, amount_cents, claimed_by)
                VALUES (\(claimID), \(node.id), \(root.id), \(placed.id), \(units), \(terms.rawValue), \(amount), \(actor.id))
                """)
            if terms == .deferred {
                writes.add("UPDATE quotas.quotas SET deferred_open_cents = deferred_open_cents + \(amount) WHERE id = \(root.id)")
            }
            Audit.add(
                Self.entry(
                    "quota.claimed", node: node, actor: actor,
                    data: [
                        "claim_id": .string(claimID.lowercased), "order_id": .string(placed.id.lowercased), "seats": .number(Double(units.count)),
                        "payment_terms": .string(terms.rawValue), "amount_cents": .number(Double(amount)),
                    ]), to: &writes)
            Outbox.add(
                [
                    .init(
                        subject: "quota.claimed", msgID: "quota.claimed:\(claimID.lowercased)",
                        payload: .object([
                            "claim_id": .string(claimID.lowercased), "quota_id": .string(node.id.lowercased), "root_id": .string(root.id.lowercased),
                            "match_id": .number(Double(root.matchID)), "order_id": .string(placed.id.lowercased),
                            "seats": .number(Double(units.count)), "payment_terms": .string(terms.rawValue), "amount_cents": .number(Double(amount)),
                        ]))
                ], to: &writes)
            let names = Dictionary(uniqueKeysWithValues: placed.attendees.map { ($0.unitID, $0.name) })
            let answer = try Orders.json(
                ClaimView(
                    id: claimID, quotaId: node.id, orderId: placed.id, orderState: (terms == .card ? OrderState.seatsHeld : .ticketsIssued).rawValue,
                    paymentTerms: terms.rawValue, unitPriceCents: price, amountCents: amount, currency: "eur",
                    holdExpiresAt: terms == .card ? hold.expiresAt : nil,
                    seats: hold.seats.map {
                        ClaimSeat(unitId: $0.unitId, sector: $0.sector, row: $0.row, seat: $0.seat, attendee: names[$0.unitId] ?? "")
                    },
                    ticketIds: terms == .card ? [] : placed.attendees.map(\.ticketID)))
            key?.record(.created, answer, to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return answer
        }
        after = afterCommit
        return answer
    }

    /// The seats of a claim among the node's free ones: the chosen ones (each free there, one sector),
    /// or `count` together in the wanted sector (else the first sector with room for all).
    private func pick(
        _ connection: PostgresConnection, root: Node, node: Node, count: Int, chosen: [Int64], sector wanted: String?
    ) async throws -> [Int64] {
        if !chosen.isEmpty { return chosen.sorted() }
        // The best together among the first free seats of a sector (a window, as a sale reads one),
        // else among all of that sector's.
        func best(in sector: String) async throws -> [Int64]? {
            let window = count * 16 + 32
            let first = try await self.inventory.freeAllocated(on: connection, allocationID: node.id, sector: sector, limit: window).map(\.seat)
            if let pick = SeatSelection.best(quantity: count, from: first) { return pick.map(\.unitID).sorted() }
            guard first.count == window else { return nil }
            let all = try await self.inventory.freeAllocated(on: connection, allocationID: node.id, sector: sector).map(\.seat)
            return SeatSelection.best(quantity: count, from: all)?.map(\.unitID).sorted()
        }
        let free = try await self.inventory.freeAllocatedCounts(on: connection, allocationID: node.id)
        if let wanted {
            guard free[wanted, default: 0] >= count, let pick = try await best(in: wanted) else {
                throw QuotaError.notEnoughFree(sector: wanted, requested: count, free: free[wanted, default: 0])
            }
            return pick
        }
        for code in free.keys.sorted() where free[code, default: 0] >= count {
            if let pick = try await best(in: code) { return pick }
        }
        let most = free.max { $0.value < $1.value }
        throw QuotaError.notEnoughFree(sector: most?.key ?? "any", requested: count, free: most?.value ?? 0)
    }

    /// The order of a card claim of `quotaID`, for its owner; else not found.
    func cardClaimOrder(quotaID: UUID, claimID: UUID, identity: Identity) async throws -> UUID {
        try await self.postgres.withConnection { connection in
            let rows = try await connection.prepared(
                "SELECT order_id, terms FROM quotas.claims WHERE id = \(claimID) AND quota_id = \(quotaID)", logger: self.logger)
            var found: (UUID, String)?
            for try await row in rows.decode((UUID, String).self) { found = row }
            guard let (order, terms) = found, let node = try await Self.node(connection, id: quotaID, lock: false, logger: self.logger),
                node.isOwned(by: identity)
            else { throw QuotaError.notFound }
            guard terms == Orders.PaymentTerms.card.rawValue else {
                throw Problem(TicketingProblems.orderPaid, detail: "This claim's tickets were issued without a card payment (\(terms)).")
            }
            return order
        }
    }

    /// A deferred claim's order is settled — paid, blocked unpaid, or its match cancelled: its amount
    /// no longer counts against its root's credit limit (part of the caller's statement).
    static func addCreditReleased(orderID: UUID, to writes: inout PreparedWrites) {
        writes.add(
            """
            UPDATE quotas.quotas q SET deferred_open_cents = greatest(0, q.deferred_open_cents - c.amount_cents)
            FROM quotas.claims c WHERE c.order_id = \(orderID) AND c.terms = 'deferred' AND q.id = c.root_id
            """)
    }
}
