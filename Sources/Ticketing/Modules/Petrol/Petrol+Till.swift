import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import PostgresNIO

/// E12 at the till: every call names the PIN and the terminal; the clerk's token carries the station.
extension Petrol {
    struct Clerk: Sendable {
        let id: String
        let station: String
        let terminal: String
        let actor: Actor
    }

    static func clerk(_ identity: Identity, actor: Actor, body: TillBody, needsReference: Bool) throws -> (Clerk, reference: String?) {
        guard let station = identity.station else { throw PetrolError.noStation }
        var errors: [Problem.FieldError] = []
        let terminal = body.terminalId?.trimmingCharacters(in: .whitespaces) ?? ""
        if terminal.isEmpty || terminal.count > 64 { errors.append(.init(field: "terminal_id", message: "is required (the till's id)")) }
        let reference = body.paymentReference?.trimmingCharacters(in: .whitespaces)
        if needsReference, reference?.isEmpty != false || reference!.count > 128 {
            errors.append(.init(field: "payment_reference", message: "is required (Petrol's payment reference)"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (Clerk(id: identity.userID, station: station, terminal: terminal, actor: actor), reference)
    }

    /// Before a look-up: the clerk is not locked out and clerk and station are within their limits.
    private func admit(_ clerk: Clerk) async throws {
        let lock = try? await self.redis.send(["PTTL", RESPArg("hns:petrol:lockout:\(clerk.id)")]).int
        if let lock, lock > 0 { throw PetrolError.locked(retryAfter: .milliseconds(Int64(lock))) }
        var checks: [(key: String, limit: RateLimit)] = []
        if let l = self.settings.lookupsPerClerk { checks.append(("hns:ratelimit:petrol:clerk:\(clerk.id)", l)) }
        if let l = self.settings.lookupsPerStation { checks.append(("hns:ratelimit:petrol:station:\(clerk.station)", l)) }
        if let wait = await self.limiter.hit(checks) { throw PetrolError.locked(retryAfter: wait) }
    }

    /// A PIN that names no live request: audited, counted, and after too many the clerk is locked out.
    private func missed(_ pin: String, _ clerk: Clerk) async throws -> Never {
        let entry = Audit.Entry(
            domain: .petrol, action: "pin.lookup_missed", actor: clerk.actor, subjects: ["station:\(clerk.station)"],
            data: ["terminal_id": .string(clerk.terminal), "pin_length": .number(Double(pin.count))])
        try await self.postgres.withConnection { try await Audit.write([entry], on: $0, logger: self.logger) }
        let key = "hns:petrol:misses:\(clerk.id)"
        let window = String(self.settings.lockout.milliseconds)
        if let replies = try? await self.redis.pipeline([["INCR", RESPArg(key)], ["PEXPIRE", RESPArg(key), RESPArg(window), "NX"]]),
            (replies.first?.int ?? 0) >= self.settings.missesBeforeLockout
        {
            _ = try? await self.redis.send(["SET", RESPArg("hns:petrol:lockout:\(clerk.id)"), "1", "PX", RESPArg(window)])
            self.logger.warning(
                "Petrol clerk locked out after repeated PIN misses", metadata: ["clerk": "\(clerk.id)", "station": "\(clerk.station)"])
        }
        throw PetrolError.notFound
    }

    static func valid(_ pin: String) -> Bool { (8...16).contains(pin.count) && pin.allSatisfy(\.isASCII) && pin.allSatisfy(\.isNumber) }

    private func lookUp(_ connection: PostgresConnection, pin: String) async throws -> Row? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE pin = \(pin) AND state IN ('pending', 'held') FOR UPDATE",
            logger: self.logger)
        return try await Self.decode(rows).first.flatMap { $0.state == .expired ? nil : $0 }
    }

    private static func lookedUp(_ row: Row, _ clerk: Clerk, _ action: String, to writes: inout PreparedWrites) {
        Audit.add(
            Audit.Entry(
                domain: .petrol, action: action, actor: clerk.actor,
                subjects: ["pin_request:\(row.id.lowercased)", "station:\(clerk.station)", "match:\(row.matchID)"],
                data: ["terminal_id": .string(clerk.terminal)]), to: &writes)
    }

    /// Holds the PIN's seats for this terminal (the same terminal again: the same hold). In three
    /// steps, none holding a connection while it waits for another: the till claims the PIN for a
    /// few seconds (another till now gets 409), the seats are held, and the order is placed on them
    /// while the claim is checked to be still this till's.
    func hold(pin: String, clerk: Clerk) async throws -> TillView {
        try await self.admit(clerk)
        guard Self.valid(pin) else { try await self.missed(pin, clerk) }
        enum Claimed {
            case same(TillView)
            case claimed(Row)
        }
        let claimed: Claimed? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            guard let row = try await self.lookUp(connection, pin: pin) else { return nil }
            let mine = row.station == clerk.station && row.terminal == clerk.terminal
            if row.state == .held {
                guard mine else { throw PetrolError.heldElsewhere(station: row.station ?? "another station") }
                var writes = PreparedWrites()
                Self.lookedUp(row, clerk, "pin.looked_up", to: &writes)
                try await writes.run(on: connection, logger: self.logger)
                return .same(row.till())
            }
            if let until = row.claimedUntil, until > row.now, !mine {
                throw PetrolError.heldElsewhere(station: row.station ?? "another station")
            }
            try await connection.query(
                """
                UPDATE petrol.pin_requests SET station = \(clerk.station), terminal = \(clerk.terminal), clerk_id = \(clerk.id),
                    claimed_until = now() + interval '30 seconds'
                WHERE id = \(row.id)
                """, logger: self.logger)
            return .claimed(row)
        }
        guard let claimed else { try await self.missed(pin, clerk) }
        guard case .claimed(let row) = claimed else {
            if case .same(let view) = claimed { return view }
            throw PetrolError.notFound
        }
        // A hold of another till that ran out ends first, so that its order no longer counts.
        if row.stored == .held, let old = row.holdID {
            _ = try await self.inventory.release(holdID: old, buyer: nil, reason: .expired, actor: clerk.actor)
        }
        let fan = Actor(id: row.userID, role: "customer", requestID: clerk.actor.requestID)
        let hold: Inventory.Hold
        do {
            let limit = try await self.limit(row.matchID, row.userID)
            hold = try await self.inventory.reserve(
                matchID: row.matchID, buyer: fan, request: .bestAvailable(sector: row.sector, quantity: row.quantity), limit: limit,
                ttl: self.settings.holdTTL)
        } catch {
            try? await self.unclaim(row.id, clerk)
            throw error
        }
        do {
            let view: TillView? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
                let rows = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(row.id) FOR UPDATE", logger: self.logger)
                guard let now = try await Self.decode(rows).first, now.stored == .pending || now.stored == .held,
                    now.station == clerk.station, now.terminal == clerk.terminal, (now.claimedUntil ?? now.now) > now.now
                else { throw PetrolError.heldElsewhere(station: "another station") }
                let forOrder = try await self.inventory.holdForOrder(on: connection, holdID: hold.id, buyer: row.userID)
                let placed: Orders.Placed
                switch try await self.orders.place(
                    on: connection, buyer: fan, email: row.email, holdID: hold.id, hold: forOrder, attendees: row.attendees, window: nil,
                    unitPrice: row.unitPrice, terms: .petrol, key: nil)
                {
                case .failure(let refusal): throw refusal
                case .success(let p): placed = p
                }
                var writes = PreparedWrites()
                writes.add(
                    """
                    UPDATE petrol.pin_requests SET state = 'held', hold_id = \(hold.id), order_id = \(placed.id), hold_expires_at = \(hold.expiresAt),
                        claimed_until = NULL
                    WHERE id = \(row.id)
                    """)
                Self.lookedUp(row, clerk, "pin.held", to: &writes)
                try await writes.run(on: connection, logger: self.logger)
                let read = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(row.id)", logger: self.logger)
                return try await Self.decode(read).first?.till()
            }
            guard let view else { throw PetrolError.notFound }
            return view
        } catch {
            // Nothing placed on the seats just held: they go back at once rather than at the hold's end.
            _ = try? await self.inventory.release(holdID: hold.id, buyer: nil, reason: .released, actor: clerk.actor)
            try? await self.unclaim(row.id, clerk)
            if let refusal = error as? Orders.BlacklistRefusal { throw OrdersError.refused(attendees: refusal.hits.map(\.attendeeIndex)) }
            throw error
        }
    }

    /// A claim that came to nothing is given up at once.
    private func unclaim(_ id: UUID, _ clerk: Clerk) async throws {
        try await self.postgres.query(
            """
            UPDATE petrol.pin_requests SET claimed_until = NULL
            WHERE id = \(id) AND state = 'pending' AND terminal = \(clerk.terminal) AND station = \(clerk.station)
            """, logger: self.logger)
    }

    /// Petrol took the money: the order is paid through the channel `petrol` and its tickets issued,
    /// after the holders are checked against the blacklist once more.
    func confirm(pin: String, reference: String, clerk: Clerk) async throws -> TillView {
        try await self.admit(clerk)
        guard Self.valid(pin) else { try await self.missed(pin, clerk) }
        var after: (@Sendable () async -> Void)?
        let view: TillView?
        do {
            view = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
                after = nil
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM petrol.pin_requests
                    WHERE pin = \(pin) AND (state IN ('pending', 'held') OR (state = 'confirmed' AND terminal = \(clerk.terminal)))
                    ORDER BY state = 'confirmed' LIMIT 1 FOR UPDATE
                    """, logger: self.logger)
                guard let row = try await Self.decode(rows).first, row.state != .expired else { return nil }
                if row.state == .confirmed {
                    // The same confirmation again (a till that lost the answer): the same sale.
                    guard row.paymentReference == reference, row.station == clerk.station else { throw PetrolError.closed(.confirmed) }
                    return row.till()
                }
                guard row.stored == .held, row.station == clerk.station, row.terminal == clerk.terminal else {
                    if row.state == .held { throw PetrolError.heldElsewhere(station: row.station ?? "another station") }
                    throw row.stored == .held ? PetrolError.holdExpired : PetrolError.notHeldHere
                }
                guard row.state == .held, let orderID = row.orderID else { throw PetrolError.holdExpired }
                let hits = try await self.orders.blacklist.check(on: connection, attendees: row.attendees.map(\.person))
                if !hits.isEmpty { throw Orders.BlacklistRefusal(hits: hits, matchID: row.matchID) }
                let (tickets, work) = try await self.orders.issueHeld(
                    on: connection, orderID: orderID, terms: .petrol, actor: clerk.actor,
                    reason: "paid at Petrol station \(clerk.station), till \(clerk.terminal) (\(reference))")
                after = work
                let commission = row.amount * self.settings.commissionBasisPoints / 10_000
                var writes = PreparedWrites()
                writes.add(
                    """
                    UPDATE petrol.pin_requests SET state = 'confirmed', payment_reference = \(reference), confirmed_at = now(),
                        commission_cents = \(commission)
                    WHERE id = \(row.id)
                    """)
                Audit.add(
                    Audit.Entry(
                        domain: .petrol, action: "pin.confirmed", actor: clerk.actor,
                        subjects: ["pin_request:\(row.id.lowercased)", "order:\(orderID.lowercased)", "station:\(clerk.station)"],
                        data: [
                            "terminal_id": .string(clerk.terminal), "payment_reference": .string(reference),
                            "amount_cents": .number(Double(row.amount)),
                            "commission_cents": .number(Double(commission)),
                        ]), to: &writes)
                try await writes.run(on: connection, logger: self.logger)
                let read = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(row.id)", logger: self.logger)
                return try await Self.decode(read).first?.till(tickets: tickets)
            }
        } catch let refusal as Orders.BlacklistRefusal {
            throw OrdersError.refused(attendees: refusal.hits.map(\.attendeeIndex))
        }
        guard let view else { try await self.missed(pin, clerk) }
        await after?()
        return view
    }

    /// The till gives the seats back (the fan may take the PIN to another till).
    func release(pin: String, clerk: Clerk) async throws -> TillView {
        try await self.admit(clerk)
        guard Self.valid(pin) else { try await self.missed(pin, clerk) }
        let found: (Row, UUID)? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            guard let row = try await self.lookUp(connection, pin: pin) else { return nil }
            guard row.state == .held, row.station == clerk.station, row.terminal == clerk.terminal, let hold = row.holdID else {
                if row.state == .held { throw PetrolError.heldElsewhere(station: row.station ?? "another station") }
                throw PetrolError.notHeldHere
            }
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE petrol.pin_requests SET state = 'pending', station = NULL, terminal = NULL, clerk_id = NULL, hold_id = NULL, order_id = NULL,
                    hold_expires_at = NULL, claimed_until = NULL
                WHERE id = \(row.id)
                """)
            Self.lookedUp(row, clerk, "pin.released", to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return (row, hold)
        }
        guard let (row, hold) = found else { try await self.missed(pin, clerk) }
        _ = try await self.inventory.release(holdID: hold, buyer: nil, reason: .released, actor: clerk.actor)
        return Row(
            id: row.id, pin: row.pin, userID: row.userID, email: row.email, matchID: row.matchID, sector: row.sector, attendees: row.attendees,
            quantity: row.quantity, unitPrice: row.unitPrice, amount: row.amount, currency: row.currency, stored: .pending,
            expiresAt: row.expiresAt, station: nil, terminal: nil, holdID: nil, orderID: nil, holdExpiresAt: nil, paymentReference: nil,
            claimedUntil: nil, now: row.now
        ).till()
    }
}

