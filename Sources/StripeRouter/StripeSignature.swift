import Crypto
import Foundation

/// Stripe's webhook signature scheme, as its own libraries check it: header
/// `t=<unix>,v1=<hex>[,v1=<hex>…]`, signed payload `"<t>.<raw body>"`, HMAC-SHA256 keyed with the
/// endpoint secret as-is, any `v1` against any configured secret, `|now − t|` within the tolerance.
public enum StripeSignature {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeader
        case malformedHeader(String)
        case noV1Signature
        case timestampOutsideTolerance(ageSeconds: Int64)
        case noMatchingSignature

        public var slug: String {
            switch self {
            case .missingHeader: return "signature-missing"
            case .malformedHeader: return "signature-malformed"
            case .noV1Signature: return "signature-no-v1"
            case .timestampOutsideTolerance: return "signature-timestamp"
            case .noMatchingSignature: return "signature-mismatch"
            }
        }

        public var description: String {
            switch self {
            case .missingHeader: return "The Stripe-Signature header is missing."
            case .malformedHeader(let why): return "The Stripe-Signature header is malformed: \(why)."
            case .noV1Signature: return "The Stripe-Signature header has no v1 signature."
            case .timestampOutsideTolerance(let age):
                return "The signature timestamp is \(abs(age)) s \(age >= 0 ? "old" : "in the future"), outside the tolerance."
            case .noMatchingSignature: return "No v1 signature matches the payload under any configured secret."
            }
        }
    }

    public struct Parsed: Equatable {
        public let timestamp: Int64
        public let v1: [[UInt8]]
    }

    public static func parse(_ header: String) throws(Failure) -> Parsed {
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let eq = item.firstIndex(of: "=") else { throw .malformedHeader("'\(item.prefix(20))' is not key=value") }
            let key = item[..<eq].trimmingCharacters(in: .whitespaces)
            let value = item[item.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "t":
                guard timestamp == nil, let t = Int64(value) else { throw .malformedHeader("bad or repeated timestamp") }
                timestamp = t
            case "v1":
                // A v1 that is not hex can never match; skip it like Stripe's libraries do.
                if let bytes = hexBytes(value), bytes.count == 32 { signatures.append(bytes) }
            default:
                continue  // v0 and unknown schemes are ignored
            }
        }
        guard let timestamp else { throw .malformedHeader("no timestamp") }
        guard !signatures.isEmpty else { throw .noV1Signature }
        return Parsed(timestamp: timestamp, v1: signatures)
    }

    /// Verifies over the raw bytes exactly as received.
    public static func verify(header: String?, payload: some Collection<UInt8>, secrets: [String], tolerance: Int64 = 300,
                              now: Date = Date()) throws(Failure) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        let parsed = try self.parse(header)
        // Overflow-checked: an attacker chooses `t`, and a trap would take the router down.
        let (age, overflow) = Int64(now.timeIntervalSince1970.rounded(.down)).subtractingReportingOverflow(parsed.timestamp)
        guard !overflow, age.magnitude <= tolerance.magnitude else { throw .timestampOutsideTolerance(ageSeconds: overflow ? .max : age) }
        var signed = Array("\(parsed.timestamp).".utf8)
        signed.append(contentsOf: payload)
        for secret in secrets {
            let mac = Array(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8))))
            for candidate in parsed.v1 where constantTimeEqual(mac, candidate) { return }
        }
        throw .noMatchingSignature
    }

    /// The header Stripe would send; used by tests, the simulator and the benchmark.
    public static func header(payload: some Collection<UInt8>, secret: String, timestamp: Int64) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        let utf8 = Array(s.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
