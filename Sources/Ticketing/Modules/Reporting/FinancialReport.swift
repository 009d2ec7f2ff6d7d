import Foundation
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// E14: the money of one match or of a period, for HNS's finance staff — sales by channel, by sector
/// and price category, and by payment method; refunds and the fees kept; invoices and credit notes
/// issued and pending; partner receivables. Read through the modules' facades, on one snapshot, and
/// written as JSON, CSV or a real `.xlsx` workbook.
struct FinancialReport: EncodesNilAsNull, Sendable {
    struct Channel: Encodable, Sendable, Equatable {
        let channel: String
        let orders: Int
        let tickets: Int
        let grossCents: Int
    }

    struct Sector: Encodable, Sendable, Equatable {
        let matchId: Int64
        let sector: String
        let priceCategory: String
        let orders: Int
        let tickets: Int
        let grossCents: Int
    }

    struct PaymentMethod: Encodable, Sendable, Equatable {
        let paymentMethod: String
        let orders: Int
        let grossCents: Int
    }

    struct Refunds: Encodable, Sendable, Equatable {
        let source: String
        let state: String
        let count: Int
        let refundedCents: Int
        let feesCents: Int
    }

    struct Documents: Encodable, Sendable, Equatable {
        let kind: String
        let state: String
        let count: Int
        let amountCents: Int
    }

    struct Totals: Encodable, Sendable, Equatable {
        let orders: Int
        let tickets: Int
        let grossCents: Int
        /// Refunds Stripe confirmed.
        let refundedCents: Int
        /// Refunds owed or on their way (created, pending).
        let refundsOwedCents: Int
        /// Cancellation fees kept on refunds that succeeded.
        let feesKeptCents: Int
        /// Gross less what was refunded or is owed.
        let netCents: Int
    }

    let matchId: Int64?
    /// The period's first and last day (Zagreb), when one was asked for.
    let from: String?
    let to: String?
    let generatedAt: Date
    let currency: String
    let totals: Totals
    let salesByChannel: [Channel]
    let salesBySector: [Sector]
    let salesByPaymentMethod: [PaymentMethod]
    let refunds: [Refunds]
    let documents: [Documents]
    let receivables: Receivables.Totals
    let notes: [String]

    /// The period asked for: whole days in Zagreb, `from` to `to` inclusive.
    struct Period: Sendable, Equatable {
        let from: String?
        let to: String?

        static let zagreb = TimeZone(identifier: "Europe/Zagreb")!

        /// Midnight in Zagreb of a `YYYY-MM-DD`, or nil when it is not a real date.
        static func midnight(_ day: String, plusDays: Int = 0) -> Date? {
            let parts = day.split(separator: "-", omittingEmptySubsequences: false)
            guard day.utf8.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = Self.zagreb
            let components = DateComponents(year: y, month: m, day: d)
            guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
            return calendar.date(byAdding: .day, value: plusDays, to: date)
        }

        var start: Date? { self.from.flatMap { Self.midnight($0) } }
        var end: Date? { self.to.flatMap { Self.midnight($0, plusDays: 1) } }
    }

