/// Exponential backoff with full jitter, capped, for retries that must not synchronise into waves
/// when thousands of clients fail at once.
public struct Backoff: Sendable {
    public var base: Duration
    public var maximum: Duration
    public var jitter: Bool

    public init(base: Duration = .milliseconds(20), maximum: Duration = .seconds(2), jitter: Bool = true) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// Delay before retry number `attempt` (1 = first retry).
    public func delay(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let raw = self.base * (1 << exponent)
        let capped = raw > self.maximum ? self.maximum : raw
        guard self.jitter else { return capped }
        let ms = max(capped.milliseconds, 1)
        // Half fixed, half random: keeps a floor so retries never hammer instantly.
        return .milliseconds(ms / 2 + Int64.random(in: 0...(ms / 2)))
    }
}
