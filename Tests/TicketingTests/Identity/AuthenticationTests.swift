import Foundation
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing
import Yams

@testable import Ticketing

/// Every route trusts Drupal's JWT, verified locally; admin routes want the admin role and MFA.
@Suite struct AuthenticationTests {
    @Test func each_bad_token_is_401_and_a_wrong_role_is_403() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let path = "/api/v1/admin/stadiums"
            #expect(try await h.call("GET", path).status == 401)
            #expect(try await h.call("GET", path, token: "not.a.jwt").status == 401)
            let expired = try await TicketingHarness.token(roles: ["admin"], amr: ["mfa"], expiresIn: .seconds(-3600))
            #expect(try await h.call("GET", path, token: expired).status == 401)
            let forged = try await TicketingHarness.token(roles: ["admin"], amr: ["mfa"], secret: "another-secret-of-at-least-32-bytes-long!!")
            #expect(try await h.call("GET", path, token: forged).status == 401)
            let foreign = try await TicketingHarness.token(roles: ["admin"], amr: ["mfa"], issuer: "https://evil.example")
            #expect(try await h.call("GET", path, token: foreign).status == 401)

            let customer = try await h.call("GET", path, token: try await TicketingHarness.token())
            #expect(customer.status == 403)
            let noMFA = try await h.call("GET", path, token: try await TicketingHarness.token(roles: ["admin"], amr: ["pwd"]))
            #expect(noMFA.status == 403)
            #expect((noMFA.object["detail"] as? String)?.contains("multi-factor") == true)
            #expect(try await h.call("GET", path, token: try await TicketingHarness.admin()).status == 200)
            // Problem bodies for every refusal.
            let missing = try await h.call("GET", "/api/v1/me/profile")
            #expect(missing.object["status"] as? Int == 401)
        }
    }
}

/// Every protected operation of the OpenAPI document, called as the document says it is guarded:
/// no token → 401, a valid token without the operation's role (`x-hns-role`) → 403. A route that
/// forgot its group, or sits in the wrong one, fails here.
@Suite struct RoleWalkTests {
    struct Operation: CustomStringConvertible {
        let method: String
        let path: String
        let role: String?
        let bus: Bool
        var description: String { "\(self.method) \(self.path)" }
    }

    static func operations(_ yaml: String) throws -> [Operation] {
        let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var found: [Operation] = []
        for (path, item) in paths {
            for (method, raw) in (item as? [String: Any]) ?? [:] {
                let op = raw as? [String: Any] ?? [:]
                let security = op["security"] as? [[String: Any]]
                let bus = security?.contains { $0["busDelivery"] != nil } ?? false
                found.append(Operation(method: method.uppercased(), path: path, role: op["x-hns-role"] as? String, bus: bus))
            }
        }
        return found.sorted { $0.description < $1.description }
    }

    /// A concrete path for a templated one (ids that exist nowhere: the guard answers first).
    static func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: #"\{(matchId|stadiumId|version|id)\}"#, with: "7", options: .regularExpression)
            .replacingOccurrences(of: #"\{(holdId|orderId)\}"#, with: UUID().uuidString.lowercased(), options: .regularExpression)
            .replacingOccurrences(of: "{sector}", with: "A")
    }

    /// Someone signed in who lacks `role` (an admin without MFA lacks `admin`).
    static func tokenWithout(_ role: String) async throws -> String {
        switch role {
        case "admin": try await TicketingHarness.token(user: "almost-admin", roles: ["admin", "customer", "support"], amr: ["pwd"])
        // Quota owners sign in to the quota portal or (as customers) to the app: staff roles only lack both.
        case "customer", "quota_owner": try await TicketingHarness.token(user: "staff", roles: ["support", "petrol_staff"], amr: ["pwd", "mfa"])
        default: try await TicketingHarness.token(user: "fan", roles: ["customer"], amr: ["pwd", "mfa"])
        }
    }

    @Test func every_protected_operation_refuses_without_a_token_and_without_its_role() async throws {
        try await TicketingHarness.with(environment: ["HNS_BUS_TOKEN_BACKEND": "bus-delivery-token-for-the-role-walk"]) { h async throws -> Void in
            let operations = try Self.operations(try await h.call("GET", "/openapi.yaml").body)
            let protected = operations.filter { $0.role != nil || $0.bus }
            #expect(protected.count >= 25, "\(protected)")
            // Every operation under /api/v1 is either public (security: []) or names its role.
            let unguarded = operations.filter { $0.path.hasPrefix("/api/v1/") && $0.role == nil && !$0.bus }
            for op in unguarded {
                #expect(
                    [
                        "GET /api/v1/matches", "GET /api/v1/matches/{matchId}", "GET /api/v1/matches/{matchId}/availability",
                        "GET /api/v1/matches/{matchId}/sectors/{sector}/seats",
                    ].contains(op.description), "\(op) names no x-hns-role")
            }
            for op in protected {
                let path = Self.concrete(op.path)
                let body = op.method == "GET" || op.method == "DELETE" ? nil : "{}"
                let anonymous = try await h.call(op.method, path, json: body)
                #expect(anonymous.status == 401, "\(op) without a token: \(anonymous.status) \(anonymous.body)")
                let type = anonymous.headers.first { $0.key.lowercased() == "content-type" }?.value
                #expect(type?.hasPrefix("application/problem+json") == true, "\(op): \(type ?? "no content type")")
                if op.bus {
                    let wrong = try await h.call(op.method, path, token: "not-the-bus-token", json: body)
                    #expect(wrong.status == 401, "\(op) with a wrong bus token: \(wrong.status)")
                    continue
                }
                let role = try #require(op.role)
                let without = try await h.call(op.method, path, token: try await Self.tokenWithout(role), json: body)
                #expect(without.status == 403, "\(op) without the \(role) role: \(without.status) \(without.body)")
            }
        }
    }
}
