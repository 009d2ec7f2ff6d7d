/// At most `count` requests per `window`, written `30/1m` in the environment.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public let count: Int
    public let window: Duration

    public init(count: Int, window: Duration) {
        self.count = count
        self.window = window
    }

    /// `N/duration` (`30/1m`, `5/10s`); nil when `text` is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[0]), count > 0, let window = try? DurationParser.parse(String(parts[1])),
            window >= .milliseconds(1)
        else { return nil }
        self.init(count: count, window: window)
    }

    public var description: String { "\(self.count) per \(self.window)" }
}

extension EnvironmentReader {
    /// A rate limit (`30/1m`), `off` for none, or `fallback` when unset.
    public func rateLimit(_ name: String, default fallback: RateLimit?) -> RateLimit? {
        guard let raw = self.string(name) else { return fallback }
        if raw == "off" { return nil }
        guard let limit = RateLimit(raw) else {
            self.problem("\(name)=\(raw) is not a rate such as 30/1m, or off")
            return fallback
        }
        return limit
    }
}
