import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E13 and E6: the stadium's attendance export comes back after the match, marks tickets used and
/// earns their holders loyalty points, which open early-access sales phases.
@Suite struct AttendanceTests {
    static func barcode(_ h: TicketingHarness, _ ticket: String) async throws -> String {
        try await h.query("SELECT barcode FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket)!)", as: String.self)[0]
    }

    static func post(_ h: TicketingHarness, _ match: Int64, _ file: [UInt8], query: String = "") async throws -> TicketingHarness.Reply {
        let admin = try await TicketingHarness.admin()
        let reply = try await TestHTTP.send(
            "POST", h.base + "/api/v1/admin/matches/\(match)/attendance" + query,
            headers: ["Authorization": "Bearer \(admin)", "Content-Type": "text/csv"], body: file)
        return TicketingHarness.Reply(status: reply.status, body: reply.text)
    }

    @Test func an_attendance_file_marks_tickets_used_reports_what_the_gates_saw_and_imports_once() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (orderID, tickets) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-61", attendees: [PurchaseHarness.attendee(61), PurchaseHarness.attendee(62)])
            let (_, other) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-63", attendees: [PurchaseHarness.attendee(63)])
            let (came, refunded, stayedHome) = (
                try await Self.barcode(h, tickets[0]), try await Self.barcode(h, tickets[1]), try await Self.barcode(h, other[0])
            )
            let agent = try await TransferTests.agent()
            let refund = try await h.call(
                "POST", "/api/v1/support/orders/\(orderID)/refunds", token: agent, json: #"{"ticket_ids":["\#(tickets[1])"],"reason":"illness"}"#)
            #expect(refund.status == 201, "\(refund.body)")

            // The stadium's own column names, semicolons, Zagreb's local time; a re-entry, a refunded
            // code that was let in anyway, and a code nobody issued.
            let file = Array(
                """
                Code;Time;Gate
                \(came);2030-05-01 20:01:05;Sjever 2
                \(came);2030-05-01 21:10:00;Sjever 2
                \(refunded);01.05.2030 20:15;Jug 1
                HNS1-forged-code;2030-05-01 20:20:00;Jug 1

                """.utf8)

            // A column the file lacks is named; bad rows are named by their row number; nothing changes.
            let wrongColumn = try await Self.post(h, match, file, query: "?barcode_column=Barcode&scanned_at_column=Time&gate_column=Gate")
            #expect(wrongColumn.status == 422 && wrongColumn.fields == ["barcode_column"], "\(wrongColumn.body)")
            let broken = Array("Code;Time;Gate\n\(came);2030-05-01 20:01:05;A\n;2030-05-01 20:01:05;A\n\(stayedHome);yesterday;A\n".utf8)
            let bad = try await Self.post(h, match, broken, query: "?barcode_column=Code&scanned_at_column=Time&gate_column=Gate")
            #expect(bad.status == 422 && bad.fields == ["rows[3].barcode", "rows[4].scanned_at"], "\(bad.body)")
            #expect(try await h.query("SELECT count(*)::int FROM tickets.tickets WHERE status = 'used'", as: Int.self) == [0])

            let imported = try await Self.post(h, match, file, query: "?barcode_column=Code&scanned_at_column=Time&gate_column=Gate")
            #expect(imported.status == 201, "\(imported.body)")
            let r = imported.object
            #expect(r["rows"] as? Int == 4 && r["codes"] as? Int == 3 && r["repeated_scans"] as? Int == 1 && r["marked_used"] as? Int == 1, "\(r)")
            #expect((r["unknown"] as? [String: Any])?["codes"] as? [String] == ["HNS1-forged-code"])
            let revoked = try #require(r["revoked_scanned"] as? [[String: Any]])
            #expect(revoked.count == 1 && revoked[0]["barcode"] as? String == refunded && revoked[0]["reason"] as? String == "refunded")
            #expect(revoked[0]["gate"] as? String == "Jug 1" && revoked[0]["scanned_at"] as? String == "2030-05-01T18:15:00.000Z", "\(revoked)")
            let sectors = try #require(r["sectors"] as? [[String: Any]])
            #expect(
                sectors.count == 1 && sectors[0]["sold"] as? Int == 2 && sectors[0]["scanned"] as? Int == 1 && sectors[0]["no_shows"] as? Int == 1)
            #expect((r["loyalty"] as? [String: Any])?["people_awarded"] as? Int == 1)
            // The first scan's time (20:01:05 in Zagreb is 18:01:05 UTC in May) and gate.
            let used = try await h.query(
                """
                SELECT status || ' ' || to_char(used_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' ' || used_gate FROM tickets.tickets
                WHERE id = \(UUID(uuidString: tickets[0])!)
                """, as: String.self)
            #expect(used == ["used 18:01:05 Sjever 2"])

