import Foundation
import HNSCore
import HTTPTypes
import JWTKit

/// A queue turn: the right of `userID` to buy tickets for `matchID` until `windowEndsAt`. The queue
/// signs it, the monolith checks it on every purchase call (docs/contracts.md "Queue ↔ monolith").
public struct PurchaseToken: Sendable, Equatable {
    /// The `kind` claim, so that no other token signed with the same key passes for a purchase token.
    public static let kind = "purchase"
    /// The purchase window (seed: 20 min).
    public static let window: Duration = .seconds(20 * 60)

    public let userID: String
    public let matchID: String
    /// `jti`: tells turns apart, e.g. to release a slot only once.
    public let tokenID: String
    /// `exp`.
    public let windowEndsAt: Date
    /// `iat`.
    public let issuedAt: Date

    /// The HMAC key both daemons read (docs/contracts.md "Executables, ports, environment").
    public static let signingKeyVariable = "HNS_QUEUE_SIGNING_KEY"

    /// Reads `HNS_QUEUE_SIGNING_KEY` (or `_FILE`), adding a problem to `env` when it is missing or
    /// shorter than 32 bytes.
    public static func readSigningKey(_ env: EnvironmentReader) -> HS256Key? {
        HS256Key.read(env, Self.signingKeyVariable)
    }

    /// Times are cut to whole seconds, as JWT NumericDates carry them, so a token round-trips equal.
    public init(
        userID: String, matchID: String, windowEndsAt: Date, tokenID: String = UUID().uuidString.lowercased(), issuedAt: Date = Date()
    ) {
        self.userID = userID
        self.matchID = matchID
        self.tokenID = tokenID
        self.windowEndsAt = Date(timeIntervalSince1970: windowEndsAt.timeIntervalSince1970.rounded(.down))
        self.issuedAt = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
    }
}

/// Why a purchase token was refused. All are the caller's fault (403): the fan has no valid turn.
public enum PurchaseTokenError: Error, Sendable, Equatable, CustomStringConvertible, ProblemConvertible {
    case missing
    case malformed
    case algorithmNotAllowed
    case badSignature
    case wrongKind
    case expired
    case wrongUser
    case wrongMatch

    public var description: String {
        switch self {
        case .missing: "No purchase token was sent."
        case .malformed: "The purchase token is not a well-formed purchase token."
        case .algorithmNotAllowed: "The purchase token uses a signing algorithm that is not accepted."
        case .badSignature: "The purchase token's signature does not verify."
        case .wrongKind: "The token is not a purchase token."
        case .expired: "The purchase window has ended; join the queue again."
        case .wrongUser: "The purchase token belongs to another user."
        case .wrongMatch: "The purchase token is for another match."
        }
    }

    public var problem: Problem {
        Problem(self == .expired ? .purchaseWindowEnded : .purchaseTokenInvalid, detail: self.description)
    }
}

extension ProblemType {
    /// The purchase token's window is over (hns-ticketing, while a match's queue is active).
    public static let purchaseWindowEnded = ProblemType("purchase-window-ended", .forbidden, "Purchase window ended")
    /// No valid purchase token of this fan for this match.
    public static let purchaseTokenInvalid = ProblemType("purchase-token-invalid", .forbidden, "Purchase token invalid")
}

/// Signs purchase tokens with `HNS_QUEUE_SIGNING_KEY` (HS256). Used by hns-queue.
public struct PurchaseTokenSigner: Sendable {
    private let key: JWTKey

    public init(key: HS256Key) async {
        self.key = await JWTKey.hs256(key)
    }

    public func sign(_ token: PurchaseToken) async throws -> String {
        try await self.key.sign(PurchaseTokenClaims(token))
    }
}

/// Checks purchase tokens. Used by hns-ticketing on every purchase call while a match's queue is active.
public struct PurchaseTokenVerifier: Sendable {
    /// Clock skew tolerated on `exp`: small, because the window is what the queue sells.
    public static let leeway: TimeInterval = 5
    private let key: JWTKey

    public init(key: HS256Key) async {
        self.key = await JWTKey.hs256(key)
    }

    /// Verifies `token` and that it was issued to `user` for `match`.
    public func verify(_ token: String, user: String, match: String, now: Date = Date()) async throws(PurchaseTokenError) -> PurchaseToken {
        let token = token.trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw .missing }
        guard let jwt = CompactJWT(token) else { throw .malformed }
        guard jwt.algorithm == self.key.algorithm else { throw .algorithmNotAllowed }
        let claims: PurchaseTokenClaims
        do {
            claims = try await self.key.verify(token, as: PurchaseTokenClaims.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw .malformed
        } catch {
            throw .badSignature
        }
        guard claims.kind == PurchaseToken.kind else { throw .wrongKind }
        guard let exp = claims.exp, let iat = claims.iat, let sub = claims.sub, let matchID = claims.match, let jti = claims.jti else {
            throw .malformed
        }
        guard now.timeIntervalSince1970 <= Double(exp) + Self.leeway else { throw .expired }
        guard sub == user else { throw .wrongUser }
        guard matchID == match else { throw .wrongMatch }
        return PurchaseToken(
            userID: sub, matchID: matchID, windowEndsAt: Date(timeIntervalSince1970: Double(exp)), tokenID: jti,
            issuedAt: Date(timeIntervalSince1970: Double(iat)))
    }
}

/// The wire form: `sub`, `match`, `kind`, `exp`, `jti`, `iat`; decoded leniently so that a claim of
/// the wrong shape is refused as malformed rather than as a bad signature.
struct PurchaseTokenClaims: JWTPayload {
    var sub: String?
    var match: String?
    var kind: String?
    var exp: Int64?
    var iat: Int64?
    var jti: String?

    init(_ token: PurchaseToken) {
        self.sub = token.userID
        self.match = token.matchID
        self.kind = PurchaseToken.kind
        self.exp = Int64(token.windowEndsAt.timeIntervalSince1970)
        self.iat = Int64(token.issuedAt.timeIntervalSince1970)
        self.jti = token.tokenID
    }

    private enum CodingKeys: String, CodingKey {
        case sub, match, kind, exp, iat, jti
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.sub = try? c.decode(String.self, forKey: .sub)
        self.match = try? c.decode(String.self, forKey: .match)
        self.kind = try? c.decode(String.self, forKey: .kind)
        self.exp = (try? c.decode(Double.self, forKey: .exp)).flatMap { Int64(exactly: $0.rounded(.down)) }
        self.iat = (try? c.decode(Double.self, forKey: .iat)).flatMap { Int64(exactly: $0.rounded(.down)) }
        self.jti = try? c.decode(String.self, forKey: .jti)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(self.sub, forKey: .sub)
        try c.encodeIfPresent(self.match, forKey: .match)
        try c.encodeIfPresent(self.kind, forKey: .kind)
        try c.encodeIfPresent(self.exp, forKey: .exp)
        try c.encodeIfPresent(self.iat, forKey: .iat)
        try c.encodeIfPresent(self.jti, forKey: .jti)
    }

    /// Checked by `PurchaseTokenVerifier`, which compares them with the caller's user and match.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
