import Crypto

enum HMACHex {
    static func sha256(key: String, message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(key.utf8)))
            .map { String(($0 >> 4) & 0xf, radix: 16) + String($0 & 0xf, radix: 16) }.joined()
    }
}
