import CryptoExtras
import Foundation
import HNSCore
import HNSIdentity
import JWTKit

/// Plays Drupal for identity tests: holds an ES256 and an RS256 key pair, serves their JWKS at
/// `/.well-known/jwks.json` from a real loopback HTTP server, counts the fetches, rotates in new
/// keys, and mints tokens with whatever claims, kid, algorithm and expiry a test needs.
public final class JWKSTestServer: Sendable {
    public static let jwksPath = "/.well-known/jwks.json"

    /// A key pair Drupal signs with (served or not: an unserved one makes a wrong signature).
    public struct SigningKey: Sendable {
        public enum Algorithm: String, Sendable {
            case es256 = "ES256"
            case rs256 = "RS256"
        }

        enum Private: Sendable {
            case ecdsa(ES256PrivateKey)
            case rsa(JWTKit.Insecure.RSA.PrivateKey)
        }

        public let kid: String
        public let algorithm: Algorithm
        let privateKey: Private

        /// A fresh P-256 key pair.
        public static func es256(kid: String = "es256-" + JWKSTestServer.randomID()) -> SigningKey {
            SigningKey(kid: kid, algorithm: .es256, privateKey: .ecdsa(ES256PrivateKey()))
        }

        /// An RSA-2048 key pair. The key is generated once per process (RSA generation in a debug
        /// build is slow); each call gets its own kid.
        public static func rs256(kid: String = "rs256-" + JWKSTestServer.randomID()) -> SigningKey {
            SigningKey(kid: kid, algorithm: .rs256, privateKey: .rsa(JWKSTestServer.sharedRSAKey))
        }

        /// The public half as PEM, for `HNS_IDENTITY_PUBLIC_KEY`.
        public var publicKeyPEM: String {
            switch self.privateKey {
            case .ecdsa(let key): key.publicKey.pemRepresentation
            case .rsa(let key): key.publicKey.pemRepresentation
            }
        }

        /// The public half as a JWKS entry.
        public var jwk: JSONValue {
            switch self.privateKey {
            case .ecdsa(let key):
                let (x, y) = key.parameters!
                return .object([
                    "kty": .string("EC"), "crv": .string("P-256"), "use": .string("sig"), "alg": .string("ES256"), "kid": .string(self.kid),
                    "x": .string(x), "y": .string(y),
                ])
            case .rsa(let key):
                let primitives = try! key.publicKey.getKeyPrimitives()
                return .object([
                    "kty": .string("RSA"), "use": .string("sig"), "alg": .string("RS256"), "kid": .string(self.kid),
                    "n": .string(JWKSTestServer.base64URL(primitives.modulus)), "e": .string(JWKSTestServer.base64URL(primitives.publicExponent)),
                ])
            }
        }
    }

    /// How a minted token is signed.
    public enum Signature: Sendable {
        case key(SigningKey)
        /// HMAC-SHA256 with this secret (at least 32 bytes: jwt-kit asserts on shorter ones). With a
        /// public key's PEM as the secret this is the alg-confusion attack.
        case hs256(secret: String)
        /// `alg: none`, no signature.
        case unsigned
    }

    /// Which `kid` a minted token's header carries.
    public enum KeyID: Sendable {
        case ofSigningKey
        case custom(String)
        case omitted
    }

    private struct State: Sendable {
        var served: [SigningKey]
        var failing = false
    }

    /// Entries a real key set may carry and the verifier must skip: a symmetric key and an EdDSA key.
    static let unsupportedEntries: [JSONValue] = [
        .object(["kty": .string("oct"), "kid": .string("oct-1"), "k": .string(base64URL(randomBytes(32)))]),
        .object(["kty": .string("OKP"), "crv": .string("Ed25519"), "kid": .string("ed-1"), "x": .string(base64URL(randomBytes(32)))]),
    ]

    public let issuer: String
    public let audience: String
    /// The keys served from the start.
    public let es256: SigningKey
    public let rs256: SigningKey
    private let state: Locked<State>
    private let http: LocalHTTPServer

    private init(issuer: String, audience: String, es256: SigningKey, rs256: SigningKey, state: Locked<State>, http: LocalHTTPServer) {
        self.issuer = issuer
        self.audience = audience
        self.es256 = es256
        self.rs256 = rs256
        self.state = state
        self.http = http
    }