extension Petrol {
    struct SettlementLine: Encodable, Sendable {
        let station: String
        let day: String
        let sales: Int
        let tickets: Int
        let amountCents: Int
        let commissionCents: Int
        let netCents: Int
    }

    struct Settlement: Encodable, Sendable {
        let from: String
        let to: String
        let commissionBasisPoints: Int
        let lines: [SettlementLine]
        let totals: SettlementLine
    }

    /// Confirmed sales per station and Zagreb day, `from` ≤ day ≤ `to` (inclusive dates), with
    /// Petrol's commission (as recorded at each sale) and what Petrol owes HNS.
    func settlement(from: String, to: String, station: String?) async throws -> Settlement {
        let rows = try await self.postgres.query(
            """
            SELECT station, (confirmed_at AT TIME ZONE 'Europe/Zagreb')::date::text, count(*)::int, sum(quantity)::int,
                   sum(amount_cents)::bigint, sum(commission_cents)::bigint
            FROM petrol.pin_requests
            WHERE state = 'confirmed' AND (confirmed_at AT TIME ZONE 'Europe/Zagreb')::date BETWEEN \(from)::date AND \(to)::date
              AND (\(station)::text IS NULL OR station = \(station))
            GROUP BY 1, 2 ORDER BY 2, 1
            """, logger: self.logger)
        var lines: [SettlementLine] = []
        for try await (station, day, sales, tickets, amount, commission) in rows.decode((String, String, Int, Int, Int, Int).self) {
            lines.append(
                SettlementLine(
                    station: station, day: day, sales: sales, tickets: tickets, amountCents: amount, commissionCents: commission,
                    netCents: amount - commission))
        }
        func sum(_ k: KeyPath<SettlementLine, Int>) -> Int { lines.reduce(0) { $0 + $1[keyPath: k] } }
        let totals = SettlementLine(
            station: station ?? "all", day: "\(from)..\(to)", sales: sum(\.sales), tickets: sum(\.tickets), amountCents: sum(\.amountCents),
            commissionCents: sum(\.commissionCents), netCents: sum(\.netCents))
        return Settlement(from: from, to: to, commissionBasisPoints: self.settings.commissionBasisPoints, lines: lines, totals: totals)
    }
}

extension Petrol.Settlement {
    var spreadsheet: Spreadsheet {
        typealias C = Spreadsheet.Cell
        let header: [C] = [.text("Station"), .text("Day"), .text("Sales"), .text("Tickets"), .text("Amount"), .text("Commission"), .text("Net")]
        func cells(_ l: Petrol.SettlementLine) -> [C] {
            [
                .text(l.station), .text(l.day), .number(l.sales), .number(l.tickets), .euros(l.amountCents), .euros(l.commissionCents),
                .euros(l.netCents),
            ]
        }
        return Spreadsheet(sheets: [.init(name: "Settlement", rows: [header] + self.lines.map(cells) + [cells(self.totals)])])
    }
}
