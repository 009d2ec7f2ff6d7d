import Foundation
import StripeRouter
import Testing

@Suite struct StripeSignatureTests {
    let secret = "whsec_test_secret_0123456789"
    let payload = Array(#"{"id":"evt_1","type":"payment_intent.succeeded"}"#.utf8)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var t: Int64 { Int64(self.now.timeIntervalSince1970) }

    func v1(_ secret: String, _ payload: [UInt8], _ t: Int64) -> String {
        String(StripeSignature.header(payload: payload, secret: secret, timestamp: t).split(separator: "=").last!)
    }

    @Test func accepts_a_valid_signature() throws {
        let header = StripeSignature.header(payload: self.payload, secret: self.secret, timestamp: self.t)
        try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret], now: self.now)
    }

    @Test func any_v1_may_match_and_spaces_unknown_keys_and_v0_are_ignored() throws {
        let good = self.v1(self.secret, self.payload, self.t)
        let header = "t=\(self.t), v0=deadbeef, v1=\(String(repeating: "ab", count: 32)) ,foo=bar, v1=\(good)"
        try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret], now: self.now)
    }

    @Test func rotation_accepts_the_old_or_the_new_secret() throws {
        let old = "whsec_old_000000000000000000"
        let header = StripeSignature.header(payload: self.payload, secret: old, timestamp: self.t)
        try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret, old], now: self.now)
        #expect(throws: StripeSignature.Failure.noMatchingSignature) {
            try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret], now: self.now)
        }
    }

    @Test func one_changed_byte_fails() {
        let header = StripeSignature.header(payload: self.payload, secret: self.secret, timestamp: self.t)
        var changed = self.payload
        changed[10] ^= 0x01
        #expect(throws: StripeSignature.Failure.noMatchingSignature) {
            try StripeSignature.verify(header: header, payload: changed, secrets: [self.secret], now: self.now)
        }
    }

    @Test(arguments: [301, -301, 3600, -86400])
    func timestamps_outside_the_tolerance_fail_on_both_sides(_ skew: Int64) {
        let header = StripeSignature.header(payload: self.payload, secret: self.secret, timestamp: self.t - skew)
        #expect(throws: StripeSignature.Failure.timestampOutsideTolerance(ageSeconds: skew)) {
            try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret], tolerance: 300, now: self.now)
        }
    }

    @Test(arguments: [300, -300, 0])
    func timestamps_inside_the_tolerance_pass(_ skew: Int64) throws {
        let header = StripeSignature.header(payload: self.payload, secret: self.secret, timestamp: self.t - skew)
        try StripeSignature.verify(header: header, payload: self.payload, secrets: [self.secret], tolerance: 300, now: self.now)
    }

    @Test func missing_and_malformed_headers_are_named() {
        #expect(throws: StripeSignature.Failure.missingHeader) {
            try StripeSignature.verify(header: nil, payload: self.payload, secrets: [self.secret], now: self.now)
        }
        #expect(throws: StripeSignature.Failure.self) {
            try StripeSignature.verify(header: "v1=abcd", payload: self.payload, secrets: [self.secret], now: self.now)
        }
        #expect(throws: StripeSignature.Failure.self) {
            try StripeSignature.verify(header: "garbage", payload: self.payload, secrets: [self.secret], now: self.now)
        }
        #expect(throws: StripeSignature.Failure.noV1Signature) {
            try StripeSignature.verify(header: "t=\(self.t),v0=abcd", payload: self.payload, secrets: [self.secret], now: self.now)
        }
        // A v1 that is not 64 hex digits can never match: it counts as absent.
        #expect(throws: StripeSignature.Failure.noV1Signature) {
            try StripeSignature.verify(
                header: "t=\(self.t),v1=zz" + String(repeating: "0", count: 62), payload: self.payload,
                secrets: [self.secret], now: self.now)
        }
    }

    /// A vector computed independently: Python `hmac.new(b"whsec_x", b"1700000000.{}", sha256).hexdigest()`.
    @Test func matches_an_independent_hmac() throws {
        let vector = "be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661"
        #expect(StripeSignature.header(payload: Array("{}".utf8), secret: "whsec_x", timestamp: 1_700_000_000) == "t=1700000000,v1=" + vector)
        try StripeSignature.verify(
            header: "t=1700000000,v1=" + vector, payload: Array("{}".utf8), secrets: ["whsec_x"],
            now: Date(timeIntervalSince1970: 1_700_000_100))
    }
}