    /// Runs a JWKS server for the duration of `body`.
    public static func with<T: Sendable>(
        issuer: String = "https://drupal.test", audience: String = "hns-ticketing", _ body: @Sendable (JWKSTestServer) async throws -> T
    ) async throws -> T {
        let es256 = SigningKey.es256()
        let rs256 = SigningKey.rs256()
        let state = Locked(State(served: [es256, rs256]))
        let handler: LocalHTTPServer.Handler = { request in
            guard request.method == "GET", request.path == Self.jwksPath else { return (404, #"{"error":"not found"}"#) }
            let current = state.value
            if current.failing { return (503, #"{"error":"down"}"#) }
            let document = JSONValue.object(["keys": .array(current.served.map(\.jwk) + Self.unsupportedEntries)])
            return (200, String(decoding: document.encoded(), as: UTF8.self))
        }
        return try await LocalHTTPServer.with(handler: handler) { http in
            // LocalHTTPServer ends by cancelling the server, and NIO traps if a connection it accepted
            // has not been picked up by then (apple/swift-nio#2813). Its readiness probe is such a
            // connection; one answered request proves the server has taken it, since it takes them in order.
            _ = try await TestHTTP.get(http.baseURL + "/ready")
            return try await body(JWKSTestServer(issuer: issuer, audience: audience, es256: es256, rs256: rs256, state: state, http: http))
        }
    }

    public var jwksURL: URL { URL(string: self.http.baseURL + Self.jwksPath)! }

    /// How many times the JWKS has been fetched.
    public var fetchCount: Int { self.http.requests.filter { $0.path == Self.jwksPath }.count }

    /// The keys currently served.
    public var servedKeys: [SigningKey] { self.state.value.served.map { $0 } }

    /// Settings for an `IdentityVerifier` that trusts this server.
    public var configuration: IdentityConfiguration {
        IdentityConfiguration(issuer: self.issuer, audience: self.audience, keySource: .jwks(self.jwksURL))
    }

    /// Serves a new ES256 key beside the old ones (or instead of them), as Drupal does on rotation.
    @discardableResult
    public func rotate(retiringOld: Bool = false) -> SigningKey {
        let key = SigningKey.es256()
        self.state.withLock { state in
            state.served = (retiringOld ? [] : state.served) + [key]
        }
        return key
    }

    /// While failing, the JWKS endpoint answers 503.
    public func setFailing(_ failing: Bool) {
        self.state.withLock { $0.failing = failing }
    }

    /// The claims Drupal puts in an access token: `iss`, `aud`, `sub`, `email`, `roles`, `amr`,
    /// `iat`, `exp` (now + `expiresIn`; negative for an expired token).
    public static func claims(
        issuer: String, audience: String, subject: String = "42", roles: [String] = ["customer"], amr: [String] = ["pwd"],
        expiresIn: Duration = .seconds(300)
    ) -> [String: JSONValue] {
        let now = Date().timeIntervalSince1970.rounded(.down)
        return [
            "iss": .string(issuer), "aud": .string(audience), "sub": .string(subject),
            "email": .string("user\(subject)@example.test"), "roles": .array(roles.map(JSONValue.string)),
            "amr": .array(amr.map(JSONValue.string)), "iat": .number(now), "exp": .number(now + expiresIn.seconds),
        ]
    }

    /// A token with the standard ``claims(issuer:audience:subject:roles:amr:expiresIn:)``, changed by `overrides`
    /// and `removing`, signed by the served ES256 key unless `signature` says otherwise.
    public func token(
        subject: String = "42", roles: [String] = ["customer"], amr: [String] = ["pwd"], expiresIn: Duration = .seconds(300),
        overrides: [String: JSONValue] = [:], removing: Set<String> = [], signature: Signature? = nil, kid: KeyID = .ofSigningKey,
        headerAlgorithm: String? = nil
    ) async throws -> String {
        var claims = Self.claims(issuer: self.issuer, audience: self.audience, subject: subject, roles: roles, amr: amr, expiresIn: expiresIn)
        claims.merge(overrides) { _, new in new }
        for name in removing { claims[name] = nil }
        return try await Self.mint(claims: claims, signature: signature ?? .key(self.es256), kid: kid, headerAlgorithm: headerAlgorithm)
    }

    /// Signs any claims. `headerAlgorithm` overrides the `alg` header (the signature is still made
    /// by `signature`).
    public static func mint(
        claims: [String: JSONValue], signature: Signature, kid: KeyID = .ofSigningKey, headerAlgorithm: String? = nil
    ) async throws -> String {
        var header = JWTHeader()
        if let headerAlgorithm { header.alg = headerAlgorithm }
        let collection = JWTKeyCollection()
        var ownKid: String?
        switch signature {
        case .key(let key):
            ownKid = key.kid
            switch key.privateKey {
            case .ecdsa(let privateKey): await collection.add(ecdsa: privateKey)
            case .rsa(let privateKey): await collection.add(rsa: privateKey, digestAlgorithm: .sha256)
            }
        case .hs256(let secret):
            precondition(secret.utf8.count >= 32, "jwt-kit asserts on HMAC keys shorter than 32 bytes, crashing the test run")
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        case .unsigned:
            var fields: [String: JSONValue] = ["alg": .string(headerAlgorithm ?? "none"), "typ": .string("JWT")]
            if case .custom(let kid) = kid { fields["kid"] = .string(kid) }
            return base64URL(Data(JSONValue.object(fields).encoded())) + "." + base64URL(Data(JSONValue.object(claims).encoded())) + "."
        }
        switch kid {
        case .ofSigningKey: header.kid = ownKid
        case .custom(let custom): header.kid = custom
        case .omitted: break
        }
        return try await collection.sign(AnyClaims(fields: claims), header: header)
    }

    static let sharedRSAKey: JWTKit.Insecure.RSA.PrivateKey = try! JWTKit.Insecure.RSA.PrivateKey(
        backing: _RSA.Signing.PrivateKey(keySize: .bits2048))

    static func randomBytes(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8.random(in: 0...255) }) }

    public static func randomID() -> String { String(UUID().uuidString.prefix(8)).lowercased() }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Arbitrary claims, so tests can send any shape (wrong types, missing claims) the verifier must survive.
private struct AnyClaims: JWTPayload {
    let fields: [String: JSONValue]

    init(fields: [String: JSONValue]) { self.fields = fields }
    init(from decoder: any Decoder) throws { self.fields = try [String: JSONValue](from: decoder) }
    func encode(to encoder: any Encoder) throws { try self.fields.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
