import Foundation

/// The protected header of a compact JWS, read before any key is touched: the algorithm decides
/// whether the token may be checked at all (so an HS256 token can never meet an RSA/EC public key
/// used as an HMAC secret), and the key id which key checks it.
struct CompactJWT {
    /// Larger tokens are refused unread; Drupal's are well under 2 KiB.
    static let maximumLength = 16 * 1024

    let algorithm: String
    let keyID: String?

    private struct Header: Decodable {
        let alg: String
        let kid: String?
    }

    init?(_ token: String) {
        guard token.utf8.count <= Self.maximumLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            let headerJSON = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: headerJSON)
        else { return nil }
        self.algorithm = header.alg
        self.keyID = header.kid
    }
}

/// base64url without padding (RFC 7515 §2); jwt-kit keeps its own helpers package-internal.
enum Base64URL {
    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        let remainder = base64.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }
}
