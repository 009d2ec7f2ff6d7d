import Foundation

/// Values kept for a short time (a second or so) so that the hot path of a sale day does not ask
/// the database the same question hundreds of times a second. Only for facts whose exactness is
/// enforced elsewhere: a match's sale state and limits (inventory keeps seats exact), a queue's state.
public final class ShortCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Locked<[Key: (value: Value, until: Duration)]>([:])
    public let ttl: Duration
    private let clock: WallClock

    /// Entries expire by `clock`'s monotonic time.
    public init(ttl: Duration, clock: WallClock = .system) {
        self.ttl = ttl
        self.clock = clock
    }

    /// The cached value, or `load()`'s, kept for `ttl`. Errors are not cached.
    public func value(for key: Key, load: () async throws -> Value) async rethrows -> Value {
        if let hit = self.cached(key) { return hit }
        let value = try await load()
        self.store(value, for: key)
        return value
    }

    /// The value stored for `key`, unless its time is up.
    public func cached(_ key: Key) -> Value? {
        let now = self.clock.uptime
        guard let hit = self.entries.withLock({ $0[key] }), hit.until > now else { return nil }
        return hit.value
    }

    /// Keeps `value` for `ttl`.
    public func store(_ value: Value, for key: Key) {
        let until = self.clock.uptime + self.ttl
        self.entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, until)
        }
    }

    public func invalidate(_ key: Key) { self.entries.withLock { _ = $0.removeValue(forKey: key) } }
}
