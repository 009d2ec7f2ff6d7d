import HNSCore

/// An HMAC-SHA256 key of at least 32 bytes: the development identity secret and the queue's
/// purchase-token key (docs/contracts.md "Identity"). Shorter keys are refused here, at configuration
/// time, because they are guessable and because jwt-kit asserts on them, which crashes a whole
/// debug process (TOOLCHAIN.md §7, pitfall 2).
public struct HS256Key: Sendable, CustomStringConvertible {
    /// HS256 wants a key at least as long as its digest.
    public static let minimumLength = 32

    let bytes: [UInt8]

    /// `nil` when the secret is shorter than ``minimumLength`` bytes.
    public init?(_ secret: Secret) {
        self.init(bytes: Array(secret.value.utf8))
    }

    /// `nil` when `bytes` is shorter than ``minimumLength``.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.minimumLength else { return nil }
        self.bytes = bytes
    }

    public var description: String { "<redacted>" }

    /// Reads `name` (or `<name>_FILE`), adding a problem to `env` when it is missing or too short.
    public static func read(_ env: EnvironmentReader, _ name: String, required: Bool = true) -> HS256Key? {
        guard let secret = env.secret(name) else {
            if required { env.problem("\(name) (or \(name)_FILE) is not set") }
            return nil
        }
        guard let key = HS256Key(secret) else {
            env.problem("\(name) must be at least \(Self.minimumLength) bytes (an HS256 key shorter than its digest is refused)")
            return nil
        }
        return key
    }
}
