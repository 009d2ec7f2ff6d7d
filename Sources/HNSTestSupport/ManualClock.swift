import Foundation
import HNSCore

/// A clock that moves only when a test says so: give its `wallClock` to the component under test,
/// then `advance(by:)` past a deadline instead of sleeping until it.
public final class ManualClock: Sendable {
    private let current: Locked<Date>

    public init(_ start: Date = Date()) {
        self.current = Locked(start)
    }

    public var now: Date { self.current.value }

    public var wallClock: WallClock { WallClock { [current] in current.value } }

    public func advance(by duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
