import Foundation
import HNSCore
import Hummingbird

extension Receivables {
    func addRoutes(to groups: RouteGroups) {
        // What partners owe: `state=overdue` is what finance chases.
        groups.admin.get("admin/receivables") { request, _ -> Response in
            var match: Int64?
            var filter: String?
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                switch name {
                case "match_id":
                    match = Int64(String(value)).flatMap { $0 > 0 ? $0 : nil }
                    if match == nil { errors.append(.init(field: "match_id", message: "must be a positive integer")) }
                case "state":
                    let allowed = State.allCases.map(\.rawValue) + ["overdue"]
                    filter = String(value)
                    if !allowed.contains(String(value)) {
                        errors.append(.init(field: "state", message: "must be one of \(allowed.joined(separator: ", "))"))
                    }
                default: break
                }
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Idempotency.response(.ok, try Orders.json(try await self.list(matchID: match, filter: filter)))
        }
        groups.admin.post("admin/receivables/:orderId/reminders") { _, context -> Response in
            let order = try Orders.orderID(context)
            return Idempotency.response(.ok, try Orders.json(try await self.remind(orderID: order, actor: context.actor)))
        }
    }
}
