import JWTKit

/// One key in a `JWTKeyCollection` of its own. jwt-kit falls back to a collection's default key
/// when a token names a kid it does not hold, so one collection per key is what guarantees that a
/// token is checked by exactly the key we chose for it, and by nothing else.
struct JWTKey: Sendable {
    /// The JWS `alg` this key verifies, e.g. `ES256`.
    let algorithm: String
    private let collection: JWTKeyCollection

    private init(algorithm: String, collection: JWTKeyCollection) {
        self.algorithm = algorithm
        self.collection = collection
    }

    static func publicKey(_ key: IdentityPublicKey) async -> JWTKey {
        let collection = JWTKeyCollection()
        switch key.material {
        case .rsa(let rsa): await collection.add(rsa: rsa, digestAlgorithm: .sha256)
        case .ecdsa(let ecdsa): await collection.add(ecdsa: ecdsa)
        }
        return JWTKey(algorithm: key.algorithm.rawValue, collection: collection)
    }

    static func hs256(_ key: HS256Key) async -> JWTKey {
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: key.bytes), digestAlgorithm: .sha256)
        return JWTKey(algorithm: "HS256", collection: collection)
    }

    /// A key from a JWKS whose `alg` has already been pinned by the caller.
    static func jwk(_ jwk: JWK) async throws -> JWTKey {
        guard let algorithm = jwk.algorithm?.rawValue else { throw JWTError.invalidJWK(reason: "no alg") }
        let collection = JWTKeyCollection()
        try await collection.add(jwk: jwk)
        return JWTKey(algorithm: algorithm, collection: collection)
    }

    /// Checks the signature and decodes the payload; claims are the caller's business.
    func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type) async throws -> Payload {
        try await self.collection.verify(token, as: Payload.self)
    }

    func sign(_ payload: some JWTPayload) async throws -> String {
        try await self.collection.sign(payload)
    }
}