            // The same file again: its report, marked as such, and nothing changes.
            let again = try await Self.post(h, match, file, query: "?barcode_column=Code&scanned_at_column=Time&gate_column=Gate")
            #expect(
                again.status == 200 && again.object["replayed"] as? Bool == true && again.object["import_id"] as? String == r["import_id"] as? String)
            #expect(try await h.query("SELECT count(*)::int FROM loyalty.ledger", as: Int.self) == [1])

            // The stadium's mapping was kept: a later file with the same columns needs none.
            let late = try await Self.post(
                h, match, Array("Code;Time;Gate\n\(stayedHome);2030-05-01 20:40;Istok\n\(came);2030-05-01 20:01:05;X\n".utf8))
            #expect(late.status == 201 && late.object["marked_used"] as? Int == 1 && late.object["already_used"] as? Int == 1, "\(late.body)")
            #expect(late.object["no_shows"] as? Int == 0)
            #expect(
                try await h.query("SELECT count(*)::int FROM audit.entries WHERE action = 'attendance.imported'", as: Int.self) == [2])
        }
    }

    @Test func an_xlsx_export_written_by_openpyxl_is_read_with_its_date_cells() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let (_, tickets) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-64", attendees: [PurchaseHarness.attendee(64)])
            let code = try await Self.barcode(h, tickets[0])
            // Shared strings and a real date cell (Excel's day serial), as a stadium's Excel writes them.
            let file = try AccessExportTests.python(
                """
                import datetime, io, sys, openpyxl
                book = openpyxl.Workbook()
                sheet = book.active
                sheet.append(["Ulaz", "Barkod", "Vrijeme"])
                sheet.append(["Zapad 3", "\(code)", datetime.datetime(2030, 5, 1, 20, 30, 15)])
                out = io.BytesIO()
                book.save(out)
                sys.stdout.buffer.write(out.getvalue())
                """)
            let imported = try await Self.post(h, match, file, query: "?barcode_column=barkod&scanned_at_column=vrijeme&gate_column=ulaz")
            #expect(
                imported.status == 201 && imported.object["format"] as? String == "xlsx" && imported.object["marked_used"] as? Int == 1,
                "\(imported.body)")
            let used = try await h.query(
                """
                SELECT to_char(used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' ' || used_gate FROM tickets.tickets
                WHERE id = \(UUID(uuidString: tickets[0])!)
                """, as: String.self)
            #expect(used == ["2030-05-01 18:30:15 Zapad 3"])
        }
    }

    @Test func points_are_awarded_once_per_person_not_for_a_transferred_ticket_and_a_new_tier_opens_early_access() async throws {
        try await PurchaseHarness.with(environment: ["HNS_LOYALTY_NOTICE_INTERVAL": "1s"]) { p in
            let h = p.h
            let played = try await h.matchOnSale()
            let fan = try await TicketingHarness.token(user: "fan-71")
            #expect(try await h.call("PUT", "/api/v1/me/profile", token: fan, json: PurchaseHarness.attendee(71)).status == 200)
            let (_, tickets) = try await TransferTests.paidOrder(
                p, match: played, buyer: "fan-71", attendees: [PurchaseHarness.attendee(71), PurchaseHarness.attendee(72)])
            // Support gives the second ticket to someone else: by default it earns nobody points.
            let agent = try await TransferTests.agent()
            let moved = try await h.call(
                "POST", "/api/v1/support/tickets/\(tickets[1])/transfer", token: agent,
                json: TransferTests.body(PurchaseHarness.attendee(73, first: "Luka")))
            #expect(moved.status == 200, "\(moved.body)")
            let before = try await h.call("GET", "/api/v1/loyalty/me", token: fan)
            #expect(
                before.object["points"] as? Int == 0 && before.object["tier"] as? String == "none"
                    && before.object["next_tier"] as? String == "bronze")

            // An early-access phase for bronze and up is open on the next match: not yet for this fan.
            let f = ISO8601DateFormatter()
            let now = Date()
            let next = try await h.matchOnSale(
                phases: """
                    [{"name":"Vjerni navijači","starts_at":"\(f.string(from: now.addingTimeInterval(-60)))",
                      "ends_at":"\(f.string(from: now.addingTimeInterval(3600)))","eligibility":"loyalty","min_tier":"bronze"}]
                    """)
            #expect(try await h.hold(next, user: "fan-71", quantity: 1).status == 403)

            let file = Array(
                "barcode,scanned_at,gate\n\(try await Self.barcode(h, tickets[0])),2030-05-01 20:00,G1\n\(try await Self.barcode(h, tickets[1])),2030-05-01 20:05,G1\n"
                    .utf8)
            let imported = try await Self.post(h, played, file)
            #expect(imported.status == 201 && imported.object["marked_used"] as? Int == 2, "\(imported.body)")
            #expect((imported.object["loyalty"] as? [String: Any])?["people_awarded"] as? Int == 1, "\(imported.body)")
            #expect((imported.object["loyalty"] as? [String: Any])?["tier_changes"] as? Int == 1)

            let after = try await h.call("GET", "/api/v1/loyalty/me", token: fan)
            #expect(
                after.object["points"] as? Int == 10 && after.object["tier"] as? String == "bronze"
                    && after.object["points_to_next_tier"] as? Int == 40)
            let history = try #require(after.object["history"] as? [[String: Any]])
            #expect(history.count == 1 && history[0]["reason"] as? String == "attendance" && history[0]["ticket_id"] as? String == tickets[0])
            #expect(try await h.call("GET", "/api/v1/me/profile", token: fan).object["loyalty_tier"] as? String == "bronze")
            #expect(
                try await h.query("SELECT subject FROM outbox.messages WHERE subject LIKE 'loyalty.%' ORDER BY id", as: String.self) == [
                    "loyalty.points_awarded", "loyalty.tier_changed",
                ])
            // The ledger is append-only.
            await #expect(throws: (any Error).self) {
                _ = try await h.query("UPDATE loyalty.ledger SET points = 1000 RETURNING 1", as: Int.self)
            }

            // Bronze now: the early-access phase admits the fan, who is told it is open (once).
            #expect(try await h.hold(next, user: "fan-71", quantity: 1).status == 201)
            var notices: [String] = []
            for _ in 0..<50 where notices.isEmpty {
                notices = try await h.query(
                    "SELECT payload->>'user_id' FROM outbox.messages WHERE subject = 'loyalty.early_access_opened' AND job", as: String.self)
                if notices.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(notices == ["fan-71"])
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await h.query("SELECT count(*)::int FROM loyalty.phase_notices", as: Int.self) == [1])
        }
    }
}

