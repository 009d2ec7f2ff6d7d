import Foundation
import HNSCore
import JWTKit

/// How bearer JWTs from Drupal are checked (docs/contracts.md "Identity"), read from `HNS_IDENTITY_*`.
public struct IdentityConfiguration: Sendable {
    /// Where the keys that sign Drupal's tokens come from. Exactly one is configured.
    public enum KeySource: Sendable {
        /// A JWKS document over HTTP, cached and refreshed (RS256/ES256 keys).
        case jwks(URL)
        /// One fixed RS256 or ES256 public key.
        case publicKey(IdentityPublicKey)
        /// A shared HS256 secret: development only, since anyone holding it can mint tokens.
        case developmentSecret(HS256Key)
    }

    /// Expected `iss`.
    public var issuer: String
    /// Expected member of `aud`.
    public var audience: String
    public var keySource: KeySource
    /// Clock skew tolerated on `exp` and `nbf`.
    public var leeway: Duration
    /// How often the JWKS is fetched in the background by ``JWKSRefreshService``.
    public var jwksRefreshInterval: Duration
    /// At most one refresh per this interval is triggered by tokens naming an unknown `kid`, so
    /// garbage kids cannot make us hammer Drupal.
    public var jwksMinimumRefreshInterval: Duration
    /// Until a first JWKS has been loaded, a failed fetch is retried no sooner than this.
    public var jwksRetryAfterFailure: Duration
    /// Bound on one JWKS request.
    public var jwksFetchTimeout: Duration

    public init(
        issuer: String, audience: String, keySource: KeySource, leeway: Duration = .seconds(60),
        jwksRefreshInterval: Duration = .seconds(600), jwksMinimumRefreshInterval: Duration = .seconds(30),
        jwksRetryAfterFailure: Duration = .seconds(5), jwksFetchTimeout: Duration = .seconds(5)
    ) {
        self.issuer = issuer
        self.audience = audience
        self.keySource = keySource
        self.leeway = leeway
        self.jwksRefreshInterval = jwksRefreshInterval
        self.jwksMinimumRefreshInterval = jwksMinimumRefreshInterval
        self.jwksRetryAfterFailure = jwksRetryAfterFailure
        self.jwksFetchTimeout = jwksFetchTimeout
    }

    static let jwksVariable = "HNS_IDENTITY_JWKS_URL"
    static let publicKeyVariable = "HNS_IDENTITY_PUBLIC_KEY"
    static let secretVariable = "HNS_IDENTITY_HS256_SECRET"

    /// Reads the identity settings, adding every problem to `env` (the daemon calls
    /// `env.validate` once for all its settings). `nil` when they are unusable.
    public static func read(_ env: EnvironmentReader) -> IdentityConfiguration? {
        let issuer = env.require("HNS_IDENTITY_ISSUER", hint: "the iss of Drupal's tokens")
        let audience = env.require("HNS_IDENTITY_AUDIENCE", hint: "the aud Drupal puts in tokens for this service")
        let isSet = { (name: String) in env.string(name) != nil || env.string(name + "_FILE") != nil }
        let chosen = [Self.jwksVariable, Self.publicKeyVariable, Self.secretVariable].filter(isSet)
        guard chosen.count == 1 else {
            if chosen.isEmpty {
                env.problem(
                    "no identity key source: set \(Self.jwksVariable), \(Self.publicKeyVariable) (or _FILE), "
                        + "or for development \(Self.secretVariable) (or _FILE)")
            } else {
                env.problem("set only one identity key source, not \(chosen.joined(separator: " and "))")
            }
            return nil
        }
        let keySource: KeySource
        switch chosen[0] {
        case Self.jwksVariable:
            guard let url = env.url(Self.jwksVariable, schemes: ["http", "https"]) else { return nil }
            keySource = .jwks(url)
        case Self.publicKeyVariable:
            guard let pem = env.secret(Self.publicKeyVariable) else { return nil }
            guard let key = IdentityPublicKey(pem: pem.value) else {
                env.problem("\(Self.publicKeyVariable) is not a PEM RSA (2048 bits or more) or P-256 public key")
                return nil
            }
            keySource = .publicKey(key)
        default:
            guard let key = HS256Key.read(env, Self.secretVariable) else { return nil }
            keySource = .developmentSecret(key)
        }
        guard !issuer.isEmpty, !audience.isEmpty else { return nil }
        return IdentityConfiguration(issuer: issuer, audience: audience, keySource: keySource)
    }

    /// Reads and validates on its own, for callers (and tests) that need nothing else.
    public static func fromEnvironment(_ values: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> IdentityConfiguration
    {
        let env = EnvironmentReader(values)
        let configuration = Self.read(env)
        try env.validate("identity")
        return configuration!  // read() adds a problem on every path that returns nil
    }
}

/// A fixed public key that signs Drupal's tokens: RS256 (RSA, 2048 bits or more) or ES256 (P-256).
public struct IdentityPublicKey: Sendable {
    public enum Algorithm: String, Sendable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    enum Material: Sendable {
        case rsa(Insecure.RSA.PublicKey)
        case ecdsa(ES256PublicKey)
    }

    public let algorithm: Algorithm
    let material: Material

    /// Accepts a `PUBLIC KEY` or `CERTIFICATE` PEM; `nil` for anything else (private keys included).
    public init?(pem: String) {
        // Environment variables often carry the PEM on one line with literal "\n" sequences.
        let pem = pem.contains("\n") ? pem : pem.replacingOccurrences(of: "\\n", with: "\n")
        if let key = try? ES256PublicKey(pem: pem) {
            (self.algorithm, self.material) = (.es256, .ecdsa(key))
        } else if let key = try? Insecure.RSA.PublicKey(pem: pem) {
            (self.algorithm, self.material) = (.rs256, .rsa(key))
        } else if let key = try? ES256PublicKey(certificate: pem) {
            (self.algorithm, self.material) = (.es256, .ecdsa(key))
        } else if let key = try? Insecure.RSA.PublicKey(certificatePEM: pem) {
            (self.algorithm, self.material) = (.rs256, .rsa(key))
        } else {
            return nil
        }
    }
}
