import Crypto
import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// E13: the gates' exports, read back by an independent reader (openpyxl, Debian's python3-openpyxl).
@Suite struct AccessExportTests {
    /// The rows of a workbook's first sheet as openpyxl reads them (cells as text, empty as "").
    static func openpyxlRows(_ bytes: [UInt8]) throws -> [[String]] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).xlsx")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import json, sys, openpyxl
            book = openpyxl.load_workbook(sys.argv[1], read_only=True)
            rows = [["" if v is None else str(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
            print(json.dumps(rows))
            """
        let out = try Self.python(script, arguments: [file.path])
        guard let rows = try JSONSerialization.jsonObject(with: Data(out)) as? [[String]] else {
            throw HarnessError(reply: .init(status: 0, body: String(decoding: out, as: UTF8.self)))
        }
        return rows
    }

    /// Runs a script with Debian's python3 (`HNS_TEST_PYTHON`, which has python3-openpyxl); its stdout.
    static func python(_ script: String, arguments: [String] = []) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["HNS_TEST_PYTHON"] ?? "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError(reply: .init(status: Int(process.terminationStatus), body: problem)) }
        return Array(data)
    }

    static func csvRows(_ body: String) -> [[String]] {
        body.split(separator: "\r\n").map { Blacklist.csvFields(String($0)) }
    }

    static func export(_ h: TicketingHarness, _ match: Int64, _ query: String = "") async throws -> (TestHTTP.Reply, [[String]]) {
        let admin = try await TicketingHarness.admin()
        let reply = try await TestHTTP.send(
            "GET", h.base + "/api/v1/admin/matches/\(match)/access-export" + query, headers: ["Authorization": "Bearer \(admin)"])
        guard reply.status == 200 else { throw HarnessError(reply: .init(status: reply.status, body: String(decoding: reply.body, as: UTF8.self))) }
        let rows = query.contains("format=csv") ? Self.csvRows(String(decoding: reply.body, as: UTF8.self)) : try Self.openpyxlRows(reply.body)
        return (reply, rows)
    }

    @Test func the_export_holds_every_valid_code_and_each_version_is_recorded() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let people = [PurchaseHarness.attendee(41), PurchaseHarness.attendee(42), PurchaseHarness.attendee(43)]
            _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-41", attendees: Array(people[0..<2]))
            _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-43", attendees: [people[2]])

            let (xlsx, rows) = try await Self.export(h, match)
            #expect(xlsx.headers["content-type"] == Spreadsheet.contentType && xlsx.headers["hns-export-version"] == "1")
            #expect(rows.first == ["barcode", "ticket_id", "sector", "row", "seat", "gate", "price_category", "holder_name", "state"])
            let valid = try await h.query(
                """
                SELECT barcode || '|' || id::text || '|' || sector_code || '|' || row_label || '|' || seat_label || '|' || holder_name
                FROM tickets.tickets WHERE match_id = \(match) AND status = 'issued' ORDER BY unit_id
                """, as: String.self)
            #expect(valid.count == 3)
            #expect(rows.dropFirst().map { [$0[0], $0[1], $0[2], $0[3], $0[4], $0[7]].joined(separator: "|") } == valid, "\(rows)")
            #expect(rows.dropFirst().allSatisfy { $0[5] == "G1" && $0[6] == "CAT1" && $0[8] == "issued" }, "\(rows)")

            // CSV, without names: the same codes.
            let (csv, plain) = try await Self.export(h, match, "?format=csv&holder_names=false")
            #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true && csv.headers["hns-export-version"] == "2")
            #expect(plain.first == ["barcode", "ticket_id", "sector", "row", "seat", "gate", "price_category", "state"])
            #expect(plain.dropFirst().map(\.[0]) == rows.dropFirst().map(\.[0]))

            // Each version: when, how many rows, the SHA-256 of the file as it was sent.
            let admin = try await TicketingHarness.admin()
            let listed = try await h.call("GET", "/api/v1/admin/matches/\(match)/access-exports", token: admin)
            let exports = try #require(listed.object["exports"] as? [[String: Any]])
            #expect(exports.map { $0["version"] as? Int } == [2, 1] && exports.map { $0["valid_rows"] as? Int } == [3, 3], "\(listed.body)")
            let sha = SHA256.hash(data: xlsx.body).map { String(format: "%02x", $0) }.joined()
            #expect(exports.last?["sha256"] as? String == sha && exports.last?["format"] as? String == "xlsx")
            #expect(
                try await h.query(
                    "SELECT count(*)::int FROM audit.entries WHERE action = 'access.exported' AND \("match:\(match)") = ANY(subjects)", as: Int.self)
                    == [2])

            // Bad input is named; an unknown match is 404; only admins export.
            let bad = try await h.call(
                "GET", "/api/v1/admin/matches/\(match)/access-export?format=pdf&since_version=0&holder_names=yes", token: admin)
            #expect(bad.status == 422 && Set(bad.fields) == ["format", "since_version", "holder_names"], "\(bad.body)")
            let unknownBase = try await h.call("GET", "/api/v1/admin/matches/\(match)/access-export?since_version=9", token: admin)
            #expect(unknownBase.status == 422 && unknownBase.fields == ["since_version"], "\(unknownBase.body)")
            #expect(try await h.call("GET", "/api/v1/admin/matches/999999/access-export", token: admin).status == 404)
            #expect(try await h.call("GET", "/api/v1/admin/matches/\(match)/access-export", token: try await TransferTests.agent()).status == 403)
        }
    }

    @Test func a_delta_lists_the_codes_added_and_revoked_since_a_version_with_reasons() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let people = [PurchaseHarness.attendee(44), PurchaseHarness.attendee(45), PurchaseHarness.attendee(46)]
            let (orderID, tickets) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-44", attendees: Array(people[0..<2]))
            let (base, _) = try await Self.export(h, match)
            func barcode(_ ticket: String) async throws -> String {
                try await h.query("SELECT barcode FROM tickets.tickets WHERE id = \(UUID(uuidString: ticket)!)", as: String.self)[0]
            }
            let (refunded, moved) = (try await barcode(tickets[0]), try await barcode(tickets[1]))

            // Since version 1: a refund, a transfer (a new code for the same seat) and a new sale.
            let agent = try await TransferTests.agent()
            let refund = try await h.call(
                "POST", "/api/v1/support/orders/\(orderID)/refunds", token: agent, json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness"}"#)
            #expect(refund.status == 201, "\(refund.body)")
            let transfer = try await h.call(
                "POST", "/api/v1/support/tickets/\(tickets[1])/transfer", token: agent,
                json: TransferTests.body(PurchaseHarness.attendee(47, first: "Luka")))
            #expect(transfer.status == 200, "\(transfer.body)")
            let reissued = try await barcode(tickets[1])
            let (_, later) = try await TransferTests.paidOrder(p, match: match, buyer: "fan-46", attendees: [people[2]])
            let sold = try await barcode(later[0])

            #expect(base.headers["hns-export-version"] == "1")
            let (delta, rows) = try await Self.export(h, match, "?since_version=1&format=csv")
            #expect(delta.headers["hns-export-version"] == "2")
            #expect(rows.first?.first == "change" && rows.first?.suffix(2) == ["reason", "revoked_at"], "\(rows)")
            #expect(rows.allSatisfy { $0.count == 12 }, "\(rows)")
            let changes = Set(rows.dropFirst().map { "\($0[0]) \($0[1]) \($0[10])" })
            #expect(changes == ["added \(reissued) ", "added \(sold) ", "revoked \(refunded) refunded", "revoked \(moved) transferred"], "\(rows)")

            // Since version 2: nothing; a revoked code never comes back, even with its seat sold again.
            let (_, none) = try await Self.export(h, match, "?since_version=2&format=csv")
            #expect(none.count == 1, "\(none)")
            let (_, full) = try await Self.export(h, match)
            #expect(Set(full.dropFirst().map(\.[0])) == [reissued, sold])
            #expect(!full.contains { [refunded, moved].contains($0[0]) })
        }
    }

    @Test func an_away_match_gives_the_host_its_attendee_list_and_the_gates_the_seats_once_assigned() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let admin = try await TicketingHarness.admin()
            let created = try await h.call(
                "POST", "/api/v1/admin/matches", token: admin,
                json: """
                    {"competition":"UEFA Nations League","opponent":"Portugal","venue_kind":"away","venue":"Estádio da Luz",
                     "kickoff":"2030-09-09T18:45:00Z","max_tickets_per_buyer":8,"prices":{"AWAY":4000},
                     "away_sectors":[{"code":"A","name":"Gostujući","price_category":"AWAY","capacity":20}]}
                    """)
            let match = Int64(try #require(created.object["id"] as? Int))
            for state in ["published", "on_sale"] {
                _ = try await h.call("POST", "/api/v1/admin/matches/\(match)/state", token: admin, json: #"{"state":"\#(state)"}"#)
            }
            let passport =
                #"{"first_name":"Ana","last_name":"Silva","date_of_birth":"1988-02-03","passport_number":"P1234567","passport_country":"PT","nationality":"PT"}"#
            let (_, tickets) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-48", attendees: [PurchaseHarness.attendee(48), passport])
            let (_, before) = try await Self.export(h, match)
            #expect(before.dropFirst().allSatisfy { $0[3] == "" && $0[4] == "" && $0[6] == "AWAY" }, "no seats yet: \(before)")

            let stadium = try await h.importStadium(TicketingHarness.smallStadium())
            let attached = try await h.call("POST", "/api/v1/admin/matches/\(match)/seat-map", token: admin, json: "{\"stadium_id\":\(stadium)}")
            #expect(attached.status == 200, "\(attached.body)")
            // Seated now: the next delta lists both codes again, with their seats.
            let (_, seated) = try await Self.export(h, match, "?since_version=1&format=csv")
            #expect(seated.count == 3 && seated.dropFirst().allSatisfy { $0[0] == "added" && $0[4] != "" && $0[5] != "" }, "\(seated)")

            let list = try await TestHTTP.send(
                "GET", h.base + "/api/v1/admin/matches/\(match)/attendee-list", headers: ["Authorization": "Bearer \(admin)"])
            #expect(list.status == 200 && list.headers["content-type"] == Spreadsheet.contentType)
            let rows = try Self.openpyxlRows(list.body)
            #expect(rows.first?.prefix(6) == ["first_name", "last_name", "date_of_birth", "nationality", "document_type", "document_number"])
            let ana = try #require(rows.first { $0[0] == "Ana" })
            #expect(ana.prefix(7) == ["Ana", "Silva", "1988-02-03", "PT", "passport", "P1234567", "PT"] && ana[8] != "", "\(rows)")
            #expect(ana[10] == tickets[1])
            #expect(rows.contains { $0[4] == "oib" && $0[5] == PurchaseHarness.oib(48) && $0[2] == "1990-04-04" }, "\(rows)")

            let home = try await h.matchOnSale()
            let refused = try await h.call("GET", "/api/v1/admin/matches/\(home)/attendee-list", token: admin)
            #expect(refused.status == 409 && (refused.object["type"] as? String)?.hasSuffix("/not-away") == true, "\(refused.body)")
        }
    }

    @Test func cells_that_a_spreadsheet_would_run_as_formulas_stay_text() throws {
        for format in [TableStream.Format.csv, .xlsx] {
            let table = try TableStream(format: format, sheet: "t", columns: ["a", "b", "c", "d", "e"])
            try table.row([.text("=HYPERLINK(\"http://x\")"), .text("+1"), .text("@SUM(A1)"), .text("-2+3"), .text("-45")])
            try table.finish()
            let bytes = table.take()
            let rows = format == .csv ? Self.csvRows(String(decoding: bytes, as: UTF8.self)) : try Self.openpyxlRows(bytes)
            #expect(rows.last == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'-2+3", "-45"], "\(format): \(rows)")
            #expect(table.rows == 1 && table.checksum == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        }
    }

    @Test func a_large_workbook_streams_in_pieces_and_reads_back_whole() throws {
        let table = try TableStream(format: .xlsx, sheet: "big", columns: ["n", "text"])
        var pieces = 0
        var bytes: [UInt8] = []
        for n in 0..<20_000 {
            try table.row([.number(n), .text("row \(n) ščćžđ <&>")])
            if table.ready >= 1 << 16 {
                bytes += table.take()
                pieces += 1
            }
        }
        try table.finish()
        bytes += table.take()
        #expect(pieces > 1)
        let rows = try Self.openpyxlRows(bytes)
        #expect(rows.count == 20_001 && rows[1] == ["0", "row 0 ščćžđ <&>"] && rows.last == ["19999", "row 19999 ščćžđ <&>"])
    }
}
