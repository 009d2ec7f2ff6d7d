import Foundation
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// A state the code does not know (written by a newer version, or by hand) is our fault to see,
/// not something to show as another state.
@Suite struct StoredStateTests {
    @Test func an_order_in_an_unknown_state_is_a_500_not_shown_as_cancelled() async throws {
        try await PurchaseHarness.with { p async throws -> Void in
            // given: an order whose stored state this version does not know
            let match = try await p.h.matchOnSale()
            let (_, order) = try await p.order(match, user: "odd")
            let orderID = try #require(order.object["id"] as? String)
            try await p.h.db.withClient { client in
                try await client.query("ALTER TABLE orders.orders DROP CONSTRAINT orders_state_check", logger: TicketingHarness.logger)
                try await client.query(
                    "UPDATE orders.orders SET state = 'refund_pending' WHERE id = \(UUID(uuidString: orderID)!)", logger: TicketingHarness.logger)
            }
            // when
            let read = try await p.h.call("GET", "/api/v1/orders/\(orderID)", token: try await TicketingHarness.token(user: "odd"))
            // then
            #expect(read.status == 500)
            #expect((read.object["type"] as? String)?.hasSuffix("/internal") == true)
            #expect(!read.body.contains("cancelled") && !read.body.contains("refund_pending"))
        }
    }
}