    /// Reads every module's share on one snapshot and adds it up.
    static func build(postgres: PostgresClient, matchID: Int64?, period: Period, logger: Logger, now: Date = Date()) async throws
        -> FinancialReport
    {
        let (start, end) = (period.start, period.end)
        let (issued, orders, terms, quota, categories, refunds, documents, owed) = try await postgres.withReadSnapshot(logger: logger) {
            connection in
            let issued = try await Tickets.issuedByOrder(connection, matchID: matchID, from: start, to: end, logger: logger)
            let orders = try await Orders.rows(connection, ids: issued.map(\.orderID), logger: logger)
            let terms = try await Orders.paymentTerms(connection, ids: issued.map(\.orderID), logger: logger)
            let quota = try await Quotas.claimedOrders(connection, among: issued.map(\.orderID), logger: logger)
            let categories = try await Inventory.priceCategories(connection, matchIDs: Array(Set(issued.map(\.matchID))), logger: logger)
            let refunds = try await Payments.refundTotals(connection, matchID: matchID, from: start, to: end, logger: logger)
            let documents = try await Invoicing.totals(connection, matchID: matchID, from: start, to: end, logger: logger)
            let owed = try await Receivables.totals(connection, matchID: matchID, from: start, to: end, logger: logger)
            return (issued, orders, terms, quota, categories, refunds, documents, owed)
        }
        // A sale: an order whose tickets were issued, by the app's card purchase or a quota's claim
        // (paid by card, on the partner's account, or free of charge).
        struct Sale {
            let orderID: UUID
            let matchID: Int64
            let sector: String
            let channel: String
            let paymentMethod: String
            let amount: Int
            let tickets: Int
            let currency: String
        }
        let sales = issued.compactMap { i -> Sale? in
            guard let order = orders[i.orderID] else { return nil }
            let tickets = order.unitPrice > 0 ? order.amount / order.unitPrice : i.tickets
            return Sale(
                orderID: i.orderID, matchID: i.matchID, sector: i.sector,
                channel: terms[i.orderID] == .petrol ? "petrol" : quota.contains(i.orderID) ? "quota" : "app",
                paymentMethod: (terms[i.orderID] ?? .card).rawValue, amount: order.amount, tickets: tickets, currency: order.currency)
        }
        var channels: [String: (orders: Int, tickets: Int, gross: Int)] = [:]
        var bySector: [String: (match: Int64, sector: String, orders: Int, tickets: Int, gross: Int)] = [:]
        var methods: [String: (orders: Int, gross: Int)] = [:]
        for sale in sales {
            let n = sale.tickets
            channels[sale.channel, default: (0, 0, 0)].orders += 1
            channels[sale.channel]!.tickets += n
            channels[sale.channel]!.gross += sale.amount
            let sector = sale.sector
            let key = "\(sale.matchID)/\(sector)"
            bySector[key, default: (sale.matchID, sector, 0, 0, 0)].orders += 1
            bySector[key]!.tickets += n
            bySector[key]!.gross += sale.amount
            methods[sale.paymentMethod, default: (0, 0)].orders += 1
            methods[sale.paymentMethod]!.gross += sale.amount
        }
        let gross = sales.reduce(0) { $0 + $1.amount }
        let refunded = refunds.filter { $0.state == .succeeded }.reduce(0) { $0 + $1.amount }
        let owedBack = refunds.filter { $0.state == .created || $0.state == .pending }.reduce(0) { $0 + $1.amount }
        let fees = refunds.filter { $0.state == .succeeded }.reduce(0) { $0 + $1.fees }
        return FinancialReport(
            matchId: matchID, from: period.from, to: period.to, generatedAt: now, currency: sales.first?.currency ?? "eur",
            totals: Totals(
                orders: sales.count, tickets: sales.reduce(0) { $0 + $1.tickets }, grossCents: gross, refundedCents: refunded,
                refundsOwedCents: owedBack, feesKeptCents: fees, netCents: gross - refunded - owedBack - owed.blockedCents),
            salesByChannel: channels.sorted { $0.key < $1.key }.map {
                Channel(channel: $0.key, orders: $0.value.orders, tickets: $0.value.tickets, grossCents: $0.value.gross)
            },
            salesBySector: bySector.values.sorted { ($0.match, $0.sector) < ($1.match, $1.sector) }.map {
                Sector(
                    matchId: $0.match, sector: $0.sector, priceCategory: categories["\($0.match)/\($0.sector)"] ?? "", orders: $0.orders,
                    tickets: $0.tickets, grossCents: $0.gross)
            },
            salesByPaymentMethod: methods.sorted { $0.key < $1.key }.map {
                PaymentMethod(paymentMethod: $0.key, orders: $0.value.orders, grossCents: $0.value.gross)
            },
            refunds: refunds.map {
                Refunds(source: $0.source.rawValue, state: $0.state.rawValue, count: $0.count, refundedCents: $0.amount, feesCents: $0.fees)
            },
            documents: documents.map { Documents(kind: $0.kind.rawValue, state: $0.state.rawValue, count: $0.count, amountCents: $0.amount) },
            receivables: owed,
            notes: [
                "sales are orders whose tickets were issued, counted when they were; refunds when they were requested",
                "partner receivables: quota orders issued on the partner's account (payment method deferred); overdue past the offer's due date; blocked ones (unpaid at the block before kick-off, tickets void) are not in net",
            ])
    }

    // MARK: Files

