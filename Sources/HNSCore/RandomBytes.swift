import Foundation

/// Random identifiers from the kernel's CSPRNG in as few calls as possible. On Linux, Foundation's
/// `UUID()` opens, reads and closes /dev/urandom each time, and `UInt8.random(using:)` on the system
/// generator is one `getrandom` call per byte; a purchase makes a dozen identifiers.
public enum RandomBytes {
    /// `count` random bytes, eight per `getrandom` call.
    public static func make(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}

extension UUID {
    /// A version 4 (random) UUID, as `UUID()` makes, from two `getrandom` calls.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        var b = (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (8 * UInt64(i % 8))) }
        b[6] = (b[6] & 0x0f) | 0x40  // version 4
        b[8] = (b[8] & 0x3f) | 0x80  // RFC 4122 variant
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
