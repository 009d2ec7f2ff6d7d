import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Fixed key sources: a PEM public key, or the development HS256 secret.
@Suite struct IdentityPublicKeyTests {
    static let issuer = "https://drupal.test"
    static let audience = "hns-queue"

    func verifier(_ extra: [String: String]) async throws -> IdentityVerifier {
        let values = ["HNS_IDENTITY_ISSUER": Self.issuer, "HNS_IDENTITY_AUDIENCE": Self.audience].merging(extra) { $1 }
        return await IdentityVerifier(configuration: try IdentityConfiguration.fromEnvironment(values))
    }

    func token(_ signature: JWKSTestServer.Signature, subject: String = "42", kid: JWKSTestServer.KeyID = .ofSigningKey) async throws -> String {
        try await JWKSTestServer.mint(
            claims: JWKSTestServer.claims(issuer: Self.issuer, audience: Self.audience, subject: subject), signature: signature, kid: kid)
    }

    @Test func an_es256_pem_key_verifies_its_tokens_and_nothing_else() async throws {
        // given
        let key = JWKSTestServer.SigningKey.es256()
        let verifier = try await self.verifier(["HNS_IDENTITY_PUBLIC_KEY": key.publicKeyPEM])
        // then its own tokens pass, whatever kid they carry
        #expect(try await verifier.verify(bearer: try await self.token(.key(key))).userID == "42")
        #expect(try await verifier.verify(bearer: try await self.token(.key(key), kid: .omitted)).userID == "42")
        // and other keys, other algorithms and alg confusion do not
        await #expect(throws: IdentityError.badSignature) { try await verifier.verify(bearer: try await self.token(.key(.es256()))) }
        await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: try await self.token(.key(.rs256()))) }
        await #expect(throws: IdentityError.algorithmNotAllowed) {
            try await verifier.verify(bearer: try await self.token(.hs256(secret: key.publicKeyPEM)))
        }
        await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: try await self.token(.unsigned)) }
    }

    @Test func an_rs256_pem_key_verifies_its_tokens_and_nothing_else() async throws {
        let key = JWKSTestServer.SigningKey.rs256()
        let verifier = try await self.verifier(["HNS_IDENTITY_PUBLIC_KEY": key.publicKeyPEM])
        #expect(try await verifier.verify(bearer: try await self.token(.key(key), subject: "8")).userID == "8")
        await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: try await self.token(.key(.es256()))) }
        await #expect(throws: IdentityError.algorithmNotAllowed) {
            try await verifier.verify(bearer: try await self.token(.hs256(secret: key.publicKeyPEM)))
        }
        #expect(verifier.refreshService == nil)
    }

    @Test func the_development_secret_verifies_hs256_only() async throws {
        let secret = "development-secret-0123456789-abcdef"
        let verifier = try await self.verifier(["HNS_IDENTITY_HS256_SECRET": secret])
        #expect(try await verifier.verify(bearer: try await self.token(.hs256(secret: secret))).userID == "42")
        await #expect(throws: IdentityError.badSignature) {
            try await verifier.verify(bearer: try await self.token(.hs256(secret: secret + "-other")))
        }
        await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: try await self.token(.key(.es256()))) }
        await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: try await self.token(.unsigned)) }
    }
}