    /// One CSV table: a `section` column names the part each line belongs to; amounts in cents.
    var csv: String {
        let header = [
            "section", "match_id", "channel", "sector", "price_category", "payment_method", "source", "kind", "state", "count",
            "tickets", "amount_cents", "fees_cents",
        ]
        var lines = [header]
        func line(_ section: String, _ values: [String: String]) { lines.append(header.map { $0 == "section" ? section : values[$0] ?? "" }) }
        let t = self.totals
        line("totals", ["count": String(t.orders), "tickets": String(t.tickets), "amount_cents": String(t.grossCents), "state": "sold"])
        line("totals", ["amount_cents": String(t.refundedCents), "state": "refunded"])
        line("totals", ["amount_cents": String(t.refundsOwedCents), "state": "refund_owed"])
        line("totals", ["amount_cents": String(t.netCents), "state": "net", "fees_cents": String(t.feesKeptCents)])
        for c in self.salesByChannel {
            line(
                "sales_by_channel",
                ["channel": c.channel, "count": String(c.orders), "tickets": String(c.tickets), "amount_cents": String(c.grossCents)])
        }
        for s in self.salesBySector {
            line(
                "sales_by_sector",
                [
                    "match_id": String(s.matchId), "sector": s.sector, "price_category": s.priceCategory, "count": String(s.orders),
                    "tickets": String(s.tickets), "amount_cents": String(s.grossCents),
                ])
        }
        for m in self.salesByPaymentMethod {
            line("sales_by_payment_method", ["payment_method": m.paymentMethod, "count": String(m.orders), "amount_cents": String(m.grossCents)])
        }
        for r in self.refunds {
            line(
                "refunds",
                [
                    "source": r.source, "state": r.state, "count": String(r.count), "amount_cents": String(r.refundedCents),
                    "fees_cents": String(r.feesCents),
                ])
        }
        for d in self.documents {
            line("documents", ["kind": d.kind, "state": d.state, "count": String(d.count), "amount_cents": String(d.amountCents)])
        }
        let r = self.receivables
        line("receivables", ["state": "open", "count": String(r.openOrders), "amount_cents": String(r.openCents)])
        line("receivables", ["state": "overdue", "count": String(r.overdueOrders), "amount_cents": String(r.overdueCents)])
        line("receivables", ["state": "paid", "count": String(r.paidOrders), "amount_cents": String(r.paidCents)])
        line("receivables", ["state": "blocked", "count": String(r.blockedOrders), "amount_cents": String(r.blockedCents)])
        return lines.map { $0.map(Spreadsheet.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The workbook: a summary, then one sheet per part; amounts in euros.
    var spreadsheet: Spreadsheet {
        typealias C = Spreadsheet.Cell
        let t = self.totals
        var scope: [[C]] = [[.text("Report"), .text(self.matchId.map { "match \($0)" } ?? "all matches")]]
        if let from = self.from { scope.append([.text("From"), .text(from)]) }
        if let to = self.to { scope.append([.text("To"), .text(to)]) }
        scope.append([.text("Generated"), .text(ISO8601DateFormatter().string(from: self.generatedAt))])
        scope.append([.text("Currency"), .text(self.currency.uppercased())])
        let summary: [[C]] =
            scope + [
                [.text("Orders"), .number(t.orders)], [.text("Tickets"), .number(t.tickets)], [.text("Sold"), .euros(t.grossCents)],
                [.text("Refunded"), .euros(t.refundedCents)], [.text("Refunds owed"), .euros(t.refundsOwedCents)],
                [.text("Fees kept"), .euros(t.feesKeptCents)], [.text("Net"), .euros(t.netCents)],
                [.text("Receivables open"), .euros(self.receivables.openCents)],
                [.text("Receivables overdue"), .euros(self.receivables.overdueCents)],
                [.text("Receivables paid"), .euros(self.receivables.paidCents)],
                [.text("Receivables blocked"), .euros(self.receivables.blockedCents)],
            ] + self.notes.map { [.text("Note"), .text($0)] }
        return Spreadsheet(sheets: [
            .init(name: "Summary", rows: summary),
            .init(
                name: "Sales by channel",
                rows: [[.text("Channel"), .text("Orders"), .text("Tickets"), .text("Sold")]]
                    + self.salesByChannel.map { [.text($0.channel), .number($0.orders), .number($0.tickets), .euros($0.grossCents)] }),
            .init(
                name: "Sales by sector",
                rows: [[.text("Match"), .text("Sector"), .text("Price category"), .text("Orders"), .text("Tickets"), .text("Sold")]]
                    + self.salesBySector.map {
                        [
                            .number(Int($0.matchId)), .text($0.sector), .text($0.priceCategory), .number($0.orders), .number($0.tickets),
                            .euros($0.grossCents),
                        ]
                    }),
            .init(
                name: "Payment methods",
                rows: [[.text("Method"), .text("Orders"), .text("Sold")]]
                    + self.salesByPaymentMethod.map { [.text($0.paymentMethod), .number($0.orders), .euros($0.grossCents)] }),
            .init(
                name: "Refunds",
                rows: [[.text("Source"), .text("State"), .text("Refunds"), .text("Refunded"), .text("Fees")]]
                    + self.refunds.map { [.text($0.source), .text($0.state), .number($0.count), .euros($0.refundedCents), .euros($0.feesCents)] }),
            .init(
                name: "Invoices and credit notes",
                rows: [[.text("Kind"), .text("State"), .text("Documents"), .text("Amount")]]
                    + self.documents.map { [.text($0.kind), .text($0.state), .number($0.count), .euros($0.amountCents)] }),
        ])
    }
}
