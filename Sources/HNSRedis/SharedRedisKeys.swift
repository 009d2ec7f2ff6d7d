/// The Redis keys that hns-queue and hns-ticketing both use (docs/contracts.md, "Queue ↔ monolith"):
/// defined once, here, so the two daemons cannot drift apart. `prefix` is `hns:` in production;
/// tests give each run its own.
public struct SharedRedisKeys: Sendable {
    public let prefix: String

    public init(prefix: String = "hns:") {
        self.prefix = prefix
    }

    /// Redis Stream of `queue.*` events (turn granted, window expired), read by the monolith.
    public var queueEvents: String { self.prefix + "events:queue" }
    /// Redis Stream of notification jobs (`order.completed`, `ticket.generated`) for the workers.
    public var notificationJobs: String { self.prefix + "jobs:notifications" }
    /// Sellable seats left at a match, kept current by the monolith for seats-aware admission.
    public func seatsLeft(match: String) -> String { self.prefix + "match:" + match + ":seats_left" }
    /// The match's queue settings and state (hash); the monolith reads `state` to gate purchases.
    public func queueConfig(match: String) -> String { self.queueBase(match: match) + "config" }
    /// Set of user ids whose purchase window the monolith ended (order completed), drained by the queue.
    public func queueRelease(match: String) -> String { self.queueBase(match: match) + "release" }
    /// Everything of one match's queue lives under this.
    public func queueBase(match: String) -> String { self.prefix + "queue:" + match + ":" }
}

/// The production names.
public enum RedisKeys {
    public static let shared = SharedRedisKeys()
}
