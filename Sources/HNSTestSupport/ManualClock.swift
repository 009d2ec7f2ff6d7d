import Foundation
import HNSCore

/// A clock that moves only when a test says so: give its `wallClock` to the component under test,
/// then `advance(by:)` past a deadline instead of sleeping until it.
public final class ManualClock: Sendable {
    private let current: Locked<Date>
    private let start: Date

    public init(_ start: Date = Date()) {
        self.current = Locked(start)
        self.start = start
    }

    public var now: Date { self.current.value }

    /// The date and the monotonic time both move by `advance(by:)` only.
    public var wallClock: WallClock {
        WallClock(read: { [current] in current.value }, elapsed: { [current, start] in .seconds(current.value.timeIntervalSince(start)) })
    }

    public func advance(by duration: Duration) {
        self.current.withLock { $0 = $0.addingTimeInterval(duration.seconds) }
    }
}
