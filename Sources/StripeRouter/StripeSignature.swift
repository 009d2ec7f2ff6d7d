import Crypto
import Foundation
import HNSCore

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

        /// The reason as a metric label.
        public var reason: String {
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

    /// Parsed on the header's bytes: this runs for every webhook, and Foundation's trimming cost more
    /// than the HMAC itself.
    public static func parse(_ header: String) throws(Failure) -> Parsed {
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        let bytes = Array(header.utf8)
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count
            let item = trimmed(bytes[start..<end])
            start = end + 1
            if item.isEmpty { continue }
            guard let eq = item.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformedHeader("'\(String(decoding: item.prefix(20), as: UTF8.self))' is not key=value")
            }
            let key = trimmed(item[..<eq])
            let value = trimmed(item[(eq + 1)...])
            if key.elementsEqual("t".utf8) {
                guard timestamp == nil, let t = Int64(String(decoding: value, as: UTF8.self)) else {
                    throw .malformedHeader("bad or repeated timestamp")
                }
                timestamp = t
            } else if key.elementsEqual("v1".utf8) {
                // A v1 that is not hex can never match; skip it like Stripe's libraries do.
                if let mac = hexBytes(value), mac.count == 32 { signatures.append(mac) }
            }
            // v0 and unknown schemes are ignored
        }
        guard let timestamp else { throw .malformedHeader("no timestamp") }
        guard !signatures.isEmpty else { throw .noV1Signature }
        return Parsed(timestamp: timestamp, v1: signatures)
    }

    /// Verifies over the raw bytes exactly as received.
    public static func verify(
        header: String?, payload: some Collection<UInt8>, secrets: [String], tolerance: Int64 = 300,
        now: Date = Date()
    ) throws(Failure) {
        try self.verify(header: header, payload: payload, keys: secrets.map(self.key), tolerance: tolerance, now: now)
    }

    /// The HMAC key for an endpoint secret (`whsec_…` used as-is); made once per secret, not per webhook.
    public static func key(_ secret: String) -> SymmetricKey {
        SymmetricKey(data: Array(secret.utf8))
    }

    public static func verify(
        header: String?, payload: some Collection<UInt8>, keys: [SymmetricKey], tolerance: Int64 = 300,
        now: Date = Date()
    ) throws(Failure) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        let parsed = try self.parse(header)
        // Overflow-checked: an attacker chooses `t`, and a trap would take the router down.
        let (age, overflow) = Int64(now.timeIntervalSince1970.rounded(.down)).subtractingReportingOverflow(parsed.timestamp)
        guard !overflow, age.magnitude <= tolerance.magnitude else { throw .timestampOutsideTolerance(ageSeconds: overflow ? .max : age) }
        let prefix = Array("\(parsed.timestamp).".utf8)
        for key in keys {
            var hmac = HMAC<SHA256>(key: key)
            hmac.update(data: prefix)
            if payload.withContiguousStorageIfAvailable({ hmac.update(data: UnsafeRawBufferPointer($0)) }) == nil {
                hmac.update(data: Array(payload))
            }
            let mac = Array(hmac.finalize())
            for candidate in parsed.v1 where ConstantTime.equal(mac, candidate) { return }
        }
        throw .noMatchingSignature
    }

    /// The header Stripe would send; used by tests, the simulator and the benchmark.
    public static func header(payload: some Collection<UInt8>, secret: String, timestamp: Int64) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.hexString
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { slice = slice.dropFirst() }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { slice = slice.dropLast() }
        return slice
    }

    static func hexBytes(_ utf8: ArraySlice<UInt8>) -> [UInt8]? {
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
        var i = utf8.startIndex
        while i < utf8.endIndex {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
