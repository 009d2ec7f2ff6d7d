import Foundation
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct AwayMatchTests {
    @Test func away_capacity_gets_seats_with_each_hold_kept_together() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let admin = try await TicketingHarness.admin()
            let created = try await h.call(
                "POST", "/api/v1/admin/matches", token: admin,
                json: """
                    {"competition":"UEFA Nations League","opponent":"Portugal","venue_kind":"away","venue":"Estádio da Luz",
                     "kickoff":"2030-09-09T18:45:00Z","max_tickets_per_buyer":8,"prices":{"AWAY":4000},
                     "away_sectors":[{"code":"A","name":"Gostujući","price_category":"AWAY","capacity":20}]}
                    """)
            #expect(created.status == 201)
            let match = Int64(created.object["id"] as! Int)
            for state in ["published", "on_sale"] {
                _ = try await h.call("POST", "/api/v1/admin/matches/\(match)/state", token: admin, json: #"{"state":"\#(state)"}"#)
            }
            var holds: [String: Int] = [:]
            for (user, n) in [("a", 3), ("b", 5), ("c", 2), ("d", 4)] {
                let reply = try await h.hold(match, user: user, quantity: n)
                #expect(reply.status == 201)
                #expect((reply.object["seats"] as! [[String: Any]]).allSatisfy { $0["row"] == nil || $0["row"] is NSNull })
                holds[reply.object["id"] as! String] = n
            }
            // The away ground's seat map arrives: sector A has 3 rows of 10.
            let stadium = try await h.importStadium(TicketingHarness.smallStadium())
            let attached = try await h.call("POST", "/api/v1/admin/matches/\(match)/seat-map", token: admin, json: "{\"stadium_id\":\(stadium)}")
            #expect(attached.status == 200, "\(attached.body)")
            #expect(attached.object["assigned_units"] as? Int == 20)
            for (id, n) in holds {
                let seats = try await h.query(
                    """
                    SELECT row_label || ':' || seat_number FROM inventory.units WHERE hold_id = \(UUID(uuidString: id)!) ORDER BY seat_number
                    """, as: String.self)
                #expect(seats.count == n)
                let rows = Set(seats.map { $0.split(separator: ":")[0] })
                let numbers = seats.map { Int($0.split(separator: ":")[1])! }
                #expect(rows.count == 1, "hold of \(n) split over rows: \(seats)")
                #expect(numbers == Array(numbers[0]..<(numbers[0] + n)), "hold of \(n) not adjacent: \(seats)")
            }
            let labels = try await h.query(
                "SELECT count(DISTINCT (row_label, seat_label))::int FROM inventory.units WHERE match_id = \(match)", as: Int.self)
            #expect(labels == [20])
            let kind = try await h.query("SELECT kind FROM inventory.sectors WHERE match_id = \(match)", as: String.self)
            #expect(kind == ["numbered"])
            // A second attachment has nothing to seat.
            #expect(
                try await h.call("POST", "/api/v1/admin/matches/\(match)/seat-map", token: admin, json: "{\"stadium_id\":\(stadium)}").status == 409)
        }
    }
}
