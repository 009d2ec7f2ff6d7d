import HNSRedis

/// Redis key names. Per match everything lives under `hns:queue:{matchId}:…`; the keys the monolith
/// uses too come from `SharedRedisKeys` (docs/contracts.md "Queue ↔ monolith").
struct QueueKeys: Sendable {
    let prefix: String
    var shared: SharedRedisKeys { SharedRedisKeys(prefix: self.prefix) }

    /// Set of match ids that have a queue; the admission loop walks it.
    var matches: String { self.prefix + "queues" }
    /// Redis Stream of `queue.*` events for the monolith.
    var events: String { self.shared.queueEvents }
    /// Pub/Sub channel every instance listens on (turns, state changes, socket claims).
    var channel: String { self.prefix + "queue:notify" }

    func match(_ id: String) -> Match {
        Match(
            base: self.shared.queueBase(match: id), id: id, seatsLeft: self.shared.seatsLeft(match: id), config: self.shared.queueConfig(match: id),
            release: self.shared.queueRelease(match: id))
    }
    func rateUser(_ user: String, _ window: Int) -> String { self.prefix + "queue:rl:u:\(user):\(window)" }
    func rateIP(_ ip: String, _ window: Int) -> String { self.prefix + "queue:rl:ip:\(ip):\(window)" }

    struct Match: Sendable {
        let base: String
        let id: String
        /// Kept current by the monolith: sellable seats left.
        let seatsLeft: String
        /// Hash: settings, state, seed, seed hash, draw flag, sold-out flag, token bucket.
        let config: String
        /// Set of user ids whose window the monolith ended (order completed); drained by the leader.
        let release: String

        /// Hash user id → queue id (one place per user).
        var users: String { self.base + "users" }
        /// Hash queue id → user id.
        var queueIDs: String { self.base + "qids" }
        /// ZSET of fans in line, score = order (draw rank, then arrival sequence).
        var waiting: String { self.base + "waiting" }
        /// ZSET of pre-queue entrants before the draw (score = arrival, kept only for the record).
        var prequeue: String { self.base + "prequeue" }
        /// The pre-queue entrants, kept after the draw so anyone can recompute the order.
        var entrants: String { self.base + "entrants" }
        /// Monotonic join sequence.
        var sequence: String { self.base + "seq" }
        /// ZSET queue id → last time the fan was seen (ms).
        var seen: String { self.base + "seen" }
        /// ZSET queue id → window end (ms), the open purchase windows.
        var windows: String { self.base + "windows" }
        /// ZSET queue id → admission time (ms), for the measured admission rate.
        var admits: String { self.base + "admits" }
        /// Leader lock of the admission loop.
        var lock: String { self.base + "leader" }
        var windowPrefix: String { self.base + "window:" }
        func window(_ queueID: String) -> String { self.windowPrefix + queueID }
    }
}
