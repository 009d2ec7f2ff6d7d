import Foundation
import HNSCore
import HNSTestSupport
import Testing
import ZIPFoundation

@testable import Ticketing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// E14: the financial report of a match or a period, as JSON, CSV and a workbook a spreadsheet opens.
@Suite struct FinancialReportTests {
    static func zagrebDay(_ offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = FinancialReport.Period.zagreb
        let day = calendar.date(byAdding: .day, value: offset, to: Date())!
        let f = DateFormatter()
        f.timeZone = FinancialReport.Period.zagreb
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: day)
    }

    @Test func sales_refunds_and_documents_of_a_match_add_up_in_every_format() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let admin = try await TicketingHarness.admin()
            let (first, tickets) = try await TransferTests.paidOrder(
                p, match: match, buyer: "fan-r1", attendees: [PurchaseHarness.attendee(71), PurchaseHarness.attendee(72)])
            _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-r2", attendees: [PurchaseHarness.attendee(73)])
            let refund = try await h.call(
                "POST", "/api/v1/support/orders/\(first)/refunds", token: try await TransferTests.agent(),
                json: #"{"ticket_ids":["\#(tickets[0])"],"reason":"illness","fee_cents":500}"#)
            #expect(refund.status == 201, "\(refund.body)")
            let path = "/api/v1/admin/reports/financial?match=\(match)"
            // Documents reach the accounting queue through the outbox.
            #expect(
                try await eventually {
                    let docs = (try await h.call("GET", path, token: admin).object["documents"] as? [[String: Any]]) ?? []
                    return docs.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 3
                })

            let report = try await h.call("GET", path, token: admin)
            #expect(report.status == 200, "\(report.body)")
            let totals = try #require(report.object["totals"] as? [String: Any])
            #expect(totals["orders"] as? Int == 2 && totals["tickets"] as? Int == 3 && totals["gross_cents"] as? Int == 15_000, "\(totals)")
            #expect(totals["refunded_cents"] as? Int == 4500 && totals["fees_kept_cents"] as? Int == 500 && totals["net_cents"] as? Int == 10_500)
            let sectors = try #require(report.object["sales_by_sector"] as? [[String: Any]])
            #expect(sectors.count == 1 && sectors[0]["sector"] as? String == "A" && sectors[0]["price_category"] as? String == "CAT1", "\(sectors)")
            #expect(sectors[0]["tickets"] as? Int == 3 && sectors[0]["gross_cents"] as? Int == 15_000)
            let channels = try #require(report.object["sales_by_channel"] as? [[String: Any]])
            #expect(channels.map { $0["channel"] as? String } == ["app"] && channels[0]["orders"] as? Int == 2)
            #expect((report.object["sales_by_payment_method"] as? [[String: Any]])?.first?["payment_method"] as? String == "card")
            let refunds = try #require(report.object["refunds"] as? [[String: Any]])
            #expect(refunds.count == 1 && refunds[0]["source"] as? String == "support" && refunds[0]["state"] as? String == "succeeded")
            #expect(refunds[0]["refunded_cents"] as? Int == 4500 && refunds[0]["fees_cents"] as? Int == 500)
            let docs = try #require(report.object["documents"] as? [[String: Any]])
            #expect(
                Set(docs.map { "\($0["kind"] ?? "")/\($0["state"] ?? "")/\($0["count"] ?? "")/\($0["amount_cents"] ?? "")" }) == [
                    "invoice/queued/2/15000", "credit_note/queued/1/-4500",
                ])

            // CSV: one table, a section per line.
            let csv = try await h.call("GET", path + "&format=csv", token: admin)
            #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(separator: "\r\n").map(String.init)
            #expect(
                lines.first == "section,match_id,channel,sector,price_category,payment_method,source,kind,state,count,tickets,amount_cents,fees_cents"
            )
            #expect(lines.contains("sales_by_sector,\(match),,A,CAT1,,,,,2,3,15000,"), "\(lines)")
            #expect(lines.contains("refunds,,,,,,support,,succeeded,1,,4500,500"), "\(lines)")

            // XLSX: a ZIP of well-formed XML parts, the figures in euros.
            let xlsx = try await TestHTTP.send("GET", h.base + path + "&format=xlsx", headers: ["Authorization": "Bearer \(admin)"])
            #expect(xlsx.status == 200 && xlsx.headers["content-type"] == Spreadsheet.contentType)
            let archive = try Archive(data: Data(xlsx.body), accessMode: .read)
            var parts: [String: String] = [:]
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                parts[entry.path] = String(decoding: data, as: UTF8.self)
                let parser = XMLParser(data: data)
                #expect(parser.parse(), "\(entry.path) is not well-formed XML")
            }
            #expect(
                Set(parts.keys).isSuperset(of: ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"])
            )
            #expect(parts["xl/workbook.xml"]?.contains(#"name="Sales by sector""#) == true)
            #expect(
                parts["xl/worksheets/sheet3.xml"]?.contains("CAT1") == true && parts["xl/worksheets/sheet3.xml"]?.contains("<v>150.00</v>") == true)
            #expect(parts["xl/worksheets/sheet1.xml"]?.contains("<v>105.00</v>") == true, "net in the summary")
        }
    }

    @Test func a_period_and_a_match_select_what_is_counted_and_bad_input_is_named() async throws {
        try await PurchaseHarness.with { p in
            let h = p.h
            let match = try await h.matchOnSale()
            let other = try await h.matchOnSale()
            _ = try await TransferTests.paidOrder(p, match: match, buyer: "fan-p1", attendees: [PurchaseHarness.attendee(81)])
            let admin = try await TicketingHarness.admin()
            func orders(_ query: String) async throws -> Int? {
                let reply = try await h.call("GET", "/api/v1/admin/reports/financial?\(query)", token: admin)
                return (reply.object["totals"] as? [String: Any])?["orders"] as? Int
            }
            #expect(try await orders("from=\(Self.zagrebDay(0))&to=\(Self.zagrebDay(0))") == 1)
            #expect(try await orders("from=\(Self.zagrebDay(1))") == 0)
            #expect(try await orders("to=\(Self.zagrebDay(-1))") == 0)
            #expect(try await orders("match=\(other)") == 0)
            #expect(try await orders("match=\(match)") == 1)

            let bad = try await h.call(
                "GET", "/api/v1/admin/reports/financial?match=0&from=2026-02-30&format=pdf", token: admin)
            #expect(bad.status == 422 && Set(bad.fields) == ["match", "from", "format"], "\(bad.body)")
            let backwards = try await h.call("GET", "/api/v1/admin/reports/financial?from=2026-12-08&to=2026-12-07", token: admin)
            #expect(backwards.status == 422 && backwards.fields == ["to"], "\(backwards.body)")
            #expect(try await h.call("GET", "/api/v1/admin/reports/financial", token: try await TransferTests.agent()).status == 403)
        }
    }

    @Test func workbook_cells_and_csv_fields_are_written_safely() throws {
        #expect(Spreadsheet.column(0) == "A" && Spreadsheet.column(25) == "Z" && Spreadsheet.column(26) == "AA" && Spreadsheet.column(701) == "ZZ")
        #expect(Spreadsheet.decimal(123_456) == "1234.56" && Spreadsheet.decimal(-5) == "-0.05" && Spreadsheet.decimal(0) == "0.00")
        #expect(Spreadsheet.escape("a<b & \"c\"\u{1}") == "a&lt;b &amp; &quot;c&quot;")
        #expect(
            Spreadsheet.sheetNames(["Sales/2026", "Sales-2026", String(repeating: "x", count: 40)]) == [
                "Sales-2026", "Sales-2026 (2)", String(repeating: "x", count: 31),
            ])
        #expect(Spreadsheet.csvField("=SUM(A1)") == "'=SUM(A1)" && Spreadsheet.csvField("-4500") == "-4500")
        #expect(Spreadsheet.csvField("a,\"b\"") == "\"a,\"\"b\"\"\"")
    }
}

/// Answers that list nullable fields as required write them as null.
@Suite struct NullEncodingTests {
    struct Sample: EncodesNilAsNull {
        let someId: Int
        let note: String?
        let list: [String]
        let when: Date?
    }

    @Test func nil_properties_are_written_as_null_in_order_with_the_key_strategy() throws {
        let data = try TicketingJSON.encoder().encode(Sample(someId: 7, note: nil, list: ["a"], when: Date(timeIntervalSince1970: 0)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"list":["a"],"note":null,"some_id":7,"when":"1970-01-01T00:00:00Z"}"#)
    }
}
