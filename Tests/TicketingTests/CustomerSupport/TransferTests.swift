import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E10: a support agent gives a ticket to another holder.
@Suite struct TransferTests {
    static func agent() async throws -> String { try await TicketingHarness.token(user: "agent-7", roles: ["support"]) }

    /// A paid order of `seats` tickets for `buyer`; returns (order id, ticket ids by position).
    static func paidOrder(_ p: PurchaseHarness, match: Int64, buyer: String, attendees: [String]) async throws -> (String, [String]) {
        let (_, order) = try await p.order(match, user: buyer, seats: attendees.count, attendees: attendees)
        guard order.status == 201, let orderID = order.object["id"] as? String else { throw HarnessError(reply: order) }
        let pay = try await p.pay(orderID, user: buyer)
        guard let pi = pay.object["payment_intent_id"] as? String else { throw HarnessError(reply: pay) }
        try await p.confirm(pi)
        let handled = try await p.deliver(try #require(try await p.events(for: pi).last))
        guard handled.object["outcome"] as? String == "tickets_issued" else { throw HarnessError(reply: handled) }
        let ids = try await p.h.query(
            "SELECT id::text FROM tickets.tickets WHERE order_id = \(UUID(uuidString: orderID)!) ORDER BY position", as: String.self)
        return (orderID, ids)
    }

    static func body(_ holder: String, email: String? = nil, reason: String = "buyer cannot attend") -> String {
        let deliver = email.map { #","deliver_to_email":"\#($0)""# } ?? ""
        return #"{"holder":\#(holder),"reason":"\#(reason)"\#(deliver)}"#
    }

    @Test func a_transfer_gives_the_ticket_a_new_holder_and_barcode_and_keeps_its_history() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (first, second) = (PurchaseHarness.attendee(31), PurchaseHarness.attendee(32))
            let (orderID, tickets) = try await Self.paidOrder(p, match: match, buyer: "fan-31", attendees: [first, second])
            let ticket = tickets[0]
            let path = "/api/v1/support/tickets/\(ticket)/transfer"
            let newcomer = PurchaseHarness.attendee(33, first: "Luka")
            let oldBarcode = try await h.query("SELECT barcode FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket)!)", as: String.self)

            // Only support agents transfer; the input is checked as a purchase's attendees are.
            let fan = try await TicketingHarness.token(user: "fan-31")
            #expect(try await h.call("POST", path, token: fan, json: Self.body(newcomer)).status == 403)
            let agent = try await Self.agent()
            let badOIB = #"{"first_name":"Luka","last_name":"Kos","date_of_birth":"1990-01-01","oib":"12345678901","nationality":"HR"}"#
            let invalid = try await h.call("POST", path, token: agent, json: #"{"holder":\#(badOIB),"reason":" "}"#)
            #expect(invalid.status == 422 && Set(invalid.fields) == ["holder.oib", "reason"], "\(invalid.body)")
            // The order's other holder already has a ticket for this match.
            let taken = try await h.call("POST", path, token: agent, json: Self.body(second))
            #expect(taken.status == 409 && taken.fields == ["holder"], "\(taken.body)")
            #expect(try await h.call("POST", "/api/v1/support/tickets/\(UUID())/transfer", token: agent, json: Self.body(newcomer)).status == 404)

            let moved = try await h.call("POST", path, token: agent, json: Self.body(newcomer, email: "luka@example.test"))
            #expect(moved.status == 200, "\(moved.body)")
            #expect(moved.object["holder_name"] as? String == "Luka Horvat33")
            #expect(moved.object["wallet_user_id"] is NSNull && moved.object["deliver_to_email"] as? String == "luka@example.test")
            let history = try #require(moved.object["transfers"] as? [[String: Any]])
            #expect(history.count == 1 && history.first?["from_holder_name"] as? String == "Ivan Horvat31", "\(moved.body)")
            #expect(history.first?["agent"] as? String == "agent-7" && history.first?["reason"] as? String == "buyer cannot attend")

            // A new barcode; the old one is revoked for good.
            let newBarcode = try await h.query("SELECT barcode FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket)!)", as: String.self)
            #expect(newBarcode.count == 1 && newBarcode != oldBarcode)
            #expect(
                try await h.query("SELECT reason FROM tickets.revoked_barcodes WHERE barcode = \(oldBarcode[0])", as: String.self) == ["transferred"])
            // It left the buyer's wallet and appears in the wallet of whoever signs in with the email.
            let wallet = try await h.call("GET", "/api/v1/wallet/tickets", token: fan)
            let left = ((wallet.object["tickets"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? String)?.lowercased() }
            #expect(left == [tickets[1]], "\(wallet.body)")
            let luka = try await TicketingHarness.token(user: "luka", email: "luka@example.test")
            let lukasWallet = try await h.call("GET", "/api/v1/wallet/tickets", token: luka)
            let arrived = ((lukasWallet.object["tickets"] as? [[String: Any]]) ?? [])
            #expect(arrived.map { ($0["id"] as? String)?.lowercased() } == [ticket] && arrived.first?["holder_name"] as? String == "Luka Horvat33")

            // One ticket per person per match counts the new holder, and no longer the old one.
            let (_, lukaBuys) = try await p.order(match, user: "luka", seats: 1, attendees: [newcomer])
            #expect(lukaBuys.status == 409, "\(lukaBuys.body)")
            let (_, firstBuysAgain) = try await p.order(match, user: "fan-31-again", seats: 1, attendees: [first])
            #expect(firstBuysAgain.status == 201, "\(firstBuysAgain.body)")
            #expect(
                try await h.query(
                    "SELECT first_name FROM orders.attendee_changes WHERE order_id = \(UUID(uuidString: orderID)!) AND position = 1", as: String.self)
                    == ["Ivan"])

            // Transferred again without an email: it stays in the wallet it is in (Luka's, claimed).
            let third = PurchaseHarness.attendee(34, first: "Mia")
            let again = try await h.call("POST", path, token: agent, json: Self.body(third, reason: "given to a friend"))
            #expect(again.status == 200 && again.object["wallet_user_id"] as? String == "luka", "\(again.body)")
            let read = try await h.call("GET", "/api/v1/support/tickets/\(ticket)", token: agent)
            let holders = ((read.object["transfers"] as? [[String: Any]]) ?? []).map {
                "\($0["from_holder_name"] ?? "")→\($0["to_holder_name"] ?? "")"
            }
            #expect(holders == ["Ivan Horvat31→Luka Horvat33", "Luka Horvat33→Mia Horvat34"], "\(read.body)")

            // An audit entry of E10 with the agent and reason, and the announcement for both sides.
            let audited = try await h.query(
                """
                SELECT actor_id || ' ' || (data ->> 'reason') FROM audit.entries
                WHERE domain = 'E10' AND action = 'ticket.transferred' AND subjects[1] = \("ticket:" + ticket) ORDER BY id
                """, as: String.self)
            #expect(audited == ["agent-7 buyer cannot attend", "agent-7 given to a friend"])
            let announced = try await h.query(
                "SELECT count(*)::int FROM outbox.messages WHERE subject = 'ticket.transferred' AND payload ->> 'ticket_id' = \(ticket)", as: Int.self
            )
            #expect(announced == [2])
        }
    }

