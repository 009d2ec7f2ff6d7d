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

    @Test func a_request_head_larger_than_the_server_reads_is_a_problem_and_the_connection_closes() async throws {
        try await TicketingHarness.with { h in
            let connections = try RawConnections(port: h.port, count: 1)
            defer { connections.closeAll() }
            let path = "/api/v1/orders/" + String(repeating: "%F2%B7%93%9A", count: 10_000) + "/cancel"
            connections.send(0, "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let answer = connections.firstAnswer(0)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.lowercased().contains("content-type: application/problem+json"), "\(answer)")
            #expect(answer.contains("larger than this server reads"), "\(answer)")
            try await Task.sleep(for: .milliseconds(200))
            #expect(connections.countClosedByServer() == 1)
            #expect(try await h.call("GET", "/healthz").status == 200)
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
            #expect(outcome.garbageAnswer.hasPrefix("HTTP/1.1 400"), "\(outcome.garbageAnswer)")
            #expect(outcome.garbageAnswer.lowercased().contains("content-type: application/problem+json"), "\(outcome.garbageAnswer)")
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

    @Test func purchase_limits_are_shared_by_every_instance() async throws {
        let environment = ["HNS_PURCHASE_RATE_PER_USER": "3/1m"]
        try await TicketingHarness.with(environment: environment) { a in
            let match = try await a.matchOnSale()
            let fan = "shared-\(UUID().uuidString.prefix(8).lowercased())"
            try await a.secondInstance(environment: environment) { b in
                #expect(try await a.hold(match, user: fan, quantity: 1).status == 201)
                #expect(try await b.hold(match, user: fan, quantity: 1).status == 201)
                #expect(try await a.hold(match, user: fan, quantity: 1).status == 201)
                let refused = try await b.hold(match, user: fan, quantity: 1)
                #expect(refused.status == 429, "\(refused.body)")
                #expect(try await a.hold(match, user: fan, quantity: 1).status == 429)
            }
        }
    }

    @Test func numbers_and_dates_the_database_cannot_store_are_422() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let admin = try await TicketingHarness.admin()
            for (path, value) in [("row_priority", 2_147_483_648), ("number", 1 << 40), ("snake_order", Int.min)] {
                var template = TicketingHarness.smallStadium()
                switch path {
                case "row_priority": template.sectors[0].rows[0].rowPriority = value
                case "number": template.sectors[0].rows[0].seats[0].number = value
                default: template.sectors[0].rows[0].seats[0].snakeOrder = value
                }
                let json = String(decoding: try JSONEncoder().encode(template), as: UTF8.self)
                let reply = try await h.call("POST", "/api/v1/admin/stadiums", token: admin, json: json)
                let field = path == "row_priority" ? "sectors[0].rows[0].row_priority" : "sectors[0].rows[0].seats[0].\(path)"
                #expect(reply.status == 422 && reply.fields == [field], "\(reply.body)")
            }
            let stadium = try await h.importStadium(TicketingHarness.smallStadium())
            let created = try await h.call(
                "POST", "/api/v1/admin/matches", token: admin,
                json: """
                    {"competition":"Prva HNL","opponent":"Rijeka","venue_kind":"home","venue":"Maksimir","stadium_id":\(stadium),
                     "kickoff":"2030-05-01T20:45","prices":{"CAT1":5000,"CAT2":4294967296,"CAT3":2000}}
                    """)
            #expect(created.status == 422 && created.fields == ["prices.CAT2"], "\(created.body)")
            #expect(try await h.query("SELECT count(*)::int FROM matches.matches", as: Int.self) == [0])

            // Dates as PostgreSQL reads them: four ASCII digits of year, the proleptic Gregorian calendar.
            for date in ["+999-01-01", "1500-02-29", "1900-02-29", "0000-01-01", "１９９０-01-01"] {
                let listed = try await h.call(
                    "POST", "/api/v1/admin/blacklist", token: admin,
                    json: #"{"first_name":"Marko","last_name":"Kovač","date_of_birth":"\#(date)","reason":"test"}"#)
                #expect(listed.status == 422 && listed.fields == ["date_of_birth"], "\(date): \(listed.body)")
            }
            for date in ["1600-02-29", "1200-03-01", "2000-02-29"] {
                let listed = try await h.call(
                    "POST", "/api/v1/admin/blacklist", token: admin,
                    json: #"{"first_name":"Marko","last_name":"Kovač","date_of_birth":"\#(date)","reason":"test"}"#)
                #expect(listed.status == 201, "\(date): \(listed.body)")
            }
            #expect(PersonIdentity.parseDate("1970-01-02") == Date(timeIntervalSince1970: 86_400))
            #expect(PersonIdentity.parseDate("2000-03-01") == Date(timeIntervalSince1970: 951_868_800))

            // Money Stripe says it received for no order of ours is owed back, whatever the amount.
            let event = """
                {"id":"evt_big_\(UUID().uuidString.prefix(8))","type":"payment_intent.succeeded","data":{"object":{"id":"pi_big_1",
                 "object":"payment_intent","amount":4294967296,"amount_received":4294967296,"currency":"eur","status":"succeeded"}}}
                """
            let handled = try await p.deliver(event)
            #expect(handled.status == 200, "\(handled.body)")
            #expect(
                try await h.query("SELECT amount_cents FROM payments.refunds WHERE payment_intent_id = 'pi_big_1'", as: Int64.self) == [4_294_967_296]
            )
        }
    }
}
