import Foundation
import HNSCore
import HNSPostgres
import HTTPTypes
import Logging
import PostgresNIO

/// Creating a match's inventory, applying configuration changes to it, and attaching a seat map
/// to an AWAY match. Each runs inside the caller's transaction.
extension Inventory {
    struct AwaySector: Codable, Sendable, Equatable {
        var code: String
        var name: String
        var stand: String?
        var gate: String?
        var priceCategory: String
        var capacity: Int
        enum CodingKeys: String, CodingKey {
            case code, name, stand, gate
            case priceCategory = "price_category"
            case capacity
        }
    }

    /// Copies a stadium template into units (HOME), or creates non-numbered capacity (AWAY).
    func materialize(
        _ connection: PostgresConnection, matchID: Int64, template: StadiumTemplate?, away: [AwaySector], prices: [String: Int], actor: Actor
    ) async throws {
        var counts: [(String, Int)] = []
        if let template {
            for sector in template.sectors {
                try await connection.query(
                    """
                    INSERT INTO inventory.sectors (match_id, code, name, stand, gate, kind, price_category, price_cents)
                    VALUES (\(matchID), \(sector.code), \(sector.name), \(sector.stand), \(sector.gate),
                            \(sector.kind == .numbered ? "numbered" : "standing"), \(sector.priceCategory), \(prices[sector.priceCategory]))
                    """, logger: self.logger)
                if sector.kind == .numbered {
                    var (rows, labels, numbers, priorities, snakes, accessible, restricted, xs, ys) =
                        ([String](), [String](), [Int](), [Int](), [Int](), [Bool](), [Bool](), [Double](), [Double]())
                    for row in sector.rows {
                        for seat in row.seats {
                            rows.append(row.label)
                            labels.append(seat.label)
                            numbers.append(seat.number)
                            priorities.append(row.rowPriority)
                            snakes.append(seat.snakeOrder)
                            accessible.append(seat.accessible)
                            restricted.append(seat.restrictedView)
                            xs.append(seat.x)
                            ys.append(seat.y)
                        }
                    }
                    try await connection.query(
                        """
                        INSERT INTO inventory.units (match_id, sector_code, row_label, seat_label, seat_number, row_priority,
                                                     snake_order, accessible, restricted_view, x, y)
                        SELECT \(matchID), \(sector.code), r, l, n, p, s, a, rv, x, y
                        FROM unnest(\(rows)::text[], \(labels)::text[], \(numbers)::int[], \(priorities)::int[], \(snakes)::int[],
                                    \(accessible)::bool[], \(restricted)::bool[], \(xs)::float8[], \(ys)::float8[])
                             AS t(r, l, n, p, s, a, rv, x, y)
                        """, logger: self.logger)
                    counts.append((sector.code, rows.count))
                } else {
                    try await self.insertCapacity(connection, matchID: matchID, sector: sector.code, capacity: sector.capacity ?? 0)
                    counts.append((sector.code, sector.capacity ?? 0))
                }
            }
        } else {
            for sector in away {
                try await connection.query(
                    """
                    INSERT INTO inventory.sectors (match_id, code, name, stand, gate, kind, price_category, price_cents)
                    VALUES (\(matchID), \(sector.code), \(sector.name), \(sector.stand ?? "away"), \(sector.gate ?? "-"),
                            'unassigned', \(sector.priceCategory), \(prices[sector.priceCategory]))
                    """, logger: self.logger)
                try await self.insertCapacity(connection, matchID: matchID, sector: sector.code, capacity: sector.capacity)
                counts.append((sector.code, sector.capacity))
            }
        }
        for (code, n) in counts {
            try await connection.query(
                "INSERT INTO inventory.sector_counts (match_id, sector_code, available) VALUES (\(matchID), \(code), \(n))",
                logger: self.logger)
        }
        try await Audit.write(
            Audit.Entry(
                domain: .seatInventory, action: "inventory.created", actor: actor, subjects: ["match:\(matchID)"],
                data: ["units": .number(Double(counts.reduce(0) { $0 + $1.1 }))]),
            on: connection, logger: self.logger)
    }

    private func insertCapacity(_ connection: PostgresConnection, matchID: Int64, sector: String, capacity: Int) async throws {
        try await connection.query(
            """
            INSERT INTO inventory.units (match_id, sector_code, snake_order)
            SELECT \(matchID), \(sector), n FROM generate_series(1, \(capacity)) n
            """, logger: self.logger)
    }

