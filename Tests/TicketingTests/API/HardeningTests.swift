import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// What a fuzzer and a first-time user found (each failed before its fix).
@Suite struct HardeningTests {
    @Test func a_nul_in_any_string_is_a_422_naming_the_field_and_changes_nothing() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let fan = try await TicketingHarness.token(user: "nul-fan")
            let hold = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: fan, json: #"{"sector":"\u0000","quantity":1}"#)
            #expect(hold.status == 422 && hold.fields == ["sector"], "\(hold.body)")
            #expect(try await h.query("SELECT count(*)::int FROM inventory.holds WHERE buyer_id = 'nul-fan'", as: Int.self) == [0])

            let (_, placed) = try await p.order(
                match, user: "nul-orderer",
                attendees: [
                    #"{"first_name":"Iv\u0000an","last_name":"Horvat","date_of_birth":"1990-04-01","oib":"\#(PurchaseHarness.oib(71))","nationality":"HR"}"#
                ])
            #expect(placed.status == 422 && placed.fields == ["attendees[0].first_name"], "\(placed.body)")
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders WHERE buyer_id = 'nul-orderer'", as: Int.self) == [0])

            let profile = try await h.call("PUT", "/api/v1/me/profile", token: fan, json: #"{"first_name":"A\u0000"}"#)
            #expect(profile.status == 422 && profile.fields == ["first_name"], "\(profile.body)")

            let admin = try await TicketingHarness.admin()
            let listed = try await h.call(
                "POST", "/api/v1/admin/blacklist", token: admin,
                json: #"{"first_name":"Marko\u0000","last_name":"Kovač","date_of_birth":"1985-02-03","reason":"test"}"#)
            #expect(listed.status == 422 && listed.fields == ["first_name"], "\(listed.body)")
            let csv = "last_name,first_name,date_of_birth,reason\nKovač,Mar\u{0}ko,1985-02-03,pyrotechnics\n"
            let imported = try await h.call(
                "POST", "/api/v1/admin/blacklist/import", token: admin, headers: ["Content-Type": "text/csv"], raw: csv)
            #expect(imported.status == 422 && imported.fields == ["rows[2].first_name"], "\(imported.body)")
        }
    }

    @Test func a_token_whose_subject_holds_a_nul_is_refused() async throws {
        try await TicketingHarness.with { h in
            let token = try await TicketingHarness.token(user: "fan\u{0}1")
            let reply = try await h.call("GET", "/api/v1/orders", token: token)
            #expect(reply.status == 401, "\(reply.body)")
            let long = try await TicketingHarness.token(user: String(repeating: "x", count: 300))
            #expect(try await h.call("GET", "/api/v1/orders", token: long).status == 401)
        }
    }

    @Test func answers_speak_of_the_order_not_of_enum_cases() async throws {
        try await PurchaseHarness.with { p in
            let match = try await p.h.matchOnSale()
            let (_, order) = try await p.order(match, user: "cancel-twice")
            let id = try #require(order.object["id"] as? String)
            let token = try await TicketingHarness.token(user: "cancel-twice")
            #expect(try await p.h.call("POST", "/api/v1/orders/\(id)/cancel", token: token).status == 200)
            let again = try await p.h.call("POST", "/api/v1/orders/\(id)/cancel", token: token)
            #expect(again.status == 409)
            #expect(again.object["detail"] as? String == "This order was cancelled and can no longer be cancelled.")
            let unknown = try await p.h.call("GET", "/api/v1/matches/\(match)/sectors/ZZ/seats")
            #expect(unknown.status == 404 && (unknown.object["detail"] as? String)?.contains("“ZZ”") == true)
            // A sector code given percent-encoded is the same sector.
            #expect(try await p.h.call("GET", "/api/v1/matches/\(match)/sectors/%41/seats").status == 200)
        }
    }

    @Test func a_method_a_path_does_not_have_is_405_with_allow() async throws {
        try await TicketingHarness.with { h in
            let reply = try await h.call("DELETE", "/api/v1/matches")
            #expect(reply.status == 405)
            #expect(reply.headers["allow"] == "GET", "\(reply.headers)")
            #expect(try await h.call("DELETE", "/api/v1/nothing-here").status == 404)
        }
    }

    @Test func the_catch_all_bus_subscription_wants_a_whole_envelope() async throws {
        try await PurchaseHarness.with { p in
            let headers = ["Authorization": "Bearer \(PurchaseHarness.busToken)"]
            let good = #"{"subject":"order.completed","message_id":"m-1","timestamp":"2026-12-07T10:00:00.123Z","data":{}}"#
            #expect(try await p.h.call("POST", "/api/v1/webhooks/nats", json: good, headers: headers).status == 204)
            let empty = #"{"subject":"order.completed","message_id":"m-1","timestamp":"","data":{}}"#
            let refused = try await p.h.call("POST", "/api/v1/webhooks/nats", json: empty, headers: headers)
            #expect(refused.status == 422 && refused.fields == ["timestamp"], "\(refused.body)")
            let noData = #"{"subject":"order.completed","message_id":"m-1","timestamp":"2026-12-07T10:00:00Z"}"#
            #expect(try await p.h.call("POST", "/api/v1/webhooks/nats", json: noData, headers: headers).fields == ["data"])
        }
    }

    @Test func garbage_and_trickling_connections_are_closed_while_real_clients_are_served() async throws {
        try await TicketingHarness.with(environment: ["HNS_HTTP_IDLE_TIMEOUT": "1s"]) { h in
            let outcome = try await SlowClients.run(port: h.port, probeURL: h.base + "/healthz", giveUpAfter: .seconds(15))
            #expect(outcome.closed == outcome.total, "\(outcome.closed) of \(outcome.total) closed")
            #expect(outcome.elapsed < .seconds(6), "took \(outcome.elapsed)")
            #expect(outcome.probesOK == outcome.probes && outcome.probes > 0)
        }
    }

    @Test func purchase_calls_are_limited_per_user_and_per_client_address() async throws {
        let environment = [
            "HNS_PURCHASE_RATE_PER_USER": "3/1m", "HNS_PURCHASE_RATE_PER_ADDRESS": "5/1m", "HNS_CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
        ]
        try await TicketingHarness.with(environment: environment) { h in
            let match = try await h.matchOnSale()
            let run = UUID().uuidString.prefix(8).lowercased()
            let address = "10.\(Int.random(in: 0...255)).\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
            func hold(_ user: String, from address: String) async throws -> TicketingHarness.Reply {
                try await h.call(
                    "POST", "/api/v1/matches/\(match)/holds", token: try await TicketingHarness.token(user: user),
                    json: #"{"sector":"A","quantity":1}"#, headers: ["X-Forwarded-For": "203.0.113.9, \(address)"])
            }
            for _ in 1...3 { #expect(try await hold("a-\(run)", from: address).status == 201) }
            let refused = try await hold("a-\(run)", from: address)
            #expect(refused.status == 429, "\(refused.body)")
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect((refused.object["type"] as? String)?.hasSuffix("/rate-limited") == true)
            // Another fan behind the same address: the address has 1 of its 5 left (the refusal counted).
            #expect(try await hold("b-\(run)", from: address).status == 201)
            #expect(try await hold("c-\(run)", from: address).status == 429)
            // Elsewhere, a new fan is served.
            #expect(try await hold("d-\(run)", from: "192.0.2.\(Int.random(in: 1...254))").status == 201)
            let held = try await h.query("SELECT count(*)::int FROM inventory.holds WHERE match_id = \(match)", as: Int.self)
            #expect(held == [5])
        }
    }
}