    @Test func used_tickets_blacklisted_holders_and_the_freeze_before_kickoff_refuse_a_transfer() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (_, tickets) = try await Self.paidOrder(
                p, match: match, buyer: "fan-41", attendees: [PurchaseHarness.attendee(41), PurchaseHarness.attendee(42)])
            let agent = try await Self.agent()
            _ = try await h.query("UPDATE tickets.tickets SET status = 'used' WHERE id = \(UUID(uuidString: tickets[0])!) RETURNING 1", as: Int.self)
            let used = try await h.call(
                "POST", "/api/v1/support/tickets/\(tickets[0])/transfer", token: agent, json: Self.body(PurchaseHarness.attendee(43)))
            #expect(used.status == 409 && (used.object["type"] as? String)?.hasSuffix("/ticket-not-transferable") == true, "\(used.body)")

            let admin = try await TicketingHarness.admin()
            let banned = PurchaseHarness.oib(44)
            #expect(try await h.call("POST", "/api/v1/admin/blacklist", token: admin, json: #"{"oib":"\#(banned)","reason":"ban"}"#).status == 201)
            let refused = try await h.call(
                "POST", "/api/v1/support/tickets/\(tickets[1])/transfer", token: agent, json: Self.body(PurchaseHarness.attendee(44)))
            #expect(refused.status == 403 && refused.fields == ["holder"], "\(refused.body)")
            #expect(try await h.query("SELECT count(*)::int FROM security.blacklist_hits", as: Int.self) == [1])
            #expect(try await h.query("SELECT count(*)::int FROM support.transfers", as: Int.self) == [0])

            // The match kicks off within the freeze (2 h by default).
            _ = try await h.query(
                "UPDATE matches.matches SET kickoff_at = now() + interval '1 hour' WHERE id = \(match) RETURNING 1", as: Int.self)
            let frozen = try await h.call(
                "POST", "/api/v1/support/tickets/\(tickets[1])/transfer", token: agent, json: Self.body(PurchaseHarness.attendee(45)))
            #expect(frozen.status == 409 && (frozen.object["type"] as? String)?.hasSuffix("/transfer-frozen") == true, "\(frozen.body)")
        }
    }
}
