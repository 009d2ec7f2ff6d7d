import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes
import Hummingbird
import NIOCore

extension Petrol {
    func addRoutes(to groups: RouteGroups) {
        // The fan, in the app.
        groups.customer.post("petrol/pin-requests") { request, context -> Response in
            let body = try Request.decodeJSON(as: PinRequestBody.self, from: try await request.body.collect(upTo: 1 << 20))
            let made = try await self.request(body, identity: context.identity, actor: context.actor)
            return Idempotency.response(.created, try Orders.json(made))
        }
        groups.customer.get("petrol/pin-requests/:requestId") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.request(id: try Self.requestID(context), user: context.identity.userID)))
        }
        groups.customer.post("petrol/pin-requests/:requestId/cancel") { _, context -> Response in
            let id = try Self.requestID(context)
            return Idempotency.response(.ok, try Orders.json(try await self.cancel(id: id, user: context.identity.userID, actor: context.actor)))
        }
        // The clerk, at the till.
        for (action, needsReference) in [("hold", false), ("confirm", true), ("release", false)] {
            groups.petrolStaff.post("petrol/pins/:pin/\(action)") { request, context -> Response in
                let body = try Request.decodeJSON(as: TillBody.self, from: try await request.body.collect(upTo: 1 << 16))
                let (clerk, reference) = try Self.clerk(context.identity, actor: context.actor, body: body, needsReference: needsReference)
                let pin = context.parameters.get("pin") ?? ""
                let view: TillView =
                    switch action {
                    case "hold": try await self.hold(pin: pin, clerk: clerk)
                    case "confirm": try await self.confirm(pin: pin, reference: reference ?? "", clerk: clerk)
                    default: try await self.release(pin: pin, clerk: clerk)
                    }
                return Idempotency.response(.ok, try Orders.json(view))
            }
        }
        // Petrol's accounting, through HNS admins.
        groups.admin.get("admin/petrol/settlement") { request, _ -> Response in
            var from: String?
            var to: String?
            var station: String?
            var xlsx = false
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                let v = String(value)
                switch name {
                case "from", "to":
                    guard v.count == 10, FinancialReport.Period.midnight(v) != nil else {
                        errors.append(.init(field: String(name), message: "must be a date YYYY-MM-DD"))
                        continue
                    }
                    if name == "from" { from = v } else { to = v }
                case "station":
                    if v.isEmpty || v.count > 64 || v.unicodeScalars.contains(where: JSONBodyRules.isRefused) {
                        errors.append(.init(field: "station", message: "must be a station id"))
                    }
                    station = v
                case "format":
                    if v != "json" && v != "xlsx" { errors.append(.init(field: "format", message: "must be json or xlsx")) }
                    xlsx = v == "xlsx"
                default: break
                }
            }
            if from == nil { errors.append(.init(field: "from", message: "is required (YYYY-MM-DD)")) }
            if to == nil { errors.append(.init(field: "to", message: "is required (YYYY-MM-DD)")) }
            if let from, let to, to < from { errors.append(.init(field: "to", message: "must not be before from")) }
            if !errors.isEmpty { throw Problem.validation(errors) }
            let settlement = try await self.settlement(from: from!, to: to!, station: station)
            guard xlsx else { return Idempotency.response(.ok, try Orders.json(settlement)) }
            var headers = HTTPFields()
            headers[.contentType] = Spreadsheet.contentType
            headers[.contentDisposition] = "attachment; filename=\"petrol-settlement-\(from!)-\(to!).xlsx\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try settlement.spreadsheet.xlsx())))
        }
    }

    static func requestID(_ context: some RequestContext) throws -> UUID {
        guard let id = context.parameters.decoded("requestId").flatMap(UUID.init(uuidString:)) else { throw PetrolError.notFound }
        return id
    }
}