    struct Conflict: Codable, Sendable, Equatable {
        let change: String
        let sector: String
        let row: String?
        let seat: String?
        let unitId: Int64
        let status: String
        enum CodingKeys: String, CodingKey {
            case change, sector, row, seat
            case unitId = "unit_id"
            case status
        }
    }

    /// Applies a validated configuration change to the units. Throws 409 with every conflict —
    /// a held or sold seat the change would touch — before writing anything.
    func apply(_ connection: PostgresConnection, matchID: Int64, change: MatchConfig.Change, old: MatchConfig, new: MatchConfig, actor: Actor)
        async throws
    {
        var conflicts: [Conflict] = []
        func units(_ sql: PostgresQuery, change: String) async throws {
            let rows = try await connection.query(sql, logger: self.logger)
            for try await (id, sector, row, seat, status) in rows.decode((Int64, String, String?, String?, String).self) {
                conflicts.append(Conflict(change: change, sector: sector, row: row, seat: seat, unitId: id, status: status))
            }
        }
        let closing = change.closeSectors ?? []
        if !closing.isEmpty {
            try await units(
                """
                SELECT id, sector_code, row_label, seat_label, status FROM inventory.units
                WHERE match_id = \(matchID) AND sector_code = ANY(\(closing)) AND status = 'held' ORDER BY id FOR UPDATE
                """, change: "close_sector")
        }
        let recategorised = (change.sectorPriceCategories ?? [:]).filter { old.sectors[$0.key]?.priceCategory != $0.value }.map(\.key)
        if !recategorised.isEmpty {
            try await units(
                """
                SELECT id, sector_code, row_label, seat_label, status FROM inventory.units
                WHERE match_id = \(matchID) AND sector_code = ANY(\(recategorised)) AND status IN ('held', 'sold') ORDER BY id FOR UPDATE
                """, change: "price_category")
        }
        let repriced = (change.prices ?? [:]).filter { old.prices[$0.key] != $0.value }.map(\.key)
        let repricedSectors = new.sectors.filter { repriced.contains($0.value.priceCategory) }.map(\.key)
        if !repricedSectors.isEmpty {
            try await units(
                """
                SELECT id, sector_code, row_label, seat_label, status FROM inventory.units
                WHERE match_id = \(matchID) AND sector_code = ANY(\(repricedSectors)) AND status = 'held' ORDER BY id FOR UPDATE
                """, change: "price")
        }
        // Seats to block / unblock, resolved by label; unknown labels are field errors.
        var blockIDs: [(Int64, MatchConfig.Blocked)] = []
        var fieldErrors: [Problem.FieldError] = []
        for (i, seat) in (change.block ?? []).enumerated() {
            let rows = try await connection.query(
                """
                SELECT id, sector_code, row_label, seat_label, status FROM inventory.units
                WHERE match_id = \(matchID) AND sector_code = \(seat.sector) AND row_label = \(seat.row) AND seat_label = \(seat.seat)
                FOR UPDATE
                """, logger: self.logger)
            var found = false
            for try await (id, sector, row, label, status) in rows.decode((Int64, String, String?, String?, String).self) {
                found = true
                if status == "held" || status == "sold" || status == "allocated" {
                    conflicts.append(Conflict(change: "block", sector: sector, row: row, seat: label, unitId: id, status: status))
                } else {
                    blockIDs.append((id, seat))
                }
            }
            if !found { fieldErrors.append(.init(field: "block[\(i)]", message: "no seat \(seat.ref.label)")) }
        }
        guard fieldErrors.isEmpty else { throw Problem.validation(fieldErrors, detail: "The configuration change names unknown seats.") }
        guard conflicts.isEmpty else {
            let encoded = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(conflicts))
            throw Problem(
                TicketingProblems.configConflict,
                detail: "The change would touch \(conflicts.count) held or sold seats; nothing was changed.",
                extensions: ["conflicts": encoded])
        }

