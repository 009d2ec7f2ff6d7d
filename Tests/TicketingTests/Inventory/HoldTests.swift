import Foundation
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct HoldTests {
    @Test func best_available_holds_seats_together_and_the_counts_follow() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let match = try await h.matchOnSale()
            let hold = try await h.hold(match, user: "fan-1", quantity: 4)
            #expect(hold.status == 201)
            let seats = hold.object["seats"] as! [[String: Any]]
            #expect(seats.count == 4)
            #expect(Set(seats.map { $0["row"] as! String }) == ["1"])
            let numbers = seats.map { Int($0["seat"] as! String)! }.sorted()
            #expect(numbers == Array(numbers[0]...(numbers[0] + 3)))

            let availability = try await h.call("GET", "/api/v1/matches/\(match)/availability")
            let a = (availability.object["sectors"] as! [[String: Any]]).first { $0["code"] as? String == "A" }!
            #expect(a["available"] as? Int == 26 && a["held"] as? Int == 4 && a["price_cents"] as? Int == 5000)
            // The copy in Redis is what the queue reads for seats-aware admission.
            let left = try await RedisTestServer.withClient { redis in try await redis.get("hns:match:\(match):seats_left") }
            #expect(left == String(26 + 30 + 50))

            let map = try await h.call("GET", "/api/v1/matches/\(match)/sectors/A/seats")
            let statuses = (map.object["seats"] as! [[String: Any]]).map { $0["status"] as! String }
            #expect(statuses.filter { $0 == "held" }.count == 4)

            // Standing: capacity only.
            let standing = try await h.hold(match, user: "fan-2", sector: "S", quantity: 3)
            #expect(standing.status == 201)
        }
    }

    @Test func chosen_seats_limits_release_and_refusals() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let match = try await h.matchOnSale(maxPerBuyer: 3)
            let map = try await h.call("GET", "/api/v1/matches/\(match)/sectors/B/seats")
            let ids = (map.object["seats"] as! [[String: Any]]).prefix(3).map { $0["unit_id"] as! Int }
            let me = try await TicketingHarness.token(user: "picker")
            let chosen = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: me, json: "{\"seats\":[\(ids[0]),\(ids[1])]}")
            #expect(chosen.status == 201)
            let other = try await TicketingHarness.token(user: "late")
            let taken = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: other, json: "{\"seats\":[\(ids[1]),\(ids[2])]}")
            #expect(taken.status == 409)
            #expect((taken.object["unavailable_unit_ids"] as? [Int]) == [ids[1]])
            // The refused request held nothing.
            #expect(try await h.query("SELECT status FROM inventory.units WHERE id = \(Int64(ids[2]))", as: String.self) == ["available"])

            let limit = try await h.hold(match, user: "picker", quantity: 2)
            #expect(limit.status == 409 && limit.fields == ["quantity"])
            #expect(try await h.hold(match, user: "picker", quantity: 1).status == 201)

            let bad = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: me, json: #"{"sector":"A","quantity":0}"#)
            #expect(bad.status == 422 && bad.fields == ["quantity"])
            let unknown = try await h.hold(match, user: "x", sector: "ZZ", quantity: 1)
            #expect(unknown.status == 404)

            // Releasing frees the seats and the buyer's allowance; another user cannot see or end it.
            let holdID = chosen.object["id"] as! String
            #expect(try await h.call("DELETE", "/api/v1/holds/\(holdID)", token: other).status == 404)
            #expect(try await h.call("DELETE", "/api/v1/holds/\(holdID)", token: me).status == 204)
            #expect(try await h.call("DELETE", "/api/v1/holds/\(holdID)", token: me).status == 409)
            #expect(try await h.call("GET", "/api/v1/holds/\(holdID)", token: me).object["state"] as? String == "released")
            #expect(try await h.hold(match, user: "picker", quantity: 2).status == 201)
            let audit = try await h.query(
                "SELECT action FROM audit.entries WHERE \("match:\(match)") = ANY(subjects) AND domain = 'E3' AND action LIKE 'hold.%' ORDER BY id",
                as: String.self)
            #expect(audit == ["hold.created", "hold.created", "hold.released", "hold.created"])
        }
    }

    @Test func a_hold_ends_when_its_redis_key_expires() async throws {
        // The sweeper runs hourly here, so only the key's expiry can end the hold in time.
        try await TicketingHarness.with(holdTTL: "2s", sweep: "1h") { h async throws -> Void in
            let match = try await h.matchOnSale()
            let hold = try await h.hold(match, user: "slow-fan", quantity: 2)
            #expect(hold.status == 201)
            let id = hold.object["id"] as! String
            let ended = try await eventually(timeout: .seconds(15)) {
                try await h.query("SELECT state FROM inventory.holds WHERE id = \(UUID(uuidString: id)!)", as: String.self) == ["expired"]
            }
            #expect(ended)
            #expect(try await h.query("SELECT count(*)::int FROM inventory.units WHERE match_id = \(match) AND status = 'held'", as: Int.self) == [0])
            let actor = try await h.query(
                "SELECT actor_id FROM audit.entries WHERE action = 'hold.expired' AND \("match:\(match)") = ANY(subjects)", as: String.self)
            #expect(actor == ["system:redis-expiry"])
        }
    }

    @Test func the_sweeper_ends_a_hold_whose_redis_key_was_lost() async throws {
        try await TicketingHarness.with(holdTTL: "2s", sweep: "500ms") { h async throws -> Void in
            let match = try await h.matchOnSale()
            let hold = try await h.hold(match, user: "fan-x", quantity: 1)
            let id = hold.object["id"] as! String
            // Redis forgets the key (a restart without persistence): no expiry event will come.
            let deleted = try await RedisTestServer.withClient { redis in try await redis.del("hns:hold:\(id.lowercased())") }
            #expect(deleted == 1)
            let ended = try await eventually(timeout: .seconds(15)) {
                try await h.query("SELECT state FROM inventory.holds WHERE id = \(UUID(uuidString: id)!)", as: String.self) == ["expired"]
            }
            #expect(ended)
            let actor = try await h.query(
                "SELECT actor_id FROM audit.entries WHERE action = 'hold.expired' AND \("match:\(match)") = ANY(subjects)", as: String.self)
            #expect(actor == ["system:sweeper"])
        }
    }

    @Test func the_match_sells_out_and_comes_back_on_sale() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let match = try await h.matchOnSale(maxPerBuyer: 50, rows: 1, seats: 4)
            let admin = try await TicketingHarness.admin()
            // Leave only sector A (4 seats) on sale.
            #expect(
                try await h.call(
                    "POST", "/api/v1/admin/matches/\(match)/config", token: admin,
                    json: #"{"close_sectors":["B","S"]}"#
                ).status == 201)
            let hold = try await h.hold(match, user: "big-buyer", quantity: 4)
            #expect(hold.status == 201)
            let soldOut = try await h.call("GET", "/api/v1/matches/\(match)")
            #expect(soldOut.object["state"] as? String == "sold_out")
            #expect(try await h.hold(match, user: "another", quantity: 1).status == 409)
            let id = hold.object["id"] as! String
            #expect(try await h.call("DELETE", "/api/v1/holds/\(id)", token: try await TicketingHarness.token(user: "big-buyer")).status == 204)
            #expect(try await h.call("GET", "/api/v1/matches/\(match)").object["state"] as? String == "on_sale")
        }
    }
}
