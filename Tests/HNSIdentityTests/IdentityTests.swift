import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Roles, MFA and the checks routes rely on.
@Suite struct IdentityTests {
    static let secret = "identity-tests-secret-0123456789abcdef"

    func identity(claims overrides: [String: JSONValue]) async throws -> Identity {
        let configuration = IdentityConfiguration(
            issuer: "iss", audience: "aud", keySource: .developmentSecret(try #require(HS256Key(Secret(Self.secret)))))
        let verifier = await IdentityVerifier(configuration: configuration)
        let claims = JWKSTestServer.claims(issuer: "iss", audience: "aud").merging(overrides) { $1 }
        return try await verifier.verify(bearer: try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: Self.secret)))
    }

    @Test func known_roles_are_parsed_and_unknown_ones_ignored() async throws {
        let identity = try await self.identity(claims: [
            "roles": .array(
                [
                    "customer", "admin", "support", "quota_owner", "petrol_staff", "editor", "ADMIN",
                ].map(JSONValue.string) + [.number(7), .null])
        ])
        #expect(identity.roles == Set(Role.allCases))
    }

    @Test func missing_or_odd_roles_and_amr_read_as_empty() async throws {
        let none = try await self.identity(claims: ["roles": .null, "amr": .string("mfa")])
        #expect(none.roles.isEmpty)
        #expect(none.amr.isEmpty)
        #expect(!none.hasMFA)
        let noEmail = try await self.identity(claims: ["email": .number(1)])
        #expect(noEmail.email == nil)
    }

    @Test func require_checks_a_role() throws {
        let fan = Identity(userID: "1", roles: [.customer], expiresAt: Date())
        try fan.require(.customer)
        #expect(throws: IdentityError.forbidden("This needs the petrol_staff role.")) { try fan.require(.petrolStaff) }
    }

    @Test func admin_actions_need_an_admin_signed_in_with_mfa() async throws {
        let admin = try await self.identity(claims: ["roles": .array([.string("admin")]), "amr": .array([.string("pwd"), .string("mfa")])])
        try admin.requireAdminWithMFA()
        let adminWithoutMFA = try await self.identity(claims: ["roles": .array([.string("admin")]), "amr": .array([.string("pwd")])])
        #expect(throws: IdentityError.self) { try adminWithoutMFA.requireAdminWithMFA() }
        let supportWithMFA = Identity(userID: "2", roles: [.support], amr: ["mfa"], expiresAt: Date())
        #expect(throws: IdentityError.forbidden("This needs the admin role.")) { try supportWithMFA.requireAdminWithMFA() }
        do {
            try adminWithoutMFA.requireAdminWithMFA()
        } catch {
            guard case .forbidden(let reason) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(reason.contains("multi-factor"))
            #expect(error.problem.statusCode == 403)
        }
    }
}
