import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Token checks against a JWKS served by a stand-in Drupal.
@Suite struct IdentityVerifierTests {
    @Test func a_valid_es256_token_yields_the_identity_it_names() async throws {
        try await JWKSTestServer.with { drupal in
            // given
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let token = try await drupal.token(subject: "1234", roles: ["customer", "support"], amr: ["pwd", "mfa"])
            // when
            let identity = try await verifier.verify(bearer: token)
            // then
            #expect(identity.userID == "1234")
            #expect(identity.email == "user1234@example.test")
            #expect(identity.roles == [.customer, .support])
            #expect(identity.amr == ["pwd", "mfa"])
            #expect(identity.hasMFA)
            #expect(abs(identity.expiresAt.timeIntervalSinceNow - 300) < 5)
        }
    }

    @Test func a_valid_rs256_token_from_the_jwks_is_accepted() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let token = try await drupal.token(subject: "7", signature: .key(drupal.rs256))
            #expect(try await verifier.verify(bearer: token).userID == "7")
        }
    }

    @Test func the_authorization_header_must_carry_a_bearer_token() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let token = try await drupal.token()
            await #expect(throws: IdentityError.missingToken) { try await verifier.verify(authorizationHeader: nil) }
            await #expect(throws: IdentityError.missingToken) { try await verifier.verify(authorizationHeader: "") }
            await #expect(throws: IdentityError.missingToken) { try await verifier.verify(authorizationHeader: "Bearer ") }
            await #expect(throws: IdentityError.missingToken) { try await verifier.verify(authorizationHeader: "Basic dXNlcjpwYXNz") }
            await #expect(throws: IdentityError.missingToken) { try await verifier.verify(bearer: "  ") }
            // The scheme is case-insensitive.
            #expect(try await verifier.verify(authorizationHeader: "bearer \(token)").userID == "42")
            #expect(try await verifier.verify(authorizationHeader: "Bearer \(token)").userID == "42")
        }
    }

    @Test func a_string_that_is_not_a_jwt_is_malformed() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let valid = try await drupal.token()
            let parts = valid.split(separator: ".").map(String.init)
            for garbage in [
                "not-a-jwt", "a.b.c", "a.b", "\(parts[0]).\(parts[1])", "\(parts[0])..\(parts[2])", "\(valid).extra",
                "eyJub3QiOiJoZWFkZXIifQ.\(parts[1]).\(parts[2])",  // {"not":"header"}: no alg
                String(repeating: "a", count: 20_000),
            ] {
                await #expect(throws: IdentityError.malformedToken, "\(garbage.prefix(40))") { try await verifier.verify(bearer: garbage) }
            }
        }
    }

    @Test func a_token_signed_by_another_key_or_tampered_with_has_a_bad_signature() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            // Signed by a key Drupal never published, under the published key's kid.
            let impostor = JWKSTestServer.SigningKey.es256()
            let forged = try await drupal.token(signature: .key(impostor), kid: .custom(drupal.es256.kid))
            await #expect(throws: IdentityError.badSignature) { try await verifier.verify(bearer: forged) }
            // A genuine token whose payload was swapped for another user's.
            let genuine = try await drupal.token(subject: "42").split(separator: ".").map(String.init)
            let other = try await drupal.token(subject: "1").split(separator: ".").map(String.init)
            let spliced = [genuine[0], other[1], genuine[2]].joined(separator: ".")
            await #expect(throws: IdentityError.badSignature) { try await verifier.verify(bearer: spliced) }
            // An RS256 token whose signature was altered.
            let rs = try await drupal.token(signature: .key(drupal.rs256)).split(separator: ".").map(String.init)
            let flipped = (rs[2].first == "A" ? "B" : "A") + rs[2].dropFirst()
            await #expect(throws: IdentityError.badSignature) { try await verifier.verify(bearer: "\(rs[0]).\(rs[1]).\(flipped)") }
        }
    }

    @Test func expiry_is_enforced_with_sixty_seconds_of_leeway() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let withinLeeway = try await drupal.token(expiresIn: .seconds(-30))
            let beyondLeeway = try await drupal.token(expiresIn: .seconds(-90))
            #expect(try await verifier.verify(bearer: withinLeeway).userID == "42")
            await #expect(throws: IdentityError.expired) { try await verifier.verify(bearer: beyondLeeway) }
        }
    }

    @Test func a_token_verified_before_is_still_checked_for_expiry_and_tampering() async throws {
        try await JWKSTestServer.with { drupal in
            let clock = ManualClock()
            let verifier = await IdentityVerifier(configuration: drupal.configuration, clock: clock.wallClock)
            // given: a token 2 s before the end of its leeway, verified once (and so remembered)
            let closing = try await drupal.token(expiresIn: .seconds(-58))
            #expect(try await verifier.verify(bearer: closing).userID == "42")
            #expect(try await verifier.verify(authorizationHeader: "Bearer \(closing)").userID == "42")
            // when its time is up, then the remembered token is refused like any other
            clock.advance(by: .seconds(3))
            await #expect(throws: IdentityError.expired) { try await verifier.verify(bearer: closing) }
            // A verified token with another user's payload spliced in does not pass as the remembered one.
            let genuine = try await drupal.token(subject: "42")
            #expect(try await verifier.verify(bearer: genuine).userID == "42")
            let parts = genuine.split(separator: ".").map(String.init)
            let other = try await drupal.token(subject: "1").split(separator: ".").map(String.init)
            await #expect(throws: IdentityError.badSignature) {
                try await verifier.verify(bearer: [parts[0], other[1], parts[2]].joined(separator: "."))
            }
        }
    }

    @Test func a_token_whose_nbf_is_in_the_future_is_not_yet_valid() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let now = Date().timeIntervalSince1970.rounded(.down)
            let later = try await drupal.token(overrides: ["nbf": .number(now + 120)])
            let skewed = try await drupal.token(overrides: ["nbf": .number(now + 30)])
            await #expect(throws: IdentityError.notYetValid) { try await verifier.verify(bearer: later) }
            #expect(try await verifier.verify(bearer: skewed).userID == "42")
        }
    }

    @Test func a_token_from_another_issuer_is_refused() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let other = try await drupal.token(overrides: ["iss": .string("https://evil.test")])
            let none = try await drupal.token(removing: ["iss"])
            await #expect(throws: IdentityError.wrongIssuer) { try await verifier.verify(bearer: other) }
            await #expect(throws: IdentityError.wrongIssuer) { try await verifier.verify(bearer: none) }
        }
    }

    @Test func the_audience_may_be_a_string_or_an_array_but_must_name_us() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let array = try await drupal.token(overrides: ["aud": .array([.string("portal"), .string(drupal.audience)])])
            let otherString = try await drupal.token(overrides: ["aud": .string("portal")])
            let otherArray = try await drupal.token(overrides: ["aud": .array([.string("portal"), .string("app")])])
            let missing = try await drupal.token(removing: ["aud"])
            #expect(try await verifier.verify(bearer: array).userID == "42")
            for token in [otherString, otherArray, missing] {
                await #expect(throws: IdentityError.wrongAudience) { try await verifier.verify(bearer: token) }
            }
        }
    }

    @Test func sub_and_exp_are_required() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            let noSubject = try await drupal.token(removing: ["sub"])
            let emptySubject = try await drupal.token(overrides: ["sub": .string("")])
            let noExpiry = try await drupal.token(removing: ["exp"])
            let numericSubject = try await drupal.token(overrides: ["sub": .number(77)])
            await #expect(throws: IdentityError.malformedToken) { try await verifier.verify(bearer: noSubject) }
            await #expect(throws: IdentityError.malformedToken) { try await verifier.verify(bearer: emptySubject) }
            await #expect(throws: IdentityError.malformedToken) { try await verifier.verify(bearer: noExpiry) }
            #expect(try await verifier.verify(bearer: numericSubject).userID == "77")
        }
    }

    @Test func an_hs256_token_is_refused_when_keys_are_asymmetric() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            // The classic attack: HMAC "signed" with the published public key as the secret.
            for key in [drupal.es256, drupal.rs256] {
                let confused = try await drupal.token(signature: .hs256(secret: key.publicKeyPEM), kid: .custom(key.kid))
                await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: confused) }
            }
            let noKid = try await drupal.token(signature: .hs256(secret: drupal.es256.publicKeyPEM), kid: .omitted)
            await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: noKid) }
            let unsigned = try await drupal.token(signature: .unsigned, kid: .custom(drupal.es256.kid))
            await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: unsigned) }
            // Refused before any key was looked up: the JWKS was never even fetched.
            #expect(drupal.fetchCount == 0)
        }
    }

    @Test func the_header_algorithm_must_match_the_key_the_kid_names() async throws {
        try await JWKSTestServer.with { drupal in
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            // Claims RS256 but names the EC key (signed with the RSA key).
            let mismatched = try await drupal.token(signature: .key(drupal.rs256), kid: .custom(drupal.es256.kid))
            await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: mismatched) }
            // Other algorithms jwt-kit knows are still not ours to accept.
            let ps256 = try await drupal.token(signature: .key(drupal.rs256), headerAlgorithm: "PS256")
            await #expect(throws: IdentityError.algorithmNotAllowed) { try await verifier.verify(bearer: ps256) }
        }
    }

    @Test func a_token_without_kid_uses_the_only_key_for_its_algorithm() async throws {
        try await JWKSTestServer.with { drupal in
            // given two ES256 keys and one RS256 key
            drupal.rotate()
            let verifier = await IdentityVerifier(configuration: drupal.configuration)
            // then a kid-less RS256 token can only mean the RS256 key
            let token = try await drupal.token(signature: .key(drupal.rs256), kid: .omitted)
            #expect(try await verifier.verify(bearer: token).userID == "42")
            // and a kid-less ES256 token is ambiguous
            let ambiguous = try await drupal.token(signature: .key(drupal.es256), kid: .omitted)
            await #expect(throws: IdentityError.unknownKey) { try await verifier.verify(bearer: ambiguous) }
        }
    }
}
