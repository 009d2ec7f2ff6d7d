import Foundation
import HNSCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

extension Access {
    func addRoutes(to groups: RouteGroups) {
        // The stadium's gate system, through HNS admins: the valid codes, or what changed since a version.
        groups.admin.get("admin/matches/:matchId/access-export") { request, context -> Response in
            let matchID = try context.parameters.id("matchId")
            let started = try await self.start(
                matchID: matchID, try Self.exportRequest(request.uri.queryParameters.map { (String($0.key), String($0.value)) }), actor: context.actor
            )
            let (access, actor) = (self, context.actor)
            let format = started.request.format
            var headers = HTTPFields()
            headers[.contentType] = format.contentType
            let name = "access-\(matchID)-v\(started.version)" + (started.request.sinceVersion.map { "-since-v\($0)" } ?? "")
            headers[.contentDisposition] = "attachment; filename=\"\(name).\(format.rawValue)\""
            headers[Self.versionHeader] = String(started.version)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    do {
                        try await access.stream(started, actor: actor) { try await writer.write($0) }
                        try await writer.finish(nil)
                    } catch {
                        // The head is out: all that is left is to break the response off, so that it is not taken for whole.
                        access.logger.error("access export broke off", metadata: ["match_id": "\(matchID)", "error": "\(error)"])
                        throw error
                    }
                })
        }
        groups.admin.get("admin/matches/:matchId/attendee-list") { _, context -> Response in
            let matchID = try context.parameters.id("matchId")
            let bytes = try await self.awayList(matchID: matchID, actor: context.actor)
            var headers = HTTPFields()
            headers[.contentType] = Spreadsheet.contentType
            headers[.contentDisposition] = "attachment; filename=\"attendees-\(matchID).xlsx\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // After the match: the stadium's attendance export.
        groups.admin.post("admin/matches/:matchId/attendance") { request, context -> Response in
            let matchID = try context.parameters.id("matchId")
            var query = MappingQuery()
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                let v = String(value)
                guard ["barcode_column", "scanned_at_column", "gate_column"].contains(name) else { continue }
                if v.utf8.count > 100 || v.unicodeScalars.contains(where: JSONBodyRules.isRefused) || (v.isEmpty && name != "gate_column") {
                    errors.append(.init(field: String(name), message: "must be a column name of the file's header"))
                }
                switch name {
                case "barcode_column": query.barcode = v
                case "scanned_at_column": query.scannedAt = v
                default: query.gate = v
                }
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            let body = try await request.body.collect(upTo: Self.attendanceLimit)
            let (created, report) = try await self.importAttendance(
                matchID: matchID, body: Array(buffer: body), query: query, actor: context.actor)
            return Idempotency.response(created ? .created : .ok, try Orders.json(report))
        }
        groups.admin.get("admin/matches/:matchId/access-exports") { _, context -> Response in
            let exports = try await self.exports(matchID: try context.parameters.id("matchId"))
            return Idempotency.response(.ok, try Orders.json(["exports": exports]))
        }
    }

    static let versionHeader = HTTPField.Name("HNS-Export-Version")!
    /// An attendance file's largest size (a 60,000-seat stadium's export is a few MiB).
    static let attendanceLimit = 64 << 20

    static func exportRequest(_ query: [(String, String)]) throws -> ExportRequest {
        var out = ExportRequest()
        var errors: [Problem.FieldError] = []
        for (name, value) in query {
            let v = value
            switch name {
            case "format":
                guard let format = TableStream.Format(rawValue: v) else {
                    errors.append(.init(field: "format", message: "must be xlsx or csv"))
                    continue
                }
                out.format = format
            case "since_version":
                guard let n = Int(v), n > 0, n <= Int(Int32.max) else {
                    errors.append(.init(field: "since_version", message: "must be a positive integer"))
                    continue
                }
                out.sinceVersion = n
            case "holder_names":
                guard v == "true" || v == "false" else {
                    errors.append(.init(field: "holder_names", message: "must be true or false"))
                    continue
                }
                out.holderNames = v == "true"
            default: break
            }
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return out
    }
}
