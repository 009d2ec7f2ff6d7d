import Foundation
import HNSCore
import Hummingbird

extension Reconciliation {
    /// `GET /admin/reconciliation?match=ID&stripe=false`: the report, for one match or all;
    /// `stripe=false` skips asking Stripe (two requests per payment, at the refunds' pace).
    func addRoutes(to groups: RouteGroups) {
        groups.admin.get("admin/reconciliation") { request, _ -> Response in
            var match: Int64?
            var stripe = true
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                switch name {
                case "match":
                    match = Int64(String(value)).flatMap { $0 > 0 ? $0 : nil }
                    if match == nil { errors.append(.init(field: "match", message: "must be a match id (a positive integer)")) }
                case "stripe":
                    switch value {
                    case "true": stripe = true
                    case "false": stripe = false
                    default: errors.append(.init(field: "stripe", message: "must be true or false"))
                    }
                default: break
                }
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Idempotency.response(.ok, try Orders.json(try await self.run(matchID: match, stripe: stripe)))
        }
    }
}
