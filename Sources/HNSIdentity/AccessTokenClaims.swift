import HNSCore
import JWTKit

/// The claims of a Drupal access token, decoded leniently: a claim of the wrong shape reads as
/// absent, and the verifier then refuses the token with the precise reason.
struct AccessTokenClaims: JWTPayload {
    var issuer: String?
    var subject: String?
    var audience: [String]
    var expiresAt: Double?
    var notBefore: Double?
    var email: String?
    var roles: [String]
    var amr: [String]
    /// A Petrol clerk's station (`petrol_station`), as the quota portal's sign-in sets it.
    var station: String?

    private enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, nbf, email, roles, amr
        case station = "petrol_station"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.issuer = try? c.decode(String.self, forKey: .iss)
        // Some Drupal set-ups emit the user id as a number.
        self.subject = (try? c.decode(String.self, forKey: .sub)) ?? (try? c.decode(Int.self, forKey: .sub)).map(String.init)
        // RFC 7519 §4.1.3: a single audience may be a plain string.
        self.audience = (try? c.decode(String.self, forKey: .aud)).map { [$0] } ?? (try? c.decode([String].self, forKey: .aud)) ?? []
        self.expiresAt = try? c.decode(Double.self, forKey: .exp)
        self.notBefore = try? c.decode(Double.self, forKey: .nbf)
        self.email = try? c.decode(String.self, forKey: .email)
        self.roles = Self.strings(c, .roles)
        self.amr = Self.strings(c, .amr)
        self.station = try? c.decode(String.self, forKey: .station)
    }

    private static func strings(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> [String] {
        ((try? c.decode([JSONValue].self, forKey: key)) ?? []).compactMap(\.stringValue)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(self.issuer, forKey: .iss)
        try c.encodeIfPresent(self.subject, forKey: .sub)
        try c.encode(self.audience, forKey: .aud)
        try c.encodeIfPresent(self.expiresAt, forKey: .exp)
        try c.encodeIfPresent(self.notBefore, forKey: .nbf)
        try c.encodeIfPresent(self.email, forKey: .email)
        try c.encode(self.roles, forKey: .roles)
        try c.encode(self.amr, forKey: .amr)
        try c.encodeIfPresent(self.station, forKey: .station)
    }

    /// Claims are checked by `IdentityVerifier`, which owns the leeway and maps each failure to
    /// its own `IdentityError`.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
