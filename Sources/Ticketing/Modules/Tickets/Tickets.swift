import Crypto
import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import HTTPTypes
import Logging
import PostgresNIO

/// E9: tickets (one per attendee and seat) and the wallet that shows them. A ticket's barcode is
/// 160 random bits: the QR content, and what access control exports.
struct Tickets: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    /// The seed's rules: the QR shows from kick-off − 5 h and may be kept offline for 24 h.
    static let qrVisibleBefore: TimeInterval = 5 * 3600
    static let offlineCache: TimeInterval = 24 * 3600

    struct NewTicket: Sendable {
        /// Chosen when the order was placed, so the order can name its tickets without reading ours.
        let id: UUID
        let unitID: Int64
        let position: Int
        let holderName: String
        let sector: String
        let row: String?
        let seat: String?
        /// Nil: the buyer's wallet. Else it waits for whoever signs in with this email.
        let deliverToEmail: String?
    }

    struct Issued: Sendable, Codable, Equatable {
        let id: UUID
        let position: Int
        let barcode: String
        let deliverToEmail: String?
    }

    static func newBarcode() -> String {
        "HNS1"
            + Data(RandomBytes.make(20)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Issues the order's tickets as a part of the caller's closing statement (the one that records
    /// the payment). The order's state machine issues them once; a second issue for the order, or a
    /// seat already on a valid ticket, fails the statement (`UNIQUE (order_id, position)`, `tickets_seat`).
    static func add(orderID: UUID, matchID: Int64, buyer: String, tickets: [NewTicket], to writes: inout PreparedWrites) -> [Issued] {
        guard !tickets.isEmpty else { return [] }
        let issued = tickets.map { Issued(id: $0.id, position: $0.position, barcode: Self.newBarcode(), deliverToEmail: $0.deliverToEmail) }
        let rows: [PreparedWrites.Part] = zip(tickets, issued).map { t, made in
            """
            (\(made.id), \(orderID), \(matchID), \(t.unitID), \(t.position), \(made.barcode), \(t.holderName), \(t.sector), \(t.row),
             \(t.seat), \(t.deliverToEmail == nil ? buyer : nil), \(t.deliverToEmail))
            """
        }
        writes.add(
            """
            INSERT INTO tickets.tickets (id, order_id, match_id, unit_id, position, barcode, holder_name, sector_code, row_label,
                                         seat_label, holder_user_id, deliver_to_email) VALUES
            """ + .list(rows))
        return issued.sorted { $0.position < $1.position }
    }

    /// The audit entry of an order's tickets (E9): their ids, not their barcodes.
    static func entry(issued: [Issued], orderID: UUID, matchID: Int64) -> Audit.Entry {
        Audit.Entry(
            domain: .ticketManagement, action: "tickets.issued", actor: .service("system"),
            subjects: ["order:\(orderID.lowercased)", "match:\(matchID)"],
            data: ["ticket_ids": .array(issued.map { .string($0.id.lowercased) })])
    }

    /// Gives valid tickets the seat labels an AWAY match's seat map assigned to their units (the gates'
    /// next export lists them again, with their seats).
    static func relabel(_ connection: PostgresConnection, matchID: Int64, seats: [Inventory.Relabelled], logger: Logger) async throws {
        guard !seats.isEmpty else { return }
        try await connection.query(
            """
            UPDATE tickets.tickets t SET sector_code = s.sector, row_label = s.row_label, seat_label = s.seat_label,
                   code_xid = pg_current_xact_id()
            FROM unnest(\(seats.map(\.unitID))::bigint[], \(seats.map(\.sector))::text[], \(seats.map(\.row))::text[], \(seats.map(\.seat))::text[])
                 AS s(unit_id, sector, row_label, seat_label)
            WHERE t.match_id = \(matchID) AND t.unit_id = s.unit_id AND t.status <> 'void'
            """, logger: logger)
    }

    struct WalletTicket: Encodable, Sendable, Equatable {
        let id: UUID
        let orderId: UUID
        let matchId: Int64
        let position: Int
        let holderName: String
        let sector: String
        let row: String?
        let seat: String?
        let status: String
        let issuedAt: Date
        /// The barcode, only from `qrVisibleFrom` on.
        let qr: String?
        let qrVisibleFrom: Date
        /// Until when the app may keep the QR for offline entry (set once it is visible).
        let cacheUntil: Date?
        /// The ticket was sent to this email and is shown in this wallet because it signed in with it.
        let deliveredToEmail: String?

        enum CodingKeys: String, CodingKey {
            case id, orderId, matchId, position, holderName, sector, row, seat, status, issuedAt, qr, qrVisibleFrom, cacheUntil, deliveredToEmail
        }

        /// `qr` and `cache_until` are always present (null until kick-off − 5 h), so the app can tell
        /// "not yet" from an old server.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(self.id, forKey: .id)
            try c.encode(self.orderId, forKey: .orderId)
            try c.encode(self.matchId, forKey: .matchId)
            try c.encode(self.position, forKey: .position)
            try c.encode(self.holderName, forKey: .holderName)
            try c.encode(self.sector, forKey: .sector)
            try c.encode(self.row, forKey: .row)
            try c.encode(self.seat, forKey: .seat)
            try c.encode(self.status, forKey: .status)
            try c.encode(self.issuedAt, forKey: .issuedAt)
            try c.encode(self.qr, forKey: .qr)
            try c.encode(self.qrVisibleFrom, forKey: .qrVisibleFrom)
            try c.encode(self.cacheUntil, forKey: .cacheUntil)
            try c.encodeIfPresent(self.deliveredToEmail, forKey: .deliveredToEmail)
        }
    }

    /// The tickets in `user`'s wallet. Tickets sent to the user's email that nobody has claimed yet
    /// are claimed by this read, so they appear the first time the person signs in.
    func wallet(
        user: String, email: String?, actor: Actor, kickoff: @Sendable (Int64) async throws -> Date, now: Date = Date()
    ) async throws -> [WalletTicket] {
        if let email, !email.isEmpty {
            try await self.postgres.withTransaction(logger: self.logger) { connection in
                var writes = PreparedWrites()
                let claimed = writes.add(
                    """
                    UPDATE tickets.tickets SET holder_user_id = \(user)
                    WHERE holder_user_id IS NULL AND lower(deliver_to_email) = lower(\(email)) RETURNING id, order_id
                    """)
                let rows = try await writes.run(on: connection, select: "SELECT id, order_id FROM \(claimed)", logger: self.logger)
                var byOrder: [UUID: [UUID]] = [:]
                for row in rows {
                    let (id, order) = try row.decode((UUID, UUID).self)
                    byOrder[order, default: []].append(id)
                }
                guard !byOrder.isEmpty else { return }
                // Claimed by signing in with the email they were sent to (E9).
                try await Audit.write(
                    byOrder.sorted { $0.key.uuidString < $1.key.uuidString }.map { order, ids in
                        Audit.Entry(
                            domain: .ticketManagement, action: "tickets.claimed", actor: actor,
                            subjects: ["order:\(order.lowercased)", "user:\(user)"],
                            data: ["ticket_ids": .array(ids.map { .string($0.lowercased) })])
                    }, on: connection, logger: self.logger)
            }
        }
        let rows = try await self.postgres.prepared(
            """
            SELECT id, order_id, match_id, position, holder_name, sector_code, row_label, seat_label, status, issued_at, barcode, deliver_to_email
            FROM tickets.tickets WHERE holder_user_id = \(user) ORDER BY issued_at DESC, order_id, position
            """, logger: self.logger)
        var raw: [(UUID, UUID, Int64, Int, String, String, String?, String?, String, Date, String, String?)] = []
        for try await row in rows.decode((UUID, UUID, Int64, Int, String, String, String?, String?, String, Date, String, String?).self) {
            raw.append(row)
        }
        var kickoffs: [Int64: Date] = [:]
        var out: [WalletTicket] = []
        for (id, order, match, position, name, sector, row, seat, status, issued, barcode, email) in raw {
            if kickoffs[match] == nil { kickoffs[match] = try await kickoff(match) }
            let visibleFrom = kickoffs[match]!.addingTimeInterval(-Self.qrVisibleBefore)
            let visible = now >= visibleFrom && status != "void"
            out.append(
                WalletTicket(
                    id: id, orderId: order, matchId: match, position: position, holderName: name, sector: sector, row: row, seat: seat,
                    status: status, issuedAt: issued, qr: visible ? barcode : nil, qrVisibleFrom: visibleFrom,
                    cacheUntil: visible ? now.addingTimeInterval(Self.offlineCache) : nil, deliveredToEmail: email))
        }
        return out
    }
}
