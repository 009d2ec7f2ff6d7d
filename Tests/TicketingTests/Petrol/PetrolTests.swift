import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E12: a fan's PIN, a till's 20-minute hold, the clerk's confirmation, the abuse limits and the
/// settlement, through the API against real PostgreSQL and Redis.
@Suite struct PetrolTests {
    /// Clerks' lockouts and stations' limits live in the shared Redis: names of this run's own.
    static let run = Int.random(in: 100_000...999_999)
    static func station(_ name: String = "101") -> String { "INA-\(run)-\(name)" }

    static func fan(_ n: Int = 1) async throws -> String { try await TicketingHarness.token(user: "fan-p\(n)", email: "fan\(n)@example.hr") }

    static func clerk(_ n: Int = 1, station: String = PetrolTests.station()) async throws -> String {
        try await TicketingHarness.token(user: "clerk-\(run)-\(n)", roles: ["petrol_staff"], station: station)
    }

    static func requestPIN(_ h: TicketingHarness, match: Int64, people: [Int], fan: Int = 1) async throws -> TicketingHarness.Reply {
        try await h.call(
            "POST", "/api/v1/petrol/pin-requests", token: try await Self.fan(fan),
            json: #"{"match_id":\#(match),"sector":"A","attendees":[\#(people.map { PurchaseHarness.attendee($0) }.joined(separator: ","))]}"#)
    }

    static func till(
        _ h: TicketingHarness, _ action: String, pin: String, terminal: String = "T1", clerk: Int = 1, station: String = PetrolTests.station(),
        reference: String? = nil
    ) async throws -> TicketingHarness.Reply {
        let ref = reference.map { #","payment_reference":"\#($0)""# } ?? ""
        return try await h.call(
            "POST", "/api/v1/petrol/pins/\(pin)/\(action)", token: try await Self.clerk(clerk, station: station),
            json: #"{"terminal_id":"\#(terminal)"\#(ref)}"#)
    }

    @Test func a_pin_is_held_at_one_till_confirmed_and_its_tickets_land_in_the_fans_wallet() async throws {
        try await PurchaseHarness.with(eRacuni: true) { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 4, seats: 10)
            let made = try await Self.requestPIN(h, match: match, people: [31, 32])
            #expect(made.status == 201, "\(made.body)")
            let pin = try #require(made.object["pin"] as? String)
            #expect(pin.count == 10 && pin.allSatisfy(\.isNumber) && made.object["amount_cents"] as? Int == 10000, "\(made.body)")
            #expect(made.object["state"] as? String == "pending" && (made.object["holder_names"] as? [String])?.count == 2)
            let again = try await Self.requestPIN(h, match: match, people: [33])
            #expect(again.status == 409 && (again.object["type"] as? String)?.hasSuffix("/pin-closed") == true, "\(again.body)")
            // Nobody but a clerk with a station works a till.
            let fanAtTill = try await h.call(
                "POST", "/api/v1/petrol/pins/\(pin)/hold", token: try await Self.fan(), json: #"{"terminal_id":"T1"}"#)
            #expect(fanAtTill.status == 403)
            let noStation = try await h.call(
                "POST", "/api/v1/petrol/pins/\(pin)/hold", token: try await TicketingHarness.token(user: "clerk-x", roles: ["petrol_staff"]),
                json: #"{"terminal_id":"T1"}"#)
            #expect(noStation.status == 403, "\(noStation.body)")
            #expect(try await Self.till(h, "hold", pin: pin, terminal: "").fields == ["terminal_id"])

            let held = try await Self.till(h, "hold", pin: pin)
            #expect(held.status == 200 && held.object["state"] as? String == "held", "\(held.body)")
            #expect(held.object["holder_names"] as? [String] == ["Ivan Horvat31", "Ivan Horvat32"] && !held.body.contains("oib"), "\(held.body)")
            let same = try await Self.till(h, "hold", pin: pin)
            #expect(same.status == 200 && same.object["order_id"] as? String == held.object["order_id"] as? String)
            let elsewhere = try await Self.till(h, "hold", pin: pin, terminal: "T9", clerk: 2, station: Self.station("202"))
            #expect(elsewhere.status == 409 && (elsewhere.object["detail"] as? String)?.contains(Self.station()) == true, "\(elsewhere.body)")
            let id = try #require(made.object["id"] as? String)
            let mine = try await h.call("GET", "/api/v1/petrol/pin-requests/\(id)", token: try await Self.fan())
            #expect(mine.object["state"] as? String == "held" && mine.object["station"] as? String == Self.station(), "\(mine.body)")
            #expect(try await Self.till(h, "confirm", pin: pin).fields == ["payment_reference"])

            let sold = try await Self.till(h, "confirm", pin: pin, reference: "PET-0001")
            #expect(sold.status == 200 && sold.object["state"] as? String == "confirmed", "\(sold.body)")
            #expect((sold.object["ticket_ids"] as? [String])?.count == 2)
            let replay = try await Self.till(h, "confirm", pin: pin, reference: "PET-0001")
            #expect(replay.status == 200 && replay.object["order_id"] as? String == sold.object["order_id"] as? String, "\(replay.body)")
            let order = try #require((sold.object["order_id"] as? String).flatMap(UUID.init(uuidString:)))
            #expect(
                try await h.query("SELECT state || '/' || payment_terms FROM orders.orders WHERE id = \(order)", as: String.self) == [
                    "tickets_issued/petrol"
                ])
            let wallet = try await h.call("GET", "/api/v1/wallet/tickets", token: try await Self.fan())
            #expect((wallet.object["tickets"] as? [Any])?.count == 2, "\(wallet.body)")
            #expect(
                try await h.query(
                    "SELECT (payload->>'channel') || '/' || invoice::text FROM outbox.messages WHERE msg_id = 'order.completed:' || \(order.lowercased)",
                    as: String.self) == ["petrol/true"])
            let trail = try await h.query("SELECT action FROM audit.entries WHERE domain = 'E12' ORDER BY id", as: String.self)
            #expect(trail.first == "pin.requested" && trail.contains("pin.held") && trail.last == "pin.confirmed", "\(trail)")

            // Petrol's settlement: one sale, its 3 % commission, what Petrol owes.
            let today = ERacuniClient.localDate(Date())
            let admin = try await TicketingHarness.admin()
            let settlement = try await h.call("GET", "/api/v1/admin/petrol/settlement?from=\(today)&to=\(today)", token: admin)
            let totals = try #require(settlement.object["totals"] as? [String: Any], "\(settlement.body)")
            #expect(totals["sales"] as? Int == 1 && totals["amount_cents"] as? Int == 10000 && totals["commission_cents"] as? Int == 300)
            #expect((settlement.object["lines"] as? [[String: Any]])?.first?["station"] as? String == Self.station())
            let xlsx = try await h.call("GET", "/api/v1/admin/petrol/settlement?from=\(today)&to=\(today)&format=xlsx", token: admin)
            #expect(xlsx.status == 200 && xlsx.body.hasPrefix("PK"), "\(xlsx.status)")
            let bad = try await h.call("GET", "/api/v1/admin/petrol/settlement?from=2026-13-01", token: admin)
            #expect(bad.status == 422 && Set(bad.fields) == ["from", "to"], "\(bad.body)")
            let control = try await h.call("GET", "/api/v1/admin/petrol/settlement?from=\(today)&to=\(today)&station=%C2%9B", token: admin)
            #expect(control.status == 422 && control.fields == ["station"], "\(control.body)")
            let report = try await h.call("GET", "/api/v1/admin/reports/financial?match=\(match)", token: admin)
            let channels = (report.object["sales_by_channel"] as? [[String: Any]]) ?? []
            #expect(channels.map { $0["channel"] as? String } == ["petrol"], "\(report.body)")
            // Its invoice says it was paid at the till, not by card.
            #expect(
                try await eventually(timeout: .seconds(20)) {
                    try await InvoicingTests.simDocuments(p).first?["methodOfPayment"] as? String == "Other"
                })
            let settled = try await eventually(timeout: .seconds(20)) {
                let r = try await InvoicingTests.reconcile(p, match: match)
                return r["unexplained"] as? Int == 0 && r["pending"] as? Int == 0
            }
            let reconciled = try await InvoicingTests.reconcile(p, match: match)
            #expect(settled, "the till's sale has its invoice: \(reconciled)")
            // Until it has, the sale is reported pending: a planted loss of its invoice is unexplained.
            _ = try await h.query("DELETE FROM invoicing.documents WHERE order_id = \(order) RETURNING 1", as: Int.self)
            let broken = try await InvoicingTests.reconcile(p, match: match)
            #expect(InvoicingTests.kinds(broken)["invoice_missing"] == 1, "\(broken)")
        }
    }

    @Test func two_tills_racing_for_one_pin_hold_it_once() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 4, seats: 10)
            let pin = try #require(try await Self.requestPIN(h, match: match, people: [41]).object["pin"] as? String)
            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<6 {
                    group.addTask { try await Self.till(h, "hold", pin: pin, terminal: "T\(n)", clerk: n, station: Self.station("\(n)")).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(replies.filter { $0 == 200 }.count == 1 && replies.filter { $0 == 409 }.count == 5, "\(replies)")
            #expect(try await h.query("SELECT count(*)::int FROM inventory.holds WHERE state = 'active'", as: Int.self) == [1])
            try await QuotaTests.accountedFor(h, match)
        }
    }