/// The loyalty rules and tiers as the environment gives them.
@Suite struct LoyaltySettingsTests {
    static let base = [
        "HNS_DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "HNS_REDIS_URL": "redis://127.0.0.1:6379/0",
        "HNS_IDENTITY_ISSUER": "https://hns.hr", "HNS_IDENTITY_AUDIENCE": "hns-ticketing",
        "HNS_IDENTITY_HS256_SECRET": String(repeating: "s", count: 32),
    ]

    @Test func rules_and_tiers_are_read_and_bad_ones_named() throws {
        let defaults = try TicketingConfiguration.fromEnvironment(Self.base).loyalty
        #expect(defaults.points(competition: "Prva HNL", venueKind: "home") == 10 && defaults.tier(49) == "bronze" && defaults.tier(9) == "none")
        let set = try TicketingConfiguration.fromEnvironment(
            Self.base.merging([
                "HNS_LOYALTY_RULES": #"{"home":3,"away":7,"competitions":{"Prijateljska":{"home":1,"away":2}},"transferred_tickets_earn":true}"#,
                "HNS_LOYALTY_TIERS": "bronze=5,silver=20,gold=100",
            ]) { _, n in n }
        ).loyalty
        #expect(set.points(competition: "Prva HNL", venueKind: "away") == 7 && set.points(competition: "Prijateljska", venueKind: "home") == 1)
        #expect(set.transferredEarns && !set.otherEmailEarns && set.tier(20) == "silver" && set.tier(100) == "gold")
        for bad in [
            ["HNS_LOYALTY_RULES": "{\"home\":-1}"], ["HNS_LOYALTY_RULES": "points"], ["HNS_LOYALTY_TIERS": "gold=10,silver=50,bronze=150"],
            ["HNS_LOYALTY_TIERS": "bronze=10,silver=5,gold=150"], ["HNS_LOYALTY_TIERS": "bronze=10"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try TicketingConfiguration.fromEnvironment(Self.base.merging(bad) { _, n in n }) }
        }
    }
}
