import AsyncHTTPClient
import Foundation
import HNSCore
import JWTKit
import Logging

/// Verifies Drupal's bearer JWTs locally (docs/contracts.md "Identity"): algorithm, key, signature, `iss`,
/// `aud`, `exp`/`nbf` with leeway, and `sub`. Shared by hns-queue and hns-ticketing.
public final class IdentityVerifier: Sendable {
    public let configuration: IdentityConfiguration
    private let keys: Keys
    private let clock: WallClock
    /// Tokens whose signature was checked, by their whole text (a forged or altered token never
    /// matches one): an app polls its order several times a second with the same token, and a
    /// signature check with its JSON decoding costs more than the request's database read. The
    /// time claims are checked again on every use, so a cached token still expires on time, and a
    /// JWKS key that a refresh retired takes its tokens with it.
    private let verified = ShortCache<String, Verified>(ttl: .seconds(30))

    private struct Verified: Sendable {
        let claims: AccessTokenClaims
        let keyID: String?
        let algorithm: String
    }

    private enum Keys: Sendable {
        case fixed(JWTKey)
        case jwks(JWKSKeyStore)
    }

    /// The algorithms a token may name. Asymmetric sources never accept HS256: otherwise a
    /// token "signed" with the public key as an HMAC secret would verify (alg confusion).
    private var allowedAlgorithms: Set<String> {
        switch self.keys {
        case .fixed(let key): [key.algorithm]
        case .jwks: ["RS256", "ES256"]
        }
    }

    /// `httpClient` fetches the JWKS; it is not shut down here. `clock` is what a token's times and the
    /// JWKS retry pause are measured by (tests move it by hand).
    public init(
        configuration: IdentityConfiguration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "hns.identity"),
        clock: WallClock = .system
    ) async {
        self.configuration = configuration
        self.clock = clock
        switch configuration.keySource {
        case .jwks(let url):
            self.keys = .jwks(JWKSKeyStore(url: url, configuration: configuration, client: httpClient, logger: logger, clock: clock))
        case .publicKey(let key):
            self.keys = .fixed(await JWTKey.publicKey(key))
        case .developmentSecret(let secret):
            logger.warning("identity tokens are checked with HNS_IDENTITY_HS256_SECRET: for development only")
            self.keys = .fixed(await JWTKey.hs256(secret))
        }
    }

    /// Keeps the JWKS fresh in the background; `nil` unless the key source is a JWKS URL. Add it to
    /// the daemon's service group.
    public var refreshService: JWKSRefreshService? {
        guard case .jwks(let store) = self.keys else { return nil }
        return JWKSRefreshService(store: store, interval: self.configuration.jwksRefreshInterval)
    }

    /// Verifies the value of an `Authorization` header (`Bearer <token>`).
    public func verify(authorizationHeader: String?) async throws(IdentityError) -> Identity {
        guard let header = authorizationHeader?.trimmingASCIISpaces(), !header.isEmpty else { throw .missingToken }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        // The scheme is case-insensitive (RFC 9110 §11.1); another scheme means no bearer token.
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .missingToken }
        return try await self.verify(bearer: String(parts[1]))
    }

    /// Verifies a bearer token and returns who it names.
    public func verify(bearer token: String) async throws(IdentityError) -> Identity {
        let token = token.trimmingASCIISpaces()
        guard !token.isEmpty else { throw .missingToken }
        if let hit = self.verified.cached(token), await self.stillHolds(hit) { return try self.identity(from: hit.claims, now: self.clock.now) }
        guard let jwt = CompactJWT(token) else { throw .malformedToken }
        guard self.allowedAlgorithms.contains(jwt.algorithm) else { throw .algorithmNotAllowed }
        let key: JWTKey
        switch self.keys {
        case .fixed(let fixed): key = fixed
        case .jwks(let store): key = try await store.key(id: jwt.keyID, algorithm: jwt.algorithm)
        }
        // A kid naming an RSA key in an ES256 token (or the reverse) is refused, not tried.
        guard key.algorithm == jwt.algorithm else { throw .algorithmNotAllowed }
        let claims: AccessTokenClaims
        do {
            claims = try await key.verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw .malformedToken
        } catch {
            throw .badSignature
        }
        let identity = try self.identity(from: claims, now: self.clock.now)
        self.verified.store(Verified(claims: claims, keyID: jwt.keyID, algorithm: jwt.algorithm), for: token)
        return identity
    }

    /// Whether the key that verified a remembered token is still one we accept (a JWKS refresh may
    /// have retired it; a fixed key stays).
    private func stillHolds(_ verified: Verified) async -> Bool {
        switch self.keys {
        case .fixed: true
        case .jwks(let store): await store.has(id: verified.keyID, algorithm: verified.algorithm)
        }
    }

    private func identity(from claims: AccessTokenClaims, now: Date) throws(IdentityError) -> Identity {
        guard claims.issuer == self.configuration.issuer else { throw .wrongIssuer }
        guard claims.audience.contains(self.configuration.audience) else { throw .wrongAudience }
        // A token without exp would never expire.
        guard let expiresAt = claims.expiresAt else { throw .malformedToken }
        let leeway = self.configuration.leeway.seconds
        let time = now.timeIntervalSince1970
        guard time < expiresAt + leeway else { throw .expired }
        if let notBefore = claims.notBefore, time + leeway < notBefore { throw .notYetValid }
        // The subject becomes a key and a column value everywhere (PostgreSQL refuses NUL); the e-mail
        // is dropped rather than the token when it is not plausible.
        guard let subject = claims.subject, !subject.isEmpty, subject.utf8.count <= 255,
            !subject.unicodeScalars.contains(where: JSONBodyRules.isRefused)
        else { throw .malformedToken }
        let email = claims.email.flatMap { $0.utf8.count <= 320 && !$0.unicodeScalars.contains(where: JSONBodyRules.isRefused) ? $0 : nil }
        let station = claims.station.flatMap {
            !$0.isEmpty && $0.utf8.count <= 64 && !$0.unicodeScalars.contains(where: JSONBodyRules.isRefused) ? $0 : nil
        }
        return Identity(
            userID: subject, email: email, roles: Set(claims.roles.compactMap(Role.init(rawValue:))), amr: claims.amr,
            expiresAt: Date(timeIntervalSince1970: expiresAt), station: station)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs, on the UTF-8 bytes (Foundation's
    /// `trimmingCharacters` goes through NSString on Linux, per request).
    func trimmingASCIISpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last, first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return self }
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let end = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(self[start...end])
    }
}
