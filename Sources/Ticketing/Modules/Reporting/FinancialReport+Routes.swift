import Foundation
import HNSCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// `GET /admin/reports/financial?match=ID&from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv|xlsx`.
struct FinancialReports: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    enum Format: String, CaseIterable {
        case json, csv, xlsx
    }

    func addRoutes(to groups: RouteGroups) {
        groups.admin.get("admin/reports/financial") { request, _ -> Response in
            let (match, period, format) = try Self.parameters(request.uri.queryParameters)
            let report = try await FinancialReport.build(postgres: self.postgres, matchID: match, period: period, logger: self.logger)
            let name =
                "hns-financial-" + (match.map { "match-\($0)" } ?? "all") + (period.from.map { "-\($0)" } ?? "") + (period.to.map { "-\($0)" } ?? "")
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            let body: [UInt8]
            switch format {
            case .json:
                return Idempotency.response(.ok, try Orders.json(report))
            case .csv:
                headers[.contentType] = "text/csv; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
                body = Array(report.csv.utf8)
            case .xlsx:
                headers[.contentType] = Spreadsheet.contentType
                headers[.contentDisposition] = "attachment; filename=\"\(name).xlsx\""
                body = try report.spreadsheet.xlsx()
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    static func parameters(_ query: some Sequence<(key: Substring, value: Substring)>) throws -> (Int64?, FinancialReport.Period, Format) {
        var match: Int64?
        var from: String?
        var to: String?
        var format = Format.json
        var errors: [Problem.FieldError] = []
        for (name, value) in query {
            let text = String(value)
            switch name {
            case "match":
                match = Int64(text).flatMap { $0 > 0 ? $0 : nil }
                if match == nil { errors.append(.init(field: "match", message: "must be a match id (a positive integer)")) }
            case "from", "to":
                guard FinancialReport.Period.midnight(text) != nil else {
                    errors.append(.init(field: String(name), message: "must be a date, YYYY-MM-DD"))
                    continue
                }
                if name == "from" { from = text } else { to = text }
            case "format":
                guard let f = Format(rawValue: text) else {
                    errors.append(.init(field: "format", message: "must be one of json, csv, xlsx"))
                    continue
                }
                format = f
            default: break
            }
        }
        if let from, let to, from > to { errors.append(.init(field: "to", message: "must not be before from")) }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return (match, FinancialReport.Period(from: from, to: to), format)
    }
}
