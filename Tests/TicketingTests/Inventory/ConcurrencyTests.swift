import Foundation
import HNSPostgres
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct ConcurrencyTests {
    /// Hundreds of buyers race for a small sector: no seat is held twice, every seat ends up held,
    /// and nobody holds more than the limit.
    @Test func hundreds_of_buyers_never_share_a_seat() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let match = try await h.matchOnSale(maxPerBuyer: 3, rows: 3, seats: 10)  // sector A: 30 seats
            let buyers = 200
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for i in 0..<buyers {
                    group.addTask {
                        // Each buyer tries twice (2 then 2): the second must hit the limit of 3.
                        var held: [Int] = []
                        for quantity in [2, 2] {
                            let reply = try await h.hold(match, user: "buyer-\(i)", quantity: quantity)
                            if reply.status == 201 {
                                held += (reply.object["seats"] as! [[String: Any]]).map { $0["unit_id"] as! Int }
                            } else {
                                #expect([409, 503].contains(reply.status), "\(reply.body)")
                            }
                        }
                        return held
                    }
                }
                var all: [[Int]] = []
                for try await held in group { all.append(held) }
                return all
            }
            let seats = results.flatMap { $0 }
            #expect(Set(seats).count == seats.count, "a seat was handed out twice")
            #expect(seats.count == 30, "every seat of the sector is held")
            #expect(results.allSatisfy { $0.count <= 3 })
            // The database agrees: each held unit belongs to exactly one active hold.
            let rows = try await h.query(
                """
                SELECT count(*)::int FROM inventory.units u JOIN inventory.holds o ON o.id = u.hold_id
                WHERE u.match_id = \(match) AND u.sector_code = 'A' AND u.status = 'held' AND o.state = 'active'
                """, as: Int.self)
            #expect(rows == [30])
            let counts = try await h.query(
                "SELECT available FROM inventory.sector_counts WHERE match_id = \(match) AND sector_code = 'A'", as: Int.self)
            #expect(counts == [0])
            let overLimit = try await h.query(
                "SELECT count(*)::int FROM inventory.buyer_counts WHERE match_id = \(match) AND held > 3", as: Int.self)
            #expect(overLimit == [0])
        }
    }

    /// The constraint, not only the code path, forbids a second hold on a seat.
    @Test func the_schema_refuses_a_seat_in_two_states() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let match = try await h.matchOnSale()
            let hold = try await h.hold(match, user: "fan", quantity: 1)
            let unit = Int64((hold.object["seats"] as! [[String: Any]])[0]["unit_id"] as! Int)
            // Both refused by a CHECK constraint (23514), not by anything else that might go wrong.
            let available = await #expect(throws: (any Error).self) {
                try await h.db.withClient { client in
                    try await client.query("UPDATE inventory.units SET status = 'available' WHERE id = \(unit)", logger: TicketingHarness.logger)
                }
            }
            #expect(available.flatMap(SQLState.of) == "23514", "\(String(reflecting: available))")
            let unheld = await #expect(throws: (any Error).self) {
                try await h.db.withClient { client in
                    try await client.query("UPDATE inventory.units SET hold_id = NULL WHERE id = \(unit)", logger: TicketingHarness.logger)
                }
            }
            #expect(unheld.flatMap(SQLState.of) == "23514", "\(String(reflecting: unheld))")
        }
    }
}
