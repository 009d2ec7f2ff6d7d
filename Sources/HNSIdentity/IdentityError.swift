import HNSCore
import HTTPTypes

/// Why a request's identity was refused.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible, ProblemConvertible {
    case missingToken
    case malformedToken
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case unknownKey
    case algorithmNotAllowed
    /// A valid identity that lacks a role or MFA; the reason is shown to the caller.
    case forbidden(String)
    /// The JWKS cannot be fetched, so no token can be checked: our fault, not the caller's.
    case keySourceUnavailable

    public var description: String {
        switch self {
        case .missingToken: "The request has no bearer token (Authorization: Bearer <token>)."
        case .malformedToken: "The bearer token is not a well-formed JWT with the required claims."
        case .badSignature: "The bearer token's signature does not verify."
        case .expired: "The bearer token has expired."
        case .notYetValid: "The bearer token is not valid yet."
        case .wrongIssuer: "The bearer token was issued by an unexpected issuer."
        case .wrongAudience: "The bearer token is not meant for this service."
        case .unknownKey: "The bearer token is signed with a key this service does not know."
        case .algorithmNotAllowed: "The bearer token uses a signing algorithm this service does not accept."
        case .forbidden(let reason): reason
        case .keySourceUnavailable: "The identity provider's signing keys cannot be fetched right now."
        }
    }

    /// The problem+json answer: 401 for token faults, 403 for missing rights, 503 when the keys
    /// cannot be fetched.
    public var problem: Problem {
        switch self {
        case .forbidden(let reason):
            return .forbidden(reason)
        case .keySourceUnavailable:
            var problem = Problem.unavailable(self.description)
            problem.extraHeaders[.retryAfter] = "5"
            return problem
        case .missingToken:
            // RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
            return .unauthorized(self.description)
        default:
            var problem = Problem.unauthorized(self.description)
            problem.extraHeaders[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="\#(self.description)""#
            return problem
        }
    }
}
