import Foundation
import HNSCore
import HNSRedis
import Logging

/// E8: paces requests to Stripe at a rate shared by every instance of the monolith (Stripe limits
/// the account, not a process). Each request reserves the next free slot in Redis, one every
/// `window / count`, and waits for it: requests leave evenly spaced, so no second ever holds more
/// than the rate allows — a window counter would let two full windows' worth through around its
/// edge. Aims 2 % under the configured rate, so that the network's jitter on the way never pushes
/// a second over it.
struct RequestPacer: Sendable {
    let redis: RedisClient
    let key: String
    let rate: RateLimit
    let logger: Logger

    /// Microseconds between two requests.
    var interval: Int64 {
        let window = self.rate.window.components
        let micros = window.seconds * 1_000_000 + window.attoseconds / 1_000_000_000_000
        return max(1, micros * 51 / 50 / Int64(self.rate.count))
    }

    /// The next free slot: now, or `interval` after the last one reserved. TIME is Redis's clock, the
    /// same for every instance.
    static let reserve = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
        if slot < now then slot = now end
        local interval = tonumber(ARGV[1])
        -- Kept until a minute after the last slot reserved, however far ahead that is.
        redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', math.floor((slot + interval - now) / 1000) + 60000)
        return slot - now
        """)

    /// Waits for this request's slot. Without Redis, each instance waits one interval on its own
    /// (slower, never faster than the rate with one instance).
    func wait() async throws {
        let micros: Int64
        do {
            micros = Int64(try await Self.reserve.run(on: self.redis, keys: [self.key], args: [String(self.interval)]).int ?? 0)
        } catch {
            self.logger.warning("request pacing without Redis", metadata: ["error": "\(error)"])
            micros = self.interval
        }
        if micros > 0 { try await Task.sleep(for: .microseconds(micros)) }
    }
}
