import Foundation

/// The time as a component reads it, injected so that tests of time rules (a token's expiry, a
/// retry pause) move it by hand instead of sleeping. Production code uses `.system`.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The current time.
    public var now: Date { self.read() }

    /// The system's clock.
    public static let system = WallClock { Date() }
}
