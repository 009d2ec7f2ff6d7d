import Foundation
import HNSCore
import HNSIdentity
import HNSTestSupport
import Testing

/// Purchase tokens: signed by the queue, checked by the monolith.
@Suite struct PurchaseTokenTests {
    static let secret = "queue-signing-key-0123456789-abcdefgh"

    let signer: PurchaseTokenSigner
    let verifier: PurchaseTokenVerifier

    init() async throws {
        let key = try #require(HS256Key(Secret(Self.secret)))
        self.signer = await PurchaseTokenSigner(key: key)
        self.verifier = await PurchaseTokenVerifier(key: key)
    }

    func turn(user: String = "42", match: String = "match-7", endsIn: TimeInterval = 1200) -> PurchaseToken {
        PurchaseToken(userID: user, matchID: match, windowEndsAt: Date().addingTimeInterval(endsIn))
    }

    /// Claims as the queue writes them, for hand-made variants.
    func claims(_ turn: PurchaseToken) -> [String: JSONValue] {
        [
            "sub": .string(turn.userID), "match": .string(turn.matchID), "kind": .string("purchase"),
            "exp": .number(turn.windowEndsAt.timeIntervalSince1970), "iat": .number(turn.issuedAt.timeIntervalSince1970),
            "jti": .string(turn.tokenID),
        ]
    }

    @Test func a_signed_token_round_trips() async throws {
        // given
        let turn = self.turn()
        // when
        let token = try await self.signer.sign(turn)
        let verified = try await self.verifier.verify(token, user: "42", match: "match-7")
        // then
        #expect(verified == turn)
        #expect(verified.tokenID == turn.tokenID)
        #expect(verified.windowEndsAt.timeIntervalSince1970 == turn.windowEndsAt.timeIntervalSince1970.rounded(.down))
        // and the wire claims are the documented ones
        let payload = try #require(Data(base64URL: String(token.split(separator: ".")[1])))
        let json = try JSONDecoder().decode(JSONValue.self, from: payload)
        #expect(json["kind"] == .string("purchase"))
        #expect(json["sub"] == .string("42"))
        #expect(json["match"] == .string("match-7"))
        #expect(json["jti"] == .string(turn.tokenID))
        #expect(json["exp"] == .number(turn.windowEndsAt.timeIntervalSince1970))
        #expect(json["iat"] != nil)
    }

    @Test func a_token_for_another_user_or_match_is_refused() async throws {
        let token = try await self.signer.sign(self.turn())
        await #expect(throws: PurchaseTokenError.wrongUser) { try await self.verifier.verify(token, user: "43", match: "match-7") }
        await #expect(throws: PurchaseTokenError.wrongMatch) { try await self.verifier.verify(token, user: "42", match: "match-8") }
    }

    @Test func a_token_is_refused_five_seconds_after_its_window_ends() async throws {
        let turn = self.turn(endsIn: -60)
        let token = try await self.signer.sign(turn)
        let end = turn.windowEndsAt
        await #expect(throws: PurchaseTokenError.expired) { try await self.verifier.verify(token, user: "42", match: "match-7") }
        await #expect(throws: PurchaseTokenError.expired) {
            try await self.verifier.verify(token, user: "42", match: "match-7", now: end.addingTimeInterval(6))
        }
        let late = try await self.verifier.verify(token, user: "42", match: "match-7", now: end.addingTimeInterval(4))
        #expect(late.windowEndsAt == end)
    }

    @Test func a_token_of_another_kind_is_refused() async throws {
        var claims = self.claims(self.turn())
        claims["kind"] = .string("refresh")
        let other = try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: Self.secret), kid: .omitted)
        await #expect(throws: PurchaseTokenError.wrongKind) { try await self.verifier.verify(other, user: "42", match: "match-7") }
        claims["kind"] = nil
        let none = try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: Self.secret), kid: .omitted)
        await #expect(throws: PurchaseTokenError.wrongKind) { try await self.verifier.verify(none, user: "42", match: "match-7") }
    }

    @Test func a_tampered_token_has_a_bad_signature() async throws {
        let parts = try await self.signer.sign(self.turn()).split(separator: ".").map(String.init)
        // An altered signature.
        let flipped = (parts[2].first == "A" ? "B" : "A") + parts[2].dropFirst()
        await #expect(throws: PurchaseTokenError.badSignature) {
            try await self.verifier.verify("\(parts[0]).\(parts[1]).\(flipped)", user: "42", match: "match-7")
        }
        // Another user's claims under this signature.
        let forged = try await self.signer.sign(self.turn(user: "666")).split(separator: ".").map(String.init)
        await #expect(throws: PurchaseTokenError.badSignature) {
            try await self.verifier.verify("\(parts[0]).\(forged[1]).\(parts[2])", user: "666", match: "match-7")
        }
        // Signed with another key.
        let otherSigner = await PurchaseTokenSigner(key: try #require(HS256Key(Secret(Self.secret + "-other"))))
        let foreign = try await otherSigner.sign(self.turn())
        await #expect(throws: PurchaseTokenError.badSignature) { try await self.verifier.verify(foreign, user: "42", match: "match-7") }
    }

    @Test func only_hs256_is_accepted() async throws {
        let claims = self.claims(self.turn())
        let unsigned = try await JWKSTestServer.mint(claims: claims, signature: .unsigned)
        let es256 = try await JWKSTestServer.mint(claims: claims, signature: .key(.es256()))
        await #expect(throws: PurchaseTokenError.algorithmNotAllowed) { try await self.verifier.verify(unsigned, user: "42", match: "match-7") }
        await #expect(throws: PurchaseTokenError.algorithmNotAllowed) { try await self.verifier.verify(es256, user: "42", match: "match-7") }
    }

    @Test func missing_or_malformed_tokens_and_claims_are_refused() async throws {
        await #expect(throws: PurchaseTokenError.missing) { try await self.verifier.verify(" ", user: "42", match: "match-7") }
        await #expect(throws: PurchaseTokenError.malformed) { try await self.verifier.verify("garbage", user: "42", match: "match-7") }
        for claim in ["sub", "match", "exp", "jti", "iat"] {
            var claims = self.claims(self.turn())
            claims[claim] = nil
            let token = try await JWKSTestServer.mint(claims: claims, signature: .hs256(secret: Self.secret), kid: .omitted)
            await #expect(throws: PurchaseTokenError.malformed, "without \(claim)") {
                try await self.verifier.verify(token, user: "42", match: "match-7")
            }
        }
    }

    @Test func a_short_key_is_refused() {
        #expect(HS256Key(Secret(String(repeating: "k", count: 31))) == nil)
        #expect(HS256Key(bytes: Array(repeating: 7, count: 16)) == nil)
        #expect(HS256Key(bytes: Array(repeating: 7, count: 32)) != nil)
    }

    @Test func failures_are_403_problems() {
        #expect(PurchaseTokenError.wrongUser.problem.statusCode == 403)
        #expect(PurchaseTokenError.wrongUser.problem.type == "https://hns.hr/problems/purchase-token-invalid")
        #expect(PurchaseTokenError.expired.problem.type == "https://hns.hr/problems/purchase-window-ended")
    }
}

extension Data {
    fileprivate init?(base64URL: String) {
        var base64 = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
