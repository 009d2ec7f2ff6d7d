import Foundation
import HNSPostgres
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct AuditTrailTests {
    @Test func an_admin_change_is_recorded_with_its_actor_role_and_request() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            // given
            let admin = try await TicketingHarness.admin()
            let entry = #"{"oib":"\#(PurchaseHarness.oib(77))","reason":"stadium ban 2026/17"}"#
            // when
            let added = try await h.call("POST", "/api/v1/admin/blacklist", token: admin, json: entry, headers: ["X-Request-Id": "req-audit-1"])
            #expect(added.status == 201)
            // then
            let id = try #require(added.object["id"] as? Int)
            let rows = try await h.query(
                """
                SELECT domain || ' ' || action || ' ' || actor_id || ' ' || actor_role || ' ' || coalesce(request_id, '-')
                FROM audit.entries WHERE subjects[1] = \("blacklist:\(id)")
                """, as: String.self)
            #expect(rows == ["E11 blacklist.added admin-1 admin req-audit-1"])
        }
    }

    @Test func the_database_refuses_to_change_or_remove_an_entry() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            // given: an entry (a match created by an admin)
            let match = try await h.matchOnSale()
            let subject = "match:\(match)"
            #expect(try await h.query("SELECT count(*)::int FROM audit.entries WHERE subjects[1] = \(subject)", as: Int.self).first ?? 0 > 0)
            // when / then: UPDATE, DELETE and TRUNCATE are each refused with insufficient_privilege
            for statement in [
                "UPDATE audit.entries SET action = 'forged' WHERE subjects[1] = '\(subject)'",
                "DELETE FROM audit.entries WHERE subjects[1] = '\(subject)'",
                "TRUNCATE audit.entries",
            ] {
                let refused = await #expect(throws: (any Error).self) {
                    try await h.db.withClient { client in
                        try await client.query(PostgresQuery(unsafeSQL: statement), logger: TicketingHarness.logger)
                    }
                }
                #expect(refused.flatMap(SQLState.of) == "42501", "\(statement): \(String(reflecting: refused))")
            }
            let actions = try await h.query("SELECT action FROM audit.entries WHERE subjects[1] = \(subject) ORDER BY id", as: String.self)
            #expect(actions.first == "match.created" && !actions.contains("forged"))
        }
    }
}
