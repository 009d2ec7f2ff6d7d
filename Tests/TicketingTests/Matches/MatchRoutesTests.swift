import Foundation
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct MatchRoutesTests {
    @Test func a_template_round_trips_and_a_bad_one_names_its_field() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let admin = try await TicketingHarness.admin()
            let template = TicketingHarness.smallStadium()
            let id = try await h.importStadium(template)
            let exported = try await h.call("GET", "/api/v1/admin/stadiums/\(id)", token: admin)
            #expect(exported.status == 200)
            #expect(try JSONDecoder().decode(StadiumTemplate.self, from: Data(exported.body.utf8)) == template)
            #expect(exported.body.contains("\"snake_order\""))

            let again = try await h.call(
                "POST", "/api/v1/admin/stadiums", token: admin,
                json: String(decoding: try JSONEncoder().encode(template), as: UTF8.self))
            #expect(again.status == 409)
            var broken = TicketingHarness.smallStadium()
            broken.sectors[0].rows[1].seats[2].snakeOrder = broken.sectors[0].rows[1].seats[3].snakeOrder
            let refused = try await h.call(
                "POST", "/api/v1/admin/stadiums", token: admin,
                json: String(decoding: try JSONEncoder().encode(broken), as: UTF8.self))
            #expect(refused.status == 422)
            #expect(refused.fields.contains { $0.hasPrefix("sectors[0].rows[1].seats[") && $0.hasSuffix("snake_order") })
        }
    }

    @Test func the_state_machine_refuses_jumps_and_keeps_history() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let admin = try await TicketingHarness.admin()
            let stadium = try await h.importStadium(TicketingHarness.smallStadium())
            let bad = try await h.call(
                "POST", "/api/v1/admin/matches", token: admin,
                json: """
                    {"competition":"","opponent":"Hajduk","venue_kind":"home","venue":"Maksimir","kickoff":"tomorrow","prices":{"CAT1":1}}
                    """)
            #expect(bad.status == 422)
            #expect(Set(bad.fields).isSuperset(of: ["competition", "kickoff", "stadium_id"]))

            let created = try await h.call(
                "POST", "/api/v1/admin/matches", token: admin,
                json: """
                    {"competition":"Prva HNL","opponent":"Hajduk","venue_kind":"home","venue":"Maksimir","stadium_id":\(stadium),
                     "kickoff":"2030-07-01T20:45","prices":{"CAT1":5000,"CAT2":3500,"CAT3":2000}}
                    """)
            #expect(created.status == 201)
            let id = created.object["id"] as! Int
            // Zagreb is UTC+2 in July: 20:45 local is 18:45 UTC.
            #expect(created.object["kickoff_at"] as? String == "2030-07-01T18:45:00Z")
            #expect(created.object["state"] as? String == "draft")
            // Fans do not see drafts: not the match, nor its availability or seat maps.
            #expect(try await h.call("GET", "/api/v1/matches/\(id)").status == 404)
            #expect(try await h.call("GET", "/api/v1/matches/\(id)/availability").status == 404)
            #expect(try await h.call("GET", "/api/v1/matches/\(id)/sectors/A/seats").status == 404)
            let jump = try await h.call("POST", "/api/v1/admin/matches/\(id)/state", token: admin, json: #"{"state":"on_sale"}"#)
            #expect(jump.status == 409)
            for state in ["published", "on_sale", "closed"] {
                let moved = try await h.call(
                    "POST", "/api/v1/admin/matches/\(id)/state", token: admin, json: #"{"state":"\#(state)","reason":"test"}"#)
                #expect(moved.status == 200)
            }
            // Once published, the seat map is public.
            #expect(try await h.call("GET", "/api/v1/matches/\(id)/sectors/A/seats").status == 200)
            #expect(try await h.call("POST", "/api/v1/admin/matches/\(id)/state", token: admin, json: #"{"state":"on_sale"}"#).status == 409)
            let history = try await h.query(
                "SELECT action || ' ' || actor_role FROM audit.entries WHERE subjects[1] = \("match:\(Int64(id))") AND domain = 'E2' ORDER BY id",
                as: String.self)
            #expect(history == ["match.created admin", "match.published admin", "match.on_sale admin", "match.closed admin"])
        }
    }

    @Test func config_changes_make_versions_and_refuse_to_touch_held_seats() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let admin = try await TicketingHarness.admin()
            let match = try await h.matchOnSale()
            let base = "/api/v1/admin/matches/\(match)/config"
            let v2 = try await h.call(
                "POST", base, token: admin,
                json: """
                    {"block":[{"sector":"A","row":"1","seat":"5","reason":"press"},{"sector":"A","row":"1","seat":"6","reason":"press"}],
                     "prices":{"CAT1":5500},"reason":"press box"}
                    """)
            #expect(v2.status == 201)
            #expect(v2.object["version"] as? Int == 2)
            let diff = try await h.call("GET", base + "/versions/2/diff", token: admin)
            let kinds = diff.array.map { "\($0["kind"]!) \($0["target"]!)" }
            #expect(kinds == ["price CAT1", "seat_blocked A row 1 seat 5", "seat_blocked A row 1 seat 6"])
            let blocked = try await h.query(
                "SELECT count(*)::int FROM inventory.units WHERE match_id = \(match) AND status = 'blocked'", as: Int.self)
            #expect(blocked == [2])

            // A fan holds seats in sector B; closing B or blocking a held seat is refused with the conflicts.
            let hold = try await h.hold(match, user: "fan-9", sector: "B", quantity: 2)
            #expect(hold.status == 201)
            let seats = hold.object["seats"] as! [[String: Any]]
            let row = seats[0]["row"] as! String
            let seat = seats[0]["seat"] as! String
            let refused = try await h.call(
                "POST", base, token: admin,
                json: """
                    {"close_sectors":["B"],"block":[{"sector":"B","row":"\(row)","seat":"\(seat)","reason":"security"}]}
                    """)
            #expect(refused.status == 409)
            let conflicts = refused.object["conflicts"] as? [[String: Any]] ?? []
            #expect(conflicts.count == 3)  // two held seats by the closure, one by the block
            #expect(Set(conflicts.compactMap { $0["change"] as? String }) == ["close_sector", "block"])
            let versions = try await h.call("GET", base + "/versions", token: admin)
            #expect(versions.array.count == 2)
            #expect(try await h.query("SELECT open FROM inventory.sectors WHERE match_id = \(match) AND code = 'B'", as: Bool.self) == [true])

            // Closing an untouched sector works; its seats stop counting as sellable.
            let closed = try await h.call("POST", base, token: admin, json: #"{"close_sectors":["A"],"reason":"empty"}"#)
            #expect(closed.status == 201)
            let availability = try await h.call("GET", "/api/v1/matches/\(match)/availability")
            #expect(availability.object["seats_left"] as? Int == 28 + 50)
            let fan = try await h.hold(match, user: "fan-10", sector: "A", quantity: 1)
            #expect(fan.status == 409)

            // Reopened with a new price for its category in the same change: it sells at the new price.
            let reopened = try await h.call("POST", base, token: admin, json: #"{"open_sectors":["A"],"prices":{"CAT1":6100},"reason":"back"}"#)
            #expect(reopened.status == 201)
            let again = try await h.hold(match, user: "fan-11", sector: "A", quantity: 1)
            #expect(again.status == 201)
            let sectors = try await h.call("GET", "/api/v1/matches/\(match)/availability").object["sectors"] as? [[String: Any]]
            #expect(sectors?.first { $0["code"] as? String == "A" }?["price_cents"] as? Int == 6100)
        }
    }

    @Test func loyalty_phase_admits_only_its_tiers() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let now = Date()
            let f = ISO8601DateFormatter()
            let phases = """
                [{"name":"Loyalty early access","starts_at":"\(f.string(from: now.addingTimeInterval(-60)))",
                  "ends_at":"\(f.string(from: now.addingTimeInterval(3600)))","eligibility":"loyalty","min_tier":"silver"},
                 {"name":"General sale","starts_at":"\(f.string(from: now.addingTimeInterval(3600)))",
                  "ends_at":"\(f.string(from: now.addingTimeInterval(7200)))","eligibility":"general"}]
                """
            let match = try await h.matchOnSale(phases: phases)
            let refused = try await h.hold(match, user: "plain-fan", quantity: 1)
            #expect(refused.status == 403)
            #expect((refused.object["detail"] as? String)?.contains("silver") == true)
            try await h.db.withClient { client in
                try await client.query(
                    """
                    INSERT INTO profiles.profiles (user_id, first_name, last_name, date_of_birth, oib, nationality)
                    VALUES ('gold-fan', 'Ana', 'Horvat', '1990-01-01', '69435151530', 'HR')
                    """, logger: TicketingHarness.logger)
                // Gold by the points ledger's balance (150 points by default).
                try await client.query(
                    "INSERT INTO loyalty.balances (person_key, points) VALUES ('oib:69435151530', 150)", logger: TicketingHarness.logger)
            }
            #expect(try await h.hold(match, user: "gold-fan", quantity: 1).status == 201)
        }
    }
}