        var touched = Set<String>()
        for code in closing + (change.openSectors ?? []) {
            try await connection.query(
                "UPDATE inventory.sectors SET open = \(new.sectors[code]!.open) WHERE match_id = \(matchID) AND code = \(code)", logger: self.logger)
            try await self.record(
                connection, matchID: matchID, kind: new.sectors[code]!.open ? "sector_opened" : "sector_closed", sector: code, units: [], actor: actor
            )
            touched.insert(code)
        }
        // The sector keeps its price (what a hold is sold at): set with the category, or when the category's price changes.
        // (A sector opened or closed by the same change is repriced too.)
        var repricedOnce = Set<String>()
        for code in recategorised + repricedSectors where repricedOnce.insert(code).inserted {
            let category = new.sectors[code]!.priceCategory
            try await connection.query(
                """
                UPDATE inventory.sectors SET price_category = \(category), price_cents = \(new.prices[category])
                WHERE match_id = \(matchID) AND code = \(code)
                """, logger: self.logger)
            try await self.record(connection, matchID: matchID, kind: "price_changed", sector: code, units: [], actor: actor)
            touched.insert(code)
        }
        for (id, seat) in blockIDs {
            try await connection.query(
                "UPDATE inventory.units SET status = 'blocked', block_reason = \(seat.reason) WHERE id = \(id) AND status = 'available'",
                logger: self.logger)
            try await self.bumpCounts(connection, matchID: matchID, sector: seat.sector, available: -1, blocked: 1)
            try await self.record(connection, matchID: matchID, kind: "blocked", sector: seat.sector, units: [id], actor: actor)
        }
        for seat in change.unblock ?? [] {
            let rows = try await connection.query(
                """
                UPDATE inventory.units SET status = 'available', block_reason = NULL
                WHERE match_id = \(matchID) AND sector_code = \(seat.sector) AND row_label = \(seat.row) AND seat_label = \(seat.seat)
                  AND status = 'blocked' RETURNING id
                """, logger: self.logger)
            for try await id in rows.decode(Int64.self) {
                try await self.bumpCounts(connection, matchID: matchID, sector: seat.sector, available: 1, blocked: -1)
                try await self.record(connection, matchID: matchID, kind: "unblocked", sector: seat.sector, units: [id], actor: actor)
            }
        }
        // Sector-level changes alter the projection too: a new version makes the push win.
        for code in touched { try await self.bumpCounts(connection, matchID: matchID, sector: code) }
    }

    func record(_ connection: PostgresConnection, matchID: Int64, kind: String, sector: String?, units: [Int64], actor: Actor) async throws {
        try await Audit.write(
            Self.entry("inventory.\(kind)", matchID: matchID, hold: nil, sector: sector, units: units, actor: actor),
            on: connection, logger: self.logger)
    }

    /// A unit that got a concrete seat from an AWAY match's seat map: its new labels, for the
    /// modules that keep a copy of them (orders' attendees, tickets).
    struct Relabelled: Sendable, Equatable {
        let unitID: Int64
        let sector: String
        let row: String
        let seat: String
    }

    /// AWAY: gives every unit of each not-yet-mapped sector a concrete seat of the template's
    /// sector with the same code. Units of one hold stay together (snake algorithm); the rest take
    /// the best seats left in snake order.
    func attachSeatMap(_ connection: PostgresConnection, matchID: Int64, template: StadiumTemplate, actor: Actor) async throws -> [Relabelled] {
        let rows = try await connection.query(
            "SELECT code FROM inventory.sectors WHERE match_id = \(matchID) AND kind = 'unassigned' ORDER BY code FOR UPDATE",
            logger: self.logger)
        var codes: [String] = []
        for try await code in rows.decode(String.self) { codes.append(code) }
        guard !codes.isEmpty else {
            throw Problem(TicketingProblems.noUnassignedSectors, detail: "This match has no sectors waiting for a seat map.")
        }
        var assigned: [Relabelled] = []
        var errors: [Problem.FieldError] = []
        for code in codes {
            guard let sector = template.sectors.first(where: { $0.code == code && $0.kind == .numbered }) else {
                errors.append(.init(field: "stadium_id", message: "the seat map has no numbered sector \(code)"))
                continue
            }
            var seats: [SeatCandidate] = []
            var byUnit: [Int64: (String, StadiumTemplate.Seat, Int)] = [:]
            var index: Int64 = 0
            for row in sector.rows {
                for seat in row.seats {
                    index += 1
                    seats.append(
                        SeatCandidate(unitID: index, row: row.label, rowPriority: row.rowPriority, number: seat.number, snakeOrder: seat.snakeOrder))
                    byUnit[index] = (row.label, seat, row.rowPriority)
                }
            }
            // Groups: each hold's units (in hold order), then every other unit alone.
            let unitRows = try await connection.query(
                """
                SELECT u.id, u.hold_id FROM inventory.units u LEFT JOIN inventory.holds h ON h.id = u.hold_id
                WHERE u.match_id = \(matchID) AND u.sector_code = \(code)
                ORDER BY h.created_at NULLS LAST, u.hold_id, u.snake_order FOR UPDATE OF u
                """, logger: self.logger)
            var groupOrder: [String] = []
            var members: [String: [Int64]] = [:]
            for try await (id, hold) in unitRows.decode((Int64, UUID?).self) {
                let key = hold.map { "h:\($0)" } ?? "u:\(id)"
                if members[key] == nil { groupOrder.append(key) }
                members[key, default: []].append(id)
            }
            let unitCount = members.values.reduce(0) { $0 + $1.count }
            guard unitCount <= seats.count else {
                errors.append(
                    .init(field: "stadium_id", message: "sector \(code) has \(unitCount) places but the seat map only \(seats.count) seats"))
                continue
            }
            let groups = groupOrder.map { (key: $0, size: members[$0]!.count) }
            guard let placement = SeatSelection.assign(groups: groups, seats: seats) else {
                errors.append(.init(field: "stadium_id", message: "sector \(code) cannot seat its \(unitCount) places"))
                continue
            }
            var (ids, rowsOut, labels, numbers, priorities, snakes, accessible, restricted, xs, ys) =
                ([Int64](), [String](), [String](), [Int](), [Int](), [Int](), [Bool](), [Bool](), [Double](), [Double]())
            for key in groupOrder {
                let seatsOfGroup = placement[key]!.sorted { $0.snakeOrder < $1.snakeOrder }
                for (unit, candidate) in zip(members[key]!, seatsOfGroup) {
                    let (rowLabel, seat, priority) = byUnit[candidate.unitID]!
                    ids.append(unit)
                    rowsOut.append(rowLabel)
                    labels.append(seat.label)
                    numbers.append(seat.number)
                    priorities.append(priority)
                    snakes.append(seat.snakeOrder)
                    accessible.append(seat.accessible)
                    restricted.append(seat.restrictedView)
                    xs.append(seat.x)
                    ys.append(seat.y)
                }
            }
            // Move the placeholder snake orders out of the way first: the unique index is checked row by row.
            try await connection.query(
                "UPDATE inventory.units SET snake_order = -snake_order WHERE match_id = \(matchID) AND sector_code = \(code)", logger: self.logger)
            try await connection.query(
                """
                UPDATE inventory.units u SET row_label = t.r, seat_label = t.l, seat_number = t.n, row_priority = t.p, snake_order = t.s,
                       accessible = t.a, restricted_view = t.rv, x = t.x, y = t.y
                FROM unnest(\(ids)::bigint[], \(rowsOut)::text[], \(labels)::text[], \(numbers)::int[], \(priorities)::int[],
                            \(snakes)::int[], \(accessible)::bool[], \(restricted)::bool[], \(xs)::float8[], \(ys)::float8[])
                     AS t(id, r, l, n, p, s, a, rv, x, y)
                WHERE u.id = t.id
                """, logger: self.logger)
            try await connection.query(
                "UPDATE inventory.sectors SET kind = 'numbered', stand = \(sector.stand), gate = \(sector.gate) WHERE match_id = \(matchID) AND code = \(code)",
                logger: self.logger)
            try await self.bumpCounts(connection, matchID: matchID, sector: code)
            try await self.record(connection, matchID: matchID, kind: "assigned", sector: code, units: ids, actor: actor)
            assigned += zip(ids, zip(rowsOut, labels)).map { Relabelled(unitID: $0, sector: code, row: $1.0, seat: $1.1) }
        }
        guard errors.isEmpty else { throw Problem.validation(errors, detail: "The seat map does not fit this match.") }
        return assigned
    }
}

extension Inventory {
    /// Each sector's price category, for the matches given (the financial report's grouping).
    static func priceCategories(_ connection: PostgresConnection, matchIDs: [Int64], logger: Logger) async throws -> [String: String] {
        let rows = try await connection.query(
            "SELECT match_id, code, price_category FROM inventory.sectors WHERE match_id = ANY(\(matchIDs))", logger: logger)
        var out: [String: String] = [:]
        for try await (match, code, category) in rows.decode((Int64, String, String).self) { out["\(match)/\(code)"] = category }
        return out
    }
}
