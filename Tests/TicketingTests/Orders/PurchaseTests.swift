import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct PurchaseTests {
    @Test func hold_order_pay_webhook_tickets_in_the_wallet() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let friend = "friend-\(UUID().uuidString.prefix(6))@example.test"
            let (holdID, order) = try await p.order(
                match, user: "buyer",
                attendees: [
                    PurchaseHarness.attendee(11), PurchaseHarness.attendee(12, first: "Ana", email: friend),
                ])
            #expect(order.status == 201, "\(order.body)")
            #expect(order.object["state"] as? String == "seats_held")
            #expect(order.object["amount_cents"] as? Int == 10_000)
            let orderID = try #require(order.object["id"] as? String)
            // The answer to the POST (built from what its transaction wrote) is the order as it reads back.
            let read = try await h.call("GET", "/api/v1/orders/\(orderID)", token: try await TicketingHarness.token(user: "buyer"))
            #expect(read.status == 200 && NSDictionary(dictionary: read.object).isEqual(to: order.object), "\(order.body) vs \(read.body)")
            #expect((order.object["seats"] as? [[String: Any]])?.count == 2)
            // The hold cannot be dropped behind the order's back once the payment has started.
            let pay = try await p.pay(orderID, user: "buyer")
            #expect(pay.status == 201, "\(pay.body)")
            let pi = try #require(pay.object["payment_intent_id"] as? String)
            #expect((pay.object["client_secret"] as? String)?.hasPrefix(pi + "_secret_") == true)
            #expect(try await p.orderState(orderID) == "awaiting_payment")
            // The order in the answer is the order as it now reads back (state, PaymentIntent, the hold's new expiry).
            let paying = try await h.call("GET", "/api/v1/orders/\(orderID)", token: try await TicketingHarness.token(user: "buyer"))
            let answered = try #require(pay.object["order"] as? [String: Any])
            #expect(NSDictionary(dictionary: paying.object).isEqual(to: answered), "\(pay.body) vs \(paying.body)")
            #expect(
                answered["payment_intent_id"] as? String == pi && answered["hold_expires_at"] as? String != order.object["hold_expires_at"] as? String
            )
            let buyer = try await TicketingHarness.token(user: "buyer")
            #expect(try await h.call("DELETE", "/api/v1/holds/\(holdID)", token: buyer).status == 409)
            // Paying again (app retry) gives the same PaymentIntent.
            let again = try await p.pay(orderID, user: "buyer")
            #expect(again.status == 201 && again.object["payment_intent_id"] as? String == pi)

            try await p.confirm(pi)
            let event = try #require(try await p.events(for: pi).last)
            #expect(try await p.deliver(event, token: "wrong").status == 401)
            let handled = try await p.deliver(event)
            #expect(handled.status == 200 && handled.object["outcome"] as? String == "tickets_issued", "\(handled.body)")
            // The bus delivers at least once: the same event again changes nothing.
            let duplicate = try await p.deliver(event)
            #expect(duplicate.object["outcome"] as? String == "duplicate")

            #expect(try await p.orderState(orderID) == "tickets_issued")
            // The audit trail has each step of the order (E4), and the payment (E8), tickets (E9) and seats (E3) beside it.
            let states = try await h.query(
                "SELECT action FROM audit.entries WHERE subjects[1] = \("order:" + orderID.lowercased()) AND domain = 'E4' ORDER BY id",
                as: String.self)
            #expect(states == ["order.seats_held", "order.awaiting_payment", "order.tickets_issued"])
            let steps = try await h.query(
                "SELECT data::text FROM audit.entries WHERE subjects[1] = \("order:" + orderID.lowercased()) AND action = 'order.tickets_issued'",
                as: String.self)
            #expect(steps.first?.contains(#""via": ["paid"]"#) == true, "\(steps)")
            // Accounting's invoice follows through the outbox (InvoicingTests reads its trail).
            let others = try await h.query(
                "SELECT domain || ' ' || action FROM audit.entries WHERE \("order:" + orderID.lowercased()) = ANY(subjects) AND domain <> 'E4' AND action NOT LIKE 'invoice.%' ORDER BY id",
                as: String.self)
            #expect(others == ["E8 payment.started", "E8 payment.succeeded", "E9 tickets.issued"])
            let seats = try await h.query(
                "SELECT action || ' ' || actor_role FROM audit.entries WHERE subjects[1] = \("hold:" + holdID.lowercased()) ORDER BY id",
                as: String.self)
            #expect(seats == ["hold.created customer", "hold.sold service"])
            #expect(
                try await h.query("SELECT status FROM inventory.units WHERE hold_id = \(UUID(uuidString: holdID)!)", as: String.self) == [
                    "sold", "sold",
                ])
            #expect(
                try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE order_id = \(UUID(uuidString: orderID)!)", as: Int.self) == [2])
            let availability = try await h.call("GET", "/api/v1/matches/\(match)/availability")
            let a = (availability.object["sectors"] as! [[String: Any]]).first { $0["code"] as? String == "A" }!
            #expect(a["sold"] as? Int == 2 && a["held"] as? Int == 0)

            // The buyer's wallet has the ticket not sent elsewhere; kick-off is in 2030, so no QR yet.
            let wallet = try await h.call("GET", "/api/v1/wallet/tickets", token: buyer)
            let mine = try #require(wallet.object["tickets"] as? [[String: Any]])
            #expect(mine.count == 1)
            #expect(mine.first?["qr"] is NSNull && mine.first?["cache_until"] is NSNull)
            let kickoff = try #require(try await h.query("SELECT kickoff_at FROM matches.matches WHERE id = \(match)", as: Date.self).first)
            let visibleFrom = ISO8601DateFormatter().date(from: mine.first?["qr_visible_from"] as? String ?? "")
            #expect(visibleFrom == kickoff.addingTimeInterval(-5 * 3600))
            // The friend's ticket appears when they sign in with that email.
            let friendToken = try await TicketingHarness.token(user: "friend-user", email: friend.uppercased())
            let theirs = try await h.call("GET", "/api/v1/wallet/tickets", token: friendToken)
            #expect((theirs.object["tickets"] as? [[String: Any]])?.map { $0["holder_name"] as? String } == ["Ana Horvat12"])
            let claimed = try await h.query(
                "SELECT actor_id || ' ' || action FROM audit.entries WHERE subjects[1] = \("order:" + orderID.lowercased()) AND domain = 'E9' ORDER BY id",
                as: String.self)
            #expect(claimed == ["system tickets.issued", "friend-user tickets.claimed"])
            #expect(try await h.query("SELECT status FROM payments.payment_intents WHERE id = \(pi)", as: String.self) == ["succeeded"])
            // The buyer's order list: this order with both seats and tickets; another user sees none of it.
            let list = try await h.call("GET", "/api/v1/orders", token: buyer)
            let orders = try #require(list.object["orders"] as? [[String: Any]])
            #expect(orders.map { $0["id"] as? String } == [orderID])
            #expect(orders.first?["state"] as? String == "tickets_issued")
            #expect((orders.first?["seats"] as? [[String: Any]])?.count == 2)
            #expect((orders.first?["tickets"] as? [[String: Any]])?.compactMap { $0["position"] as? Int } == [1, 2])
            // The order names its tickets by the ids they were issued with.
            let ticketIDs = try await h.query(
                "SELECT id FROM tickets.tickets WHERE order_id = \(UUID(uuidString: orderID)!) ORDER BY position", as: UUID.self
            ).map(\.lowercased)
            #expect((orders.first?["tickets"] as? [[String: Any]])?.compactMap { ($0["id"] as? String)?.lowercased() } == ticketIDs)
            #expect(((try await h.call("GET", "/api/v1/orders", token: friendToken)).object["orders"] as? [[String: Any]])?.isEmpty == true)

            // Events were written with the change and jobs reach the notification stream.
            let subjects = try await h.query(
                "SELECT subject FROM outbox.messages WHERE payload ->> 'order_id' = \(orderID.lowercased()) ORDER BY id", as: String.self)
            #expect(subjects.filter { $0 == "ticket.generated" }.count == 2)
            #expect(
                Set(subjects).isSuperset(of: [
                    "order.created", "payment.succeeded", "order.completed", "mail.order_confirmation", "mail.ticket_delivery",
                ]))
            let jobs = try await eventually(timeout: .seconds(10)) {
                let entries = try await RedisTestServer.withClient { redis in try await redis.send("XRANGE", "hns:jobs:notifications", "-", "+") }
                let texts = (entries.array ?? []).compactMap { $0.array?.last?.array?.compactMap(\.string).joined(separator: " ") }
                return texts.filter { $0.contains(orderID.lowercased()) }.count == 3
            }
            #expect(jobs)
            // The queue is told the fan's window can be freed.
            let released = try await RedisTestServer.withClient { redis in try await redis.send("SISMEMBER", "hns:queue:\(match):release", "buyer") }
            #expect(released.int == 1)
        }
    }

    @Test func attendees_are_validated_and_blacklisted_people_refused() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let (_, tooFew) = try await p.order(match, user: "v1", attendees: [PurchaseHarness.attendee(21)])
            #expect(tooFew.status == 422 && tooFew.fields == ["attendees"])
            let badOIB = #"{"first_name":"Iva","last_name":"Kos","date_of_birth":"1999-01-01","oib":"12345678901","nationality":"HR"}"#
            let (_, bad) = try await p.order(match, user: "v2", attendees: [PurchaseHarness.attendee(22), badOIB])
            #expect(bad.status == 422 && bad.fields == ["attendees[1].oib"])
            let (_, twice) = try await p.order(match, user: "v3", attendees: [PurchaseHarness.attendee(23), PurchaseHarness.attendee(23)])
            #expect(twice.status == 422 && twice.fields == ["attendees[1]"])

            let admin = try await TicketingHarness.admin()
            let added = try await h.call(
                "POST", "/api/v1/admin/blacklist", token: admin,
                json: #"{"oib":"\#(PurchaseHarness.oib(24))","reason":"stadium ban 2026-031"}"#)
            #expect(added.status == 201)
            // CSV import is all or nothing: one bad row and nothing is imported.
            let csv = "last_name,first_name,date_of_birth,reason\nKovač,Marko,1985-02-03,pyrotechnics\nNovak,Petar,not-a-date,fight\n"
            let refused = try await h.call(
                "POST", "/api/v1/admin/blacklist/import", token: admin, json: nil, headers: ["Content-Type": "text/csv"], raw: csv)
            #expect(refused.status == 422 && refused.fields == ["rows[3].date_of_birth"])
            let imported = try await h.call(
                "POST", "/api/v1/admin/blacklist/import", token: admin, json: nil, headers: ["Content-Type": "text/csv"],
                raw: "last_name,first_name,date_of_birth,reason\nKovač,Marko,1985-02-03,pyrotechnics\n")
            #expect(imported.status == 201 && imported.object["imported"] as? Int == 1)
            #expect((try await h.call("GET", "/api/v1/admin/blacklist", token: admin)).array.count == 2)

            // By OIB, and by name + date of birth whatever the case.
            let (holdID, banned) = try await p.order(match, user: "v4", attendees: [PurchaseHarness.attendee(25), PurchaseHarness.attendee(24)])
            #expect(banned.status == 403 && banned.fields == ["attendees[1]"])
            #expect(!(banned.object["detail"] as? String ?? "").contains("ban"))
            let byName =
                #"{"first_name":"MARKO","last_name":"kovač","date_of_birth":"1985-02-03","passport_number":"C01X00T47","passport_country":"DE","nationality":"DE"}"#
            let token = try await TicketingHarness.token(user: "v4")
            let second = try await h.call(
                "POST", "/api/v1/orders", token: token,
                json: #"{"hold_id":"\#(holdID)","attendees":[\#(byName),\#(PurchaseHarness.attendee(26))]}"#)
            #expect(second.status == 403 && second.fields == ["attendees[0]"])
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders", as: Int.self) == [0])
            let hits = try await h.call("GET", "/api/v1/admin/blacklist/hits", token: admin)
            #expect((hits.object["hits"] as? [[String: Any]])?.map { $0["matched_by"] as? String } == ["name_and_birth_date", "oib"])
            // With the attendee replaced the same hold is ordered.
            let fixed = try await h.call(
                "POST", "/api/v1/orders", token: token,
                json: #"{"hold_id":"\#(holdID)","attendees":[\#(PurchaseHarness.attendee(27)),\#(PurchaseHarness.attendee(26))]}"#)
            #expect(fixed.status == 201)
            // One ticket per person per match: attendee 26 cannot be on a second order.
            let (_, again) = try await p.order(match, user: "v5", attendees: [PurchaseHarness.attendee(26), PurchaseHarness.attendee(28)])
            #expect(again.status == 409 && again.fields == ["attendees[0]"])
        }
    }

    @Test func an_idempotency_key_replays_the_first_answer() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let hold = try await h.hold(match, user: "idem", quantity: 1)
            let holdID = try #require(hold.object["id"] as? String)
            let token = try await TicketingHarness.token(user: "idem")
            let body = #"{"hold_id":"\#(holdID)","attendees":[\#(PurchaseHarness.attendee(31))]}"#
            let first = try await h.call("POST", "/api/v1/orders", token: token, json: body, headers: ["Idempotency-Key": "k-1"])
            let second = try await h.call("POST", "/api/v1/orders", token: token, json: body, headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == 201 && second.status == 201)
            #expect(first.body == second.body)
            #expect(second.headers["idempotent-replayed"] == "true")
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders", as: Int.self) == [1])
            let other = try await h.call(
                "POST", "/api/v1/orders", token: token, json: #"{"hold_id":"\#(holdID)","attendees":[]}"#,
                headers: ["Idempotency-Key": "k-1"])
            #expect(other.status == 422 && other.fields == ["Idempotency-Key"])
            // Holds too: a retried reservation does not hold twice.
            let holdOnce = try await h.call(
                "POST", "/api/v1/matches/\(match)/holds", token: token, json: #"{"sector":"B","quantity":1}"#,
                headers: ["Idempotency-Key": "h-1"])
            let holdAgain = try await h.call(
                "POST", "/api/v1/matches/\(match)/holds", token: token, json: #"{"sector":"B","quantity":1}"#,
                headers: ["Idempotency-Key": "h-1"])
            #expect(holdOnce.status == 201 && holdAgain.body == holdOnce.body && holdAgain.headers["idempotent-replayed"] == "true")
            #expect(try await h.query("SELECT count(*)::int FROM inventory.holds WHERE buyer_id = 'idem'", as: Int.self) == [2])
            // Without the key the retry is a second request, refused because the hold has its order.
            let again = try await h.call("POST", "/api/v1/orders", token: token, json: body)
            #expect(again.status == 409 && again.body.contains("hold-has-order"))
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders", as: Int.self) == [1])
        }
    }

    /// Orders do not look their key up first (they record the answer in their transaction):
    /// a retry runs again and is then answered from the key. A refusal's record for staff is made once.
    @Test func a_retried_blacklist_refusal_is_replayed_and_recorded_once() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let admin = try await TicketingHarness.admin()
            #expect(
                try await h.call(
                    "POST", "/api/v1/admin/blacklist", token: admin,
                    json: #"{"oib":"\#(PurchaseHarness.oib(51))","reason":"stadium ban 2026-044"}"#
                ).status == 201)
            let hold = try await h.hold(match, user: "ban-retry", quantity: 2)
            let holdID = try #require(hold.object["id"] as? String)
            let token = try await TicketingHarness.token(user: "ban-retry")
            let body = #"{"hold_id":"\#(holdID)","attendees":[\#(PurchaseHarness.attendee(52)),\#(PurchaseHarness.attendee(51))]}"#
            let first = try await h.call("POST", "/api/v1/orders", token: token, json: body, headers: ["Idempotency-Key": "ban-1"])
            let retry = try await h.call("POST", "/api/v1/orders", token: token, json: body, headers: ["Idempotency-Key": "ban-1"])
            #expect(first.status == 403 && first.fields == ["attendees[1]"])
            #expect(retry.status == 403 && retry.body == first.body && retry.headers["idempotent-replayed"] == "true")
            let hits = try await h.call("GET", "/api/v1/admin/blacklist/hits", token: admin)
            #expect((hits.object["hits"] as? [[String: Any]])?.count == 1)
            // The same key for another body is still refused, and a new key orders the hold.
            let other = try await h.call(
                "POST", "/api/v1/orders", token: token, json: #"{"hold_id":"\#(holdID)","attendees":[]}"#,
                headers: ["Idempotency-Key": "ban-1"])
            #expect(other.status == 422 && other.fields == ["Idempotency-Key"])
            let fixed = #"{"hold_id":"\#(holdID)","attendees":[\#(PurchaseHarness.attendee(52)),\#(PurchaseHarness.attendee(53))]}"#
            #expect(try await h.call("POST", "/api/v1/orders", token: token, json: fixed, headers: ["Idempotency-Key": "ban-2"]).status == 201)
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders", as: Int.self) == [1])
        }
    }

    @Test func concurrent_retries_with_one_key_get_one_effect_and_one_answer() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let token = try await TicketingHarness.token(user: "racer")
            // given: five copies of one hold request in flight at once (an app retrying on a bad network)
            let holds = try await withThrowingTaskGroup(of: TicketingHarness.Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await h.call(
                            "POST", "/api/v1/matches/\(match)/holds", token: token, json: #"{"sector":"A","quantity":2}"#,
                            headers: ["Idempotency-Key": "race-hold"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // then: one hold, and every copy answered with it
            #expect(holds.allSatisfy { $0.status == 201 && $0.body == holds[0].body }, "\(holds.map(\.status))")
            #expect(try await h.query("SELECT count(*)::int FROM inventory.holds WHERE buyer_id = 'racer'", as: Int.self) == [1])
            #expect(try await h.query("SELECT count(*)::int FROM inventory.units WHERE hold_id IS NOT NULL AND status = 'held'", as: Int.self) == [2])
            let holdID = try #require(holds[0].object["id"] as? String)
            // The same for an order, and then for its payment (stored after its second transaction).
            let body = #"{"hold_id":"\#(holdID)","attendees":[\#(PurchaseHarness.attendee(41)),\#(PurchaseHarness.attendee(42))]}"#
            let orders = try await withThrowingTaskGroup(of: TicketingHarness.Reply.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await h.call("POST", "/api/v1/orders", token: token, json: body, headers: ["Idempotency-Key": "race-order"]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(orders.allSatisfy { $0.status == 201 && $0.body == orders[0].body }, "\(orders.map(\.status))")
            #expect(try await h.query("SELECT count(*)::int FROM orders.orders WHERE buyer_id = 'racer'", as: Int.self) == [1])
            let orderID = try #require(orders[0].object["id"] as? String)
            let pay = try await h.call("POST", "/api/v1/orders/\(orderID)/payment", token: token, headers: ["Idempotency-Key": "race-pay"])
            let payAgain = try await h.call("POST", "/api/v1/orders/\(orderID)/payment", token: token, headers: ["Idempotency-Key": "race-pay"])
            #expect(pay.status == 201 && payAgain.body == pay.body && payAgain.headers["idempotent-replayed"] == "true")
            // A refusal is an answer too: the retry gets it again, even once the cause is gone.
            let other = try await TicketingHarness.token(user: "not-racer")
            let refused = try await h.call("POST", "/api/v1/orders", token: other, json: body, headers: ["Idempotency-Key": "race-order"])
            #expect(refused.status == 404)
            let refusedAgain = try await h.call("POST", "/api/v1/orders", token: other, json: body, headers: ["Idempotency-Key": "race-order"])
            #expect(refusedAgain.status == 404 && refusedAgain.body == refused.body && refusedAgain.headers["idempotent-replayed"] == "true")
        }
    }

    @Test func a_failed_payment_releases_the_seats() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let match = try await p.h.matchOnSale()
            let (holdID, order) = try await p.order(match, user: "declined")
            let orderID = try #require(order.object["id"] as? String)
            let pi = try #require(try await p.pay(orderID, user: "declined").object["payment_intent_id"] as? String)
            try await p.confirm(pi, outcome: "failed")
            let event = try #require(try await p.events(for: pi).last)
            #expect(try await p.deliver(event).object["outcome"] as? String == "failed")
            #expect(try await p.orderState(orderID) == "payment_failed")
            #expect(try await p.h.query("SELECT state FROM inventory.holds WHERE id = \(UUID(uuidString: holdID)!)", as: String.self) == ["released"])
            #expect(
                try await p.h.query("SELECT count(*)::int FROM inventory.units WHERE match_id = \(match) AND status <> 'available'", as: Int.self)
                    == [0])
            #expect(try await p.h.query("SELECT count(*)::int FROM tickets.tickets", as: Int.self) == [0])
        }
    }

    @Test func a_success_after_the_hold_ended_retakes_the_seats_or_refunds() async throws {
        // Holds last 2 s plus 1 s of payment grace; the Redis key's expiry ends them.
        try await PurchaseHarness.with(holdTTL: "2s", grace: "1s") { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale(rows: 1, seats: 4)
            // Paid in time, but the webhook comes after the hold ended: the same seats are still free and sold.
            let (_, first) = try await p.order(match, user: "late-1")
            let firstID = try #require(first.object["id"] as? String)
            let pi1 = try #require(try await p.pay(firstID, user: "late-1").object["payment_intent_id"] as? String)
            try await p.confirm(pi1)
            #expect(try await eventually(timeout: .seconds(15)) { try await p.orderState(firstID) == "expired" })
            #expect(try await p.deliver(try #require(try await p.events(for: pi1).last)).object["outcome"] as? String == "tickets_issued")
            #expect(try await p.orderState(firstID) == "tickets_issued")

            // The same, but the seats went to someone else meanwhile: the money goes back.
            let (_, second) = try await p.order(match, user: "late-2")
            let secondID = try #require(second.object["id"] as? String)
            let pi2 = try #require(try await p.pay(secondID, user: "late-2").object["payment_intent_id"] as? String)
            try await p.confirm(pi2)
            #expect(try await eventually(timeout: .seconds(15)) { try await p.orderState(secondID) == "expired" })
            #expect(try await h.hold(match, user: "late-3", quantity: 2).status == 201)
            #expect(try await p.deliver(try #require(try await p.events(for: pi2).last)).object["outcome"] as? String == "refunded")
            #expect(try await p.orderState(secondID) == "expired")
            #expect(
                try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE order_id = \(UUID(uuidString: secondID)!)", as: Int.self) == [0])
            #expect(try await h.query("SELECT count(*)::int FROM payments.refunds WHERE payment_intent_id = \(pi2)", as: Int.self) == [1])
            // No seat is on two valid tickets or held twice.
            #expect(try await h.query("SELECT count(*)::int FROM inventory.units WHERE match_id = \(match) AND status = 'sold'", as: Int.self) == [2])
        }
    }

    /// A client (or an auto-confirming test double) confirms the PaymentIntent so fast that Stripe's
    /// success arrives before `startPayment` has recorded it: it is still this order's payment.
    @Test func a_success_reported_before_the_payment_intent_was_recorded_is_the_orders() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            let match = try await p.h.matchOnSale()
            let (_, order) = try await p.order(match, user: "quick")
            let orderID = try #require(order.object["id"] as? String)
            let id = UUID(uuidString: orderID)!.lowercased
            // The very request StripeClient sends (same body, same idempotency key), made before ours.
            let form = StripeClient.formEncode([
                ("amount", "10000"), ("currency", "eur"), ("description", "HNS tickets, order \(id)"),
                ("automatic_payment_methods[enabled]", "true"), ("metadata[site]", "backend"), ("metadata[order_id]", id),
            ])
            let created = try await TestHTTP.send(
                "POST", p.stripeBase + "/v1/payment_intents",
                headers: [
                    "Authorization": "Bearer \(PurchaseHarness.stripeKey)", "Content-Type": "application/x-www-form-urlencoded",
                    "Idempotency-Key": "order-\(id)-payment",
                ], body: Array(form.utf8))
            let pi = try #require(created.json?["id"]?.stringValue, "\(created.text)")
            try await p.confirm(pi)
            #expect(try await p.deliver(try #require(try await p.events(for: pi).last)).object["outcome"] as? String == "tickets_issued")
            #expect(try await p.orderState(orderID) == "tickets_issued")
            #expect(
                try await p.h.query("SELECT payment_intent_id FROM orders.orders WHERE id = \(UUID(uuidString: orderID)!)", as: String.self) == [pi])
            // A payment call after that is told the order is paid.
            let pay = try await p.pay(orderID, user: "quick")
            #expect(pay.status == 409 && (pay.object["type"] as? String)?.hasSuffix("order-paid") == true, "\(pay.body)")
            #expect(try await p.h.query("SELECT count(*)::int FROM payments.refunds", as: Int.self) == [0])
            #expect(
                try await p.h.query("SELECT count(*)::int FROM tickets.tickets WHERE order_id = \(UUID(uuidString: orderID)!)", as: Int.self) == [2])
        }
    }

    @Test func without_a_webhook_the_reconciler_asks_stripe_and_refunds_are_sent() async throws {
        try await PurchaseHarness.with(holdTTL: "2s", grace: "30s", reconcile: "500ms") { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            let (_, order) = try await p.order(match, user: "quiet")
            let orderID = try #require(order.object["id"] as? String)
            let pi = try #require(try await p.pay(orderID, user: "quiet").object["payment_intent_id"] as? String)
            try await p.confirm(pi)  // no webhook is ever delivered
            #expect(try await eventually(timeout: .seconds(20)) { try await p.orderState(orderID) == "tickets_issued" })
            #expect(
                try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE order_id = \(UUID(uuidString: orderID)!)", as: Int.self) == [2])

            // A payment for an order that is not ours is refunded through Stripe by the reconciler.
            let stray = try await TestHTTP.send(
                "POST", p.stripeBase + "/v1/payment_intents",
                headers: [
                    "Authorization": "Bearer \(PurchaseHarness.stripeKey)", "Content-Type": "application/x-www-form-urlencoded",
                ], body: Array("amount=700&currency=eur&metadata[site]=backend&metadata[order_id]=\(UUID().uuidString.lowercased())".utf8))
            let strayPI = try #require(stray.json?["id"]?.stringValue)
            try await p.confirm(strayPI)
            #expect(try await p.deliver(try #require(try await p.events(for: strayPI).last)).object["outcome"] as? String == "unknown_order")
            #expect(try await eventually(timeout: .seconds(20)) { try await p.refunds(for: strayPI).first?["amount"] as? Int == 700 })
            #expect(
                try await eventually(timeout: .seconds(5)) {
                    try await h.query("SELECT state FROM payments.refunds WHERE payment_intent_id = \(strayPI)", as: String.self) == ["succeeded"]
                })
        }
    }

    @Test func while_the_queue_is_active_purchases_need_this_fans_purchase_token() async throws {
        let clock = ManualClock()
        try await PurchaseHarness.with(clock: clock) { p async throws -> Void in
            let h = p.h
            let match = try await h.matchOnSale()
            try await RedisTestServer.withClient { redis in _ = try await redis.hset("hns:queue:\(match):config", ["state": "open"]) }
            let fan = try await TicketingHarness.token(user: "queued")
            let hold = #"{"sector":"A","quantity":2}"#
            let none = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: fan, json: hold)
            #expect(none.status == 403)
            let signer = await PurchaseTokenSigner(key: HS256Key(Secret(PurchaseHarness.queueKey))!)
            let other = try await signer.sign(
                PurchaseToken(userID: "someone-else", matchID: String(match), windowEndsAt: Date().addingTimeInterval(1200)))
            #expect(
                try await h.call("POST", "/api/v1/matches/\(match)/holds", token: fan, json: hold, headers: ["X-Purchase-Token": other]).status == 403
            )
            let expired = try await signer.sign(PurchaseToken(userID: "queued", matchID: String(match), windowEndsAt: Date().addingTimeInterval(-60)))
            let late = try await h.call("POST", "/api/v1/matches/\(match)/holds", token: fan, json: hold, headers: ["X-Purchase-Token": expired])
            #expect(late.status == 403 && (late.object["type"] as? String)?.hasSuffix("purchase-window-ended") == true)
            let windowID = UUID().uuidString.lowercased()
            let mine = try await signer.sign(
                PurchaseToken(
                    userID: "queued", matchID: String(match), windowEndsAt: Date().addingTimeInterval(1200),
                    tokenID: windowID))
            let ok = try await h.call(
                "POST", "/api/v1/matches/\(match)/holds", token: fan, json: #"{"sector":"B","quantity":1}"#, headers: ["X-Purchase-Token": mine])
            #expect(ok.status == 201)
            let order = #"{"hold_id":"\#(ok.object["id"] as! String)","attendees":[\#(PurchaseHarness.attendee(41))]}"#
            // The order's gate is asked inside its transaction from the cached queue state (the hold
            // just cached it): without the token it is refused, and nothing is written.
            #expect(try await h.call("POST", "/api/v1/orders", token: fan, json: order).status == 403)
            // Once the cached state has expired (a second), the order's transaction gives way, the state
            // is read from Redis, and the order is made with the token's window.
            clock.advance(by: .milliseconds(1100))
            let withWindow = try await h.call("POST", "/api/v1/orders", token: fan, json: order, headers: ["X-Purchase-Token": mine])
            #expect(withWindow.status == 201 && withWindow.object["window_ends_at"] is String)
            // A window that expires (as read from the queue's stream: one of this test's own, the real
            // one is shared by every test of this run) ends the orders made in it that are not paying.
            let jti = windowID
            let windowOrder = try #require(withWindow.object["id"] as? String)
            try await h.db.withClient { pg in
                try await RedisTestServer.withClient { redis in
                    let modules = TicketingModules(postgres: pg, redis: redis, holdTTL: .seconds(900), logger: TicketingHarness.logger)
                    let consumer = QueueEventsConsumer(
                        orders: modules.orders, redis: redis, logger: TicketingHarness.logger, stream: "test:events:queue:\(jti)")
                    _ = try await redis.xadd(
                        consumer.stream,
                        [
                            ("type", "queue.turn_granted"), ("match_id", String(match)), ("user_id", "queued"),
                            ("queue_id", "q1"), ("jti", jti), ("window_ends_at", "1900000000000"), ("at", "1"),
                        ])
                    try await consumer.pollOnce(on: redis, blockMs: 100)
                    _ = try await redis.xadd(
                        consumer.stream,
                        [
                            ("type", "queue.expired"), ("match_id", String(match)), ("user_id", "queued"),
                            ("queue_id", "q1"), ("jti", jti), ("at", "2"),
                        ])
                    try await consumer.pollOnce(on: redis, blockMs: 100)
                    #expect(try await redis.xpending(consumer.stream, group: QueueEventsConsumer.group).count == 0)
                    _ = try await redis.del(consumer.stream)
                }
            }
            #expect(try await p.orderState(windowOrder) == "cancelled")
        }
    }

    @Test func a_long_poll_answers_when_the_payment_settles() async throws {
        // Re-reads only every 60 s: each wake-up below (well within 10 s, on a 20 s wait) can only have
        // come from the announcement that the order settled.
        try await PurchaseHarness.with(waitRecheck: "60s") { p async throws -> Void in
            let match = try await p.h.matchOnSale()
            let (_, order) = try await p.order(match, user: "waiter")
            let orderID = try #require(order.object["id"] as? String)
            let pi = try #require(try await p.pay(orderID, user: "waiter").object["payment_intent_id"] as? String)
            let token = try await TicketingHarness.token(user: "waiter")
            // A bad wait is refused, naming the parameter; 0 answers at once.
            for bad in ["abc", "31", "-1", "2.5", "", "5&wait=6"] {
                let refused = try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=\(bad)", token: token)
                #expect(refused.status == 422 && refused.fields == ["wait"], "wait=\(bad): \(refused.body)")
            }
            #expect(try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=0", token: token).object["state"] as? String == "awaiting_payment")
            // Nothing happens: the answer comes when the time is up, with the order as it is.
            let idle = ContinuousClock.now
            let unchanged = try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=1", token: token)
            #expect(unchanged.object["state"] as? String == "awaiting_payment")
            #expect(ContinuousClock.now - idle >= .milliseconds(950))
            // Someone else's order is not found, without waiting.
            let other = try await TicketingHarness.token(user: "someone-else")
            let started = ContinuousClock.now
            #expect(try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=20", token: other).status == 404)
            #expect(ContinuousClock.now - started < .seconds(10))

            // A long poll in flight answers when the webhook settles the order, well before its 20 s.
            let pollStarted = ContinuousClock.now
            let polled = Task { try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=20", token: token) }
            try await Task.sleep(for: .milliseconds(300))
            try await p.confirm(pi)
            let event = try #require(try await p.events(for: pi).last)
            let delivered = ContinuousClock.now
            #expect(try await p.deliver(event).object["outcome"] as? String == "tickets_issued")
            let answer = try await polled.value
            #expect(ContinuousClock.now - delivered < .seconds(10))
            #expect(ContinuousClock.now - pollStarted < .seconds(10))
            #expect(answer.status == 200 && answer.object["state"] as? String == "tickets_issued", "\(answer.body)")
            #expect((answer.object["tickets"] as? [[String: Any]])?.count == 2)
            // A settled order answers at once.
            let settled = ContinuousClock.now
            #expect(try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=20", token: token).object["state"] as? String == "tickets_issued")
            #expect(ContinuousClock.now - settled < .seconds(10))

            // A failed payment wakes its waiting request too.
            let (_, second) = try await p.order(match, user: "waiter")
            let secondID = try #require(second.object["id"] as? String)
            let pi2 = try #require(try await p.pay(secondID, user: "waiter").object["payment_intent_id"] as? String)
            let failingStarted = ContinuousClock.now
            let failing = Task { try await p.h.call("GET", "/api/v1/orders/\(secondID)?wait=20", token: token) }
            try await Task.sleep(for: .milliseconds(300))
            try await p.confirm(pi2, outcome: "failed")
            let failedAt = ContinuousClock.now
            #expect(try await p.deliver(try #require(try await p.events(for: pi2).last)).object["outcome"] as? String == "failed")
            #expect(try await failing.value.object["state"] as? String == "payment_failed")
            #expect(ContinuousClock.now - failedAt < .seconds(10))
            #expect(ContinuousClock.now - failingStarted < .seconds(10))

            // The buyer's cancel wakes it as well.
            let (_, third) = try await p.order(match, user: "waiter")
            let thirdID = try #require(third.object["id"] as? String)
            let cancelStarted = ContinuousClock.now
            let cancelling = Task { try await p.h.call("GET", "/api/v1/orders/\(thirdID)?wait=20", token: token) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await p.h.call("POST", "/api/v1/orders/\(thirdID)/cancel", token: token).status == 200)
            #expect(try await cancelling.value.object["state"] as? String == "cancelled")
            #expect(ContinuousClock.now - cancelStarted < .seconds(10))
            // A PaymentIntent cancelled after its order ended is recorded as cancelled all the same.
            let (_, paying) = try await p.order(match, user: "waiter")
            let payingID = try #require(paying.object["id"] as? String)
            let pi3 = try #require(try await p.pay(payingID, user: "waiter").object["payment_intent_id"] as? String)
            #expect(try await p.h.call("POST", "/api/v1/orders/\(payingID)/cancel", token: token).status == 200)
            let canceledEvent = try #require(try await p.events(for: pi3).last)
            #expect(try await p.deliver(canceledEvent).object["outcome"] as? String == "ignored")
            #expect(try await p.h.query("SELECT status FROM payments.payment_intents WHERE id = \(pi3)", as: String.self) == ["canceled"])

            // And so does its hold ending under it (here released by the buyer before paying).
            let (fourthHold, fourth) = try await p.order(match, user: "waiter")
            let fourthID = try #require(fourth.object["id"] as? String)
            let releaseStarted = ContinuousClock.now
            let releasing = Task { try await p.h.call("GET", "/api/v1/orders/\(fourthID)?wait=20", token: token) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await p.h.call("DELETE", "/api/v1/holds/\(fourthHold)", token: token).status == 204)
            #expect(try await releasing.value.object["state"] as? String == "cancelled")
            #expect(ContinuousClock.now - releaseStarted < .seconds(10))
        }
    }

    @Test func a_waiting_request_rereads_its_order_when_no_announcement_comes() async throws {
        try await PurchaseHarness.with(waitRecheck: "500ms") { p async throws -> Void in
            let match = try await p.h.matchOnSale()
            let (_, order) = try await p.order(match, user: "rereader")
            let orderID = try #require(order.object["id"] as? String)
            let token = try await TicketingHarness.token(user: "rereader")
            let started = ContinuousClock.now
            let waiting = Task { try await p.h.call("GET", "/api/v1/orders/\(orderID)?wait=20", token: token) }
            try await Task.sleep(for: .milliseconds(300))
            // Settled behind the service's back: nothing announces it, only the re-read can see it.
            _ = try await p.h.query("UPDATE orders.orders SET state = 'expired' WHERE id = \(UUID(uuidString: orderID)!) RETURNING 1", as: Int.self)
            #expect(try await waiting.value.object["state"] as? String == "expired")
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func our_own_events_from_the_bus_are_checked_and_acknowledged() async throws {
        try await PurchaseHarness.with { p in
            let bus = ["Authorization": "Bearer \(PurchaseHarness.busToken)", "Event-Seq": "7", "Delivery-Attempt": "1"]
            let envelope =
                #"{"subject":"order.created","data":{"order_id":"x"},"timestamp":"2026-11-30T00:00:00.000Z","message_id":"order.created:x"}"#
            #expect(try await p.h.call("POST", "/api/v1/webhooks/nats", json: envelope, headers: bus).status == 204)
            // Not an envelope: refused with the field at fault, so the bus retries and an operator sees why.
            let noID = try await p.h.call(
                "POST", "/api/v1/webhooks/nats", json: #"{"subject":"order.created","data":{},"timestamp":"2026-11-30T00:00:00Z"}"#, headers: bus)
            #expect(noID.status == 422)
            #expect(noID.fields == ["message_id"])
            #expect(try await p.h.call("POST", "/api/v1/webhooks/nats", json: #"{"subject":"order.created","#, headers: bus).status == 400)
            // Only the bus may deliver.
            let stranger = try await p.h.call("POST", "/api/v1/webhooks/nats", json: envelope, headers: ["Authorization": "Bearer nope"])
            #expect(stranger.status == 401)
        }
    }
}

@Suite struct OrderStateTests {
    @Test func the_happy_path_and_every_ending() throws {
        var s = OrderState.created
        for event in [OrderState.Event.seatsHeld, .paymentStarted, .paymentSucceeded, .ticketsIssued] { s = try s.after(event) }
        #expect(s == .ticketsIssued && s.isFinal)
        #expect(try OrderState.seatsHeld.after(.expire) == .expired)
        #expect(try OrderState.awaitingPayment.after(.paymentFailed) == .paymentFailed)
        #expect(try OrderState.awaitingPayment.after(.cancel) == .cancelled)
        #expect(try OrderState.expired.after(.lateSuccessReseated) == .paid)
        #expect(try OrderState.ticketsIssued.after(.refundedInPart).after(.refundedInFull) == .refunded)
        #expect(try OrderState.seatsHeld.after(.issuedOnAccount) == .ticketsIssued)
        #expect(try OrderState.ticketsIssued.after(.voidedUnpaid) == .cancelled)
    }

    @Test func every_other_transition_is_refused() {
        let allowed: Set<String> = [
            "created.seatsHeld", "seats_held.paymentStarted", "awaiting_payment.paymentSucceeded", "paid.ticketsIssued",
            "awaiting_payment.paymentFailed", "created.expire", "seats_held.expire", "awaiting_payment.expire", "created.cancel",
            "seats_held.cancel", "awaiting_payment.cancel", "expired.lateSuccessReseated", "cancelled.lateSuccessReseated",
            "payment_failed.lateSuccessReseated", "tickets_issued.refundedInPart", "partially_refunded.refundedInPart",
            "tickets_issued.refundedInFull", "partially_refunded.refundedInFull", "seats_held.issuedOnAccount",
            "tickets_issued.voidedUnpaid",
        ]
        for state in OrderState.allCases {
            for event in OrderState.Event.allCases {
                let key = "\(state.rawValue).\(event.rawValue)"
                let result = try? state.after(event)
                #expect((result != nil) == allowed.contains(key), "\(key)")
            }
        }
        #expect(throws: OrderState.InvalidTransition(from: .ticketsIssued, event: .cancel)) { try OrderState.ticketsIssued.after(.cancel) }
    }
}
