import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import Logging
import PostgresNIO

/// E12, sales at Petrol stations (scenario 4). A fan names the ticket holders in the app and gets a
/// PIN (checked as a purchase is: identity, blacklist, one ticket per person per match); at a till
/// the clerk types it and the seats are held for that terminal (`holdTTL`, 20 minutes) — one
/// terminal at a time, the PIN's row locked while it is taken; Petrol takes the money and the clerk
/// confirms: the order is paid through the channel `petrol` and its tickets issued. Look-ups are
/// rate-limited per clerk and station, a clerk who keeps missing is locked out, and every look-up is
/// an audit entry. The clerk sees the holders' names, never their documents.
struct Petrol: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let inventory: Inventory
    let orders: Orders
    let limiter: RedisRateLimiter
    /// The fan's ticket limit for the match (its sale phase and loyalty tier), as for a cart hold.
    let limit: @Sendable (_ matchID: Int64, _ buyer: String) async throws -> Int
    let logger: Logger
    var settings = Settings()

    struct Settings: Sendable {
        /// How long a PIN stays usable.
        var pinTTL: Duration = .seconds(48 * 3600)
        /// How long a till's hold keeps the seats.
        var holdTTL: Duration = .seconds(20 * 60)
        /// Petrol's commission on each sale, in basis points of its amount (the contract's).
        var commissionBasisPoints = 300
        var lookupsPerClerk: RateLimit? = RateLimit(count: 30, window: .seconds(60))
        var lookupsPerStation: RateLimit? = RateLimit(count: 120, window: .seconds(60))
        /// Misses (PINs that name no live request) before a clerk is locked out, and for how long.
        var missesBeforeLockout = 5
        var lockout: Duration = .seconds(15 * 60)
    }

    enum State: String, Codable, Sendable {
        case pending, held, confirmed, cancelled, expired
    }

    struct PinRequestBody: Decodable, Sendable {
        var matchId: Int64?
        var sector: String?
        /// Instead of a sector: any sector of this price category (the one with the most seats left).
        var priceCategory: String?
        var attendees: [Orders.Attendee]?
        enum CodingKeys: String, CodingKey {
            case matchId = "match_id"
            case priceCategory = "price_category"
            case sector, attendees
        }
    }

    /// Where the fan wants to sit.
    enum Wanted: Sendable {
        case sector(String)
        case priceCategory(String)
    }

    struct TillBody: Decodable, Sendable {
        var terminalId: String?
        var paymentReference: String?
        enum CodingKeys: String, CodingKey {
            case terminalId = "terminal_id"
            case paymentReference = "payment_reference"
        }
    }

    /// A PIN request as its fan sees it.
    struct PinRequest: EncodesNilAsNull, Sendable {
        let id: UUID
        let pin: String
        let matchId: Int64
        let sector: String
        let quantity: Int
        let unitPriceCents: Int
        let amountCents: Int
        let currency: String
        let state: State
        let expiresAt: Date
        let station: String?
        let holdExpiresAt: Date?
        let orderId: UUID?
        let holderNames: [String]
    }

    /// What the till shows: the sale and the names to check at the counter, nothing more.
    struct TillView: EncodesNilAsNull, Sendable {
        let pin: String
        let matchId: Int64
        let sector: String
        let quantity: Int
        let amountCents: Int
        let currency: String
        let state: State
        let station: String?
        let terminalId: String?
        let holdExpiresAt: Date?
        let orderId: UUID?
        let holderNames: [String]
        let ticketIds: [UUID]
    }

    enum PetrolError: Error {
        case notFound
        case noStation
        case heldElsewhere(station: String)
        case holdExpired
        case notHeldHere
        case locked(retryAfter: Duration)
        case closed(State)
    }

    /// One request row.
    struct Row: Sendable {
        let id: UUID
        let pin: String
        let userID: String
        let email: String?
        let matchID: Int64
        let sector: String
        let attendees: [Orders.Attendee]
        let quantity: Int
        let unitPrice: Int
        let amount: Int
        let currency: String
        let stored: State
        let expiresAt: Date
        let station: String?
        let terminal: String?
        let holdID: UUID?
        let orderID: UUID?
        let holdExpiresAt: Date?
        let paymentReference: String?
        let claimedUntil: Date?
        let now: Date

        /// A hold past its time is over (the seats are freed by inventory's expiry); a PIN past its
        /// time is expired.
        var state: State {
            switch self.stored {
            case .held where (self.holdExpiresAt ?? self.now) <= self.now: self.expiresAt <= self.now ? .expired : .pending
            case .pending where self.expiresAt <= self.now: .expired
            default: self.stored
            }
        }

        var names: [String] { self.attendees.map { "\($0.person.firstName) \($0.person.lastName)" } }

        var request: PinRequest {
            let held = self.state == .held
            return PinRequest(
                id: self.id, pin: self.pin, matchId: self.matchID, sector: self.sector, quantity: self.quantity, unitPriceCents: self.unitPrice,
                amountCents: self.amount, currency: self.currency, state: self.state, expiresAt: self.expiresAt,
                station: held || self.state == .confirmed ? self.station : nil, holdExpiresAt: held ? self.holdExpiresAt : nil,
                orderId: self.state == .confirmed ? self.orderID : nil, holderNames: self.names)
        }

        func till(tickets: [UUID] = []) -> TillView {
            let held = self.state == .held || self.state == .confirmed
            return TillView(
                pin: self.pin, matchId: self.matchID, sector: self.sector, quantity: self.quantity, amountCents: self.amount,
                currency: self.currency, state: self.state, station: held ? self.station : nil, terminalId: held ? self.terminal : nil,
                holdExpiresAt: self.state == .held ? self.holdExpiresAt : nil, orderId: held ? self.orderID : nil, holderNames: self.names,
                ticketIds: tickets)
        }
    }

    static let columns = """
        id, pin, user_id, email, match_id, sector_code, attendees::text, quantity, unit_price_cents, amount_cents, currency, state, expires_at,
        station, terminal, hold_id, order_id, hold_expires_at, payment_reference, claimed_until, now()
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Row] {
        var out: [Row] = []
        for try await raw in rows {
            let r = raw.makeRandomAccess()
            func col<T: PostgresDecodable>(_ i: Int, _: T.Type) throws -> T { try r[i].decode(T.self, context: .default) }
            let attendees = try JSONDecoder().decode([Orders.Attendee].self, from: Data(try col(6, String.self).utf8))
            out.append(
                Row(
                    id: try col(0, UUID.self), pin: try col(1, String.self), userID: try col(2, String.self), email: try col(3, String?.self),
                    matchID: try col(4, Int64.self), sector: try col(5, String.self), attendees: attendees, quantity: try col(7, Int.self),
                    unitPrice: try col(8, Int.self), amount: try col(9, Int.self), currency: try col(10, String.self),
                    stored: State(rawValue: try col(11, String.self)) ?? .pending, expiresAt: try col(12, Date.self),
                    station: try col(13, String?.self), terminal: try col(14, String?.self), holdID: try col(15, UUID?.self),
                    orderID: try col(16, UUID?.self), holdExpiresAt: try col(17, Date?.self), paymentReference: try col(18, String?.self),
                    claimedUntil: try col(19, Date?.self), now: try col(20, Date.self)))
        }
        return out
    }

    /// Ten random digits: 10¹⁰ possibilities against a look-up limit of a few per minute per clerk.
    static func newPIN() -> String {
        let value = RandomBytes.make(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 10_000_000_000
        let digits = String(value)
        return String(repeating: "0", count: 10 - digits.count) + digits
    }

    static func seconds(_ d: Duration) -> Double { Double(d.milliseconds) / 1000 }

    // MARK: The fan's request

    static func validate(_ body: PinRequestBody) throws -> (matchID: Int64, wanted: Wanted, attendees: [Orders.Attendee]) {
        var errors: [Problem.FieldError] = []
        if body.matchId == nil || body.matchId! <= 0 { errors.append(.init(field: "match_id", message: "is required (a match id)")) }
        let sector = body.sector?.trimmingCharacters(in: .whitespaces) ?? ""
        let category = body.priceCategory?.trimmingCharacters(in: .whitespaces) ?? ""
        switch (body.sector, body.priceCategory) {
        case (nil, nil): errors.append(.init(field: "sector", message: "is required (a sector code), or price_category"))
        case (.some, .some): errors.append(.init(field: "price_category", message: "name a sector or a price category, not both"))
        case (.some, nil) where sector.isEmpty || sector.count > 40: errors.append(.init(field: "sector", message: "is not a sector code"))
        case (nil, .some) where category.isEmpty || category.count > 40:
            errors.append(.init(field: "price_category", message: "is not a price category"))
        default: break
        }
        let attendees = Orders.validate(attendees: body.attendees, errors: &errors)
        if attendees.count > 10 { errors.append(.init(field: "attendees", message: "at most 10 ticket holders per PIN")) }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (body.matchId!, body.sector != nil ? .sector(sector) : .priceCategory(category), attendees)
    }

    /// The sector to sell from: the one named, or of the price category the open sector with the most
    /// seats left for them.
    private func pick(_ connection: PostgresConnection, matchID: Int64, wanted: Wanted, quantity: Int) async throws
        -> AvailabilityProjection.SectorAvailability
    {
        switch wanted {
        case .sector(let code):
            return try await self.inventory.sectorForSale(connection, matchID: matchID, sector: code)
        case .priceCategory(let category):
            let categories = try await Inventory.priceCategories(connection, matchIDs: [matchID], logger: self.logger)
            var best: AvailabilityProjection.SectorAvailability?
            for (key, value) in categories.sorted(by: { $0.key < $1.key }) where value == category {
                let code = String(key.split(separator: "/", maxSplits: 1).last ?? "")
                let sector = try await self.inventory.sectorForSale(connection, matchID: matchID, sector: code)
                guard sector.open, (sector.priceCents ?? 0) > 0, sector.available >= quantity else { continue }
                if best == nil || sector.available > best!.available { best = sector }
            }
            guard let best else {
                throw Problem.validation(field: "price_category", "no open sector of \(category) has \(quantity) seat(s) left")
            }
            return best
        }
    }

    /// A PIN for the fan's holders, checked now as a purchase would be; one live request per fan and match.
    func request(_ body: PinRequestBody, identity: Identity, actor: Actor) async throws -> PinRequest {
        let (matchID, wanted, attendees) = try Self.validate(body)
        let limit = try await self.limit(matchID, identity.userID)
        if attendees.count > limit {
            throw Problem.validation(field: "attendees", "at most \(limit) ticket(s) per buyer for this match")
        }
        do {
            return try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
                let forSale = try await self.pick(connection, matchID: matchID, wanted: wanted, quantity: attendees.count)
                guard forSale.open, let price = forSale.priceCents, price > 0 else { throw InventoryError.sectorClosed(forSale.code) }
                let hits = try await self.orders.blacklist.check(on: connection, attendees: attendees.map(\.person))
                if !hits.isEmpty { throw Orders.BlacklistRefusal(hits: hits, matchID: matchID) }
                let taken = try await Orders.personsTaken(connection, matchID: matchID, keys: attendees.map(\.personKey), logger: self.logger)
                if !taken.isEmpty {
                    let fields = attendees.enumerated().filter { taken.contains($0.element.personKey) }
                        .map { Problem.FieldError(field: "attendees[\($0.offset)]", message: "already has a ticket or an open order for this match") }
                    throw Problem(TicketingProblems.attendeeHasTicket, detail: "A ticket holder already has a ticket for this match.", errors: fields)
                }
                // Earlier requests past their time are expired now, so that they hold neither their PIN nor the fan's slot.
                try await connection.query(
                    """
                    UPDATE petrol.pin_requests SET state = 'expired'
                    WHERE user_id = \(identity.userID) AND match_id = \(matchID) AND state = 'pending' AND expires_at <= now()
                    """, logger: self.logger)
                let id = UUID.random()
                let json = String(decoding: try JSONEncoder().encode(attendees), as: UTF8.self)
                var writes = PreparedWrites()
                writes.add(
                    """
                    INSERT INTO petrol.pin_requests (id, pin, user_id, email, match_id, sector_code, attendees, quantity, unit_price_cents,
                        amount_cents, expires_at)
                    VALUES (\(id), \(Self.newPIN()), \(identity.userID), \(identity.email), \(matchID), \(forSale.code), \(json)::jsonb,
                        \(attendees.count), \(price), \(price * attendees.count), now() + make_interval(secs => \(Self.seconds(self.settings.pinTTL))))
                    """)
                Audit.add(
                    Audit.Entry(
                        domain: .petrol, action: "pin.requested", actor: actor, subjects: ["pin_request:\(id.lowercased)", "match:\(matchID)"],
                        data: ["sector": .string(forSale.code), "quantity": .number(Double(attendees.count))]), to: &writes)
                do {
                    try await writes.run(on: connection, logger: self.logger)
                } catch  where SQLState.isUniqueViolation(error) {
                    throw PetrolError.closed(.pending)
                }
                let read = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(id)", logger: self.logger)
                guard let row = try await Self.decode(read).first else { throw PetrolError.notFound }
                return row.request
            }
        } catch let refusal as Orders.BlacklistRefusal {
            await self.orders.blacklist.record(refusal.hits, attendees: attendees.map(\.person), matchID: matchID, buyer: actor)
            throw OrdersError.refused(attendees: refusal.hits.map(\.attendeeIndex))
        }
    }

    func request(id: UUID, user: String) async throws -> PinRequest {
        let rows = try await self.postgres.query(
            "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(id) AND user_id = \(user)", logger: self.logger)
        guard let row = try await Self.decode(rows).first else { throw PetrolError.notFound }
        return row.request
    }

    /// The fan withdraws a request not yet sold (a till's hold on it ends with it).
    func cancel(id: UUID, user: String, actor: Actor) async throws -> PinRequest {
        let (row, hold) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> (Row, UUID?) in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM petrol.pin_requests WHERE id = \(id) AND user_id = \(user) FOR UPDATE", logger: self.logger)
            guard let row = try await Self.decode(rows).first else { throw PetrolError.notFound }
            guard row.state == .pending || row.state == .held else { throw PetrolError.closed(row.state) }
            var writes = PreparedWrites()
            writes.add("UPDATE petrol.pin_requests SET state = 'cancelled' WHERE id = \(id)")
            Audit.add(
                Audit.Entry(domain: .petrol, action: "pin.cancelled", actor: actor, subjects: ["pin_request:\(id.lowercased)"]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return (row, row.state == .held ? row.holdID : nil)
        }
        if let hold { _ = try await self.inventory.release(holdID: hold, buyer: nil, reason: .released, actor: actor) }
        return try await self.request(id: row.id, user: user)
    }
}
