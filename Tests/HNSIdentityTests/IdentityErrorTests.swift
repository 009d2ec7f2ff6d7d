import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes
import HummingbirdCore
import Testing

/// How identity failures reach the caller: problem+json with the right status and challenge.
@Suite struct IdentityErrorTests {
    static let tokenFaults: [IdentityError] = [
        .malformedToken, .badSignature, .expired, .notYetValid, .wrongIssuer, .wrongAudience, .unknownKey, .algorithmNotAllowed,
    ]

    @Test(arguments: tokenFaults)
    func a_token_fault_is_a_401_with_an_invalid_token_challenge(_ error: IdentityError) throws {
        let problem = error.problem
        #expect(problem.statusCode == 401)
        #expect(problem.type == "https://hns.hr/problems/unauthorized")
        #expect(problem.detail == error.description)
        let challenge = try #require(problem.response().headers[.wwwAuthenticate])
        #expect(challenge.hasPrefix(#"Bearer error="invalid_token""#))
        #expect(challenge.contains(#"error_description="\#(error.description)""#))
        #expect(!error.description.contains("\""))
    }

    @Test func each_token_fault_says_something_different() {
        #expect(Set(Self.tokenFaults.map(\.description)).count == Self.tokenFaults.count)
    }

    @Test func a_missing_token_gets_the_bare_challenge() {
        let response = IdentityError.missingToken.problem.response()
        #expect(response.status.code == 401)
        #expect(response.headers[.wwwAuthenticate] == "Bearer")
        #expect(response.headers[.contentType] == "application/problem+json")
    }

    @Test func forbidden_is_a_403_with_the_reason() {
        let problem = IdentityError.forbidden("Admin actions need MFA.").problem
        #expect(problem.statusCode == 403)
        #expect(problem.detail == "Admin actions need MFA.")
        #expect(problem.response().headers[.wwwAuthenticate] == nil)
    }

    @Test func an_unavailable_key_source_is_our_503() throws {
        let problem = IdentityError.keySourceUnavailable.problem
        #expect(problem.statusCode == 503)
        #expect(problem.response().headers[.retryAfter] == "5")
        #expect(problem.response().headers[.wwwAuthenticate] == nil)
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(problem.jsonBytes()))
        #expect(body["status"] == .number(503))
        #expect(body["detail"]?.stringValue == IdentityError.keySourceUnavailable.description)
    }
}
