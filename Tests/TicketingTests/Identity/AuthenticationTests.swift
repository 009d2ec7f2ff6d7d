import HNSRedis
import PostgresNIO
import Foundation
import HNSTestSupport
import Testing
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
