import Foundation

/// The time as a component reads it, injected so that tests of time rules (a token's expiry, a
/// retry pause) move it by hand instead of sleeping. Production code uses `.system`.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date
    private let elapsed: @Sendable () -> Duration

    /// `read` gives the date; `elapsed`, monotonic time since any fixed start (for pauses and
    /// intervals, which must not jump when the date is stepped).
    public init(read: @escaping @Sendable () -> Date, elapsed: @escaping @Sendable () -> Duration) {
        self.read = read
        self.elapsed = elapsed
    }

    /// The current date (for expiries written as dates, such as a token's `exp`).
    public var now: Date { self.read() }

    /// Monotonic time since an arbitrary start: compare two readings, never read one as a date.
    public var uptime: Duration { self.elapsed() }

    private static let start = ContinuousClock.now

    /// The system's clocks: the date, and `ContinuousClock` for intervals.
    public static let system = WallClock(read: { Date() }, elapsed: { WallClock.start.duration(to: .now) })
}
