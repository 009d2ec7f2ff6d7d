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
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { bytes in
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
        }
        uuid.6 = (uuid.6 & 0x0f) | 0x40  // version 4
        uuid.8 = (uuid.8 & 0x3f) | 0x80  // RFC 4122 variant
        return UUID(uuid: uuid)
    }
}