    @Test func a_hold_that_runs_out_or_is_released_sells_nothing_and_frees_its_seats() async throws {
        try await PurchaseHarness.with(sweep: "1s", environment: ["HNS_PETROL_HOLD_TTL": "2s"]) { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 4, seats: 10)
            let before = try await QuotaTests.sector(h, match)["available"] as? Int
            let pin = try #require(try await Self.requestPIN(h, match: match, people: [51, 52]).object["pin"] as? String)
            #expect(try await Self.till(h, "hold", pin: pin).status == 200)
            #expect(try await eventually { try await QuotaTests.sector(h, match)["available"] as? Int == (before ?? 0) - 2 })
            try await Task.sleep(for: .seconds(3))
            let late = try await Self.till(h, "confirm", pin: pin, reference: "PET-LATE")
            #expect(late.status == 409 && (late.object["type"] as? String)?.hasSuffix("/petrol-hold-ended") == true, "\(late.body)")
            #expect(try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE match_id = \(match)", as: Int.self) == [0])
            #expect(try await eventually(timeout: .seconds(10)) { try await QuotaTests.sector(h, match)["available"] as? Int == before })
            // The PIN lives on: another till holds it, then gives it back.
            let again = try await Self.till(h, "hold", pin: pin, terminal: "T2")
            #expect(again.status == 200, "\(again.body)")
            let released = try await Self.till(h, "release", pin: pin, terminal: "T2")
            #expect(released.status == 200 && released.object["state"] as? String == "pending", "\(released.body)")
            #expect(try await eventually { try await QuotaTests.sector(h, match)["available"] as? Int == before })
            try await QuotaTests.accountedFor(h, match)
        }
    }

    @Test func holders_are_checked_at_the_request_and_again_at_confirmation() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 4, seats: 10)
            let admin = try await TicketingHarness.admin()
            let banned = try await h.call(
                "POST", "/api/v1/admin/blacklist", token: admin, json: #"{"oib":"\#(PurchaseHarness.oib(61))","reason":"ban"}"#)
            #expect(banned.status == 201)
            let refused = try await Self.requestPIN(h, match: match, people: [62, 61])
            #expect(refused.status == 403 && refused.fields == ["attendees[1]"], "\(refused.body)")
            let bad = try await h.call(
                "POST", "/api/v1/petrol/pin-requests", token: try await Self.fan(), json: #"{"match_id":0,"sector":"","attendees":[]}"#)
            #expect(Set(bad.fields).isSuperset(of: ["match_id", "sector"]), "\(bad.body)")
            // By price category instead of sector: a sector of it with room is chosen.
            let byCategory = try await h.call(
                "POST", "/api/v1/petrol/pin-requests", token: try await Self.fan(9),
                json: #"{"match_id":\#(match),"price_category":"CAT1","attendees":[\#(PurchaseHarness.attendee(64))]}"#)
            #expect(byCategory.status == 201 && byCategory.object["unit_price_cents"] as? Int == 5000, "\(byCategory.body)")
            let noCategory = try await h.call(
                "POST", "/api/v1/petrol/pin-requests", token: try await Self.fan(10),
                json: #"{"match_id":\#(match),"price_category":"CAT9","attendees":[\#(PurchaseHarness.attendee(65))]}"#)
            #expect(noCategory.status == 422 && noCategory.fields == ["price_category"], "\(noCategory.body)")
            let pin = try #require(try await Self.requestPIN(h, match: match, people: [63]).object["pin"] as? String)
            #expect(try await Self.till(h, "hold", pin: pin).status == 200)
            // Banned between the PIN and the sale: the till cannot sell to this holder.
            let later = try await h.call(
                "POST", "/api/v1/admin/blacklist", token: admin, json: #"{"oib":"\#(PurchaseHarness.oib(63))","reason":"ban"}"#)
            #expect(later.status == 201)
            let confirm = try await Self.till(h, "confirm", pin: pin, reference: "PET-X")
            #expect(confirm.status == 403, "\(confirm.body)")
            #expect(try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE match_id = \(match)", as: Int.self) == [0])
        }
    }

    @Test func a_clerk_who_keeps_guessing_is_locked_out() async throws {
        try await PurchaseHarness.with(environment: ["HNS_PETROL_MISSES_BEFORE_LOCKOUT": "3"]) { p in
            let h = p.h
            let match = try await h.matchOnSale(rows: 4, seats: 10)
            let pin = try #require(try await Self.requestPIN(h, match: match, people: [71]).object["pin"] as? String)
            for guess in ["0000000001", "0000000002", "12"] {
                #expect(try await Self.till(h, "hold", pin: guess, clerk: 7).status == 404)
            }
            let locked = try await Self.till(h, "hold", pin: pin, clerk: 7)
            #expect(locked.status == 429 && locked.headers["retry-after"] != nil, "\(locked.body)")
            #expect(try await h.query("SELECT count(*)::int FROM audit.entries WHERE action = 'pin.lookup_missed'", as: Int.self) == [3])
            // Another clerk is not locked out by this one.
            #expect(try await Self.till(h, "hold", pin: pin, clerk: 8).status == 200)
        }
    }
}
