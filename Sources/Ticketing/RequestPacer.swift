import Foundation
import HNSCore
import HNSRedis
import Logging

/// Paces requests to an outside API (Stripe's refunds, e-računi) at a rate shared by every instance
/// of the monolith (the API limits the account, not a process). Each request reserves the next free slot in Redis, one every
/// `window / count`, and waits for it: requests leave evenly spaced, so no second ever holds more
/// than the rate allows — a window counter would let two full windows' worth through around its
/// edge. Aims `headroom` percent under the configured rate (2 % by default), so that the network's
/// jitter on the way never pushes a window over it.
struct RequestPacer: Sendable {
    let redis: RedisClient
    let key: String
    let rate: RateLimit
    let logger: Logger
    var headroom = 2
    /// This process's own pace, for while Redis cannot be reached.
    private let local = Locked<Int64>(0)

    init(redis: RedisClient, key: String, rate: RateLimit, logger: Logger, headroom: Int = 2) {
        self.redis = redis
        self.key = key
        self.rate = rate
        self.logger = logger
        self.headroom = headroom
    }

    /// Microseconds between two requests.
    var interval: Int64 {
        let window = self.rate.window.components
        let micros = window.seconds * 1_000_000 + window.attoseconds / 1_000_000_000_000
        return max(1, micros * Int64(100 + self.headroom) / 100 / Int64(self.rate.count))
    }

    /// The next free slot: now, or `interval` after the last one reserved, unless that is more than
    /// ARGV[2] microseconds away (then nothing is reserved and -1 comes back). TIME is Redis's clock,
    /// the same for every instance.
    static let reserve = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
        if slot < now then slot = now end
        local limit = tonumber(ARGV[2] or '-1')
        if limit >= 0 and slot - now > limit then return -1 end
        local interval = tonumber(ARGV[1])
        -- Kept until a minute after the last slot reserved, however far ahead that is.
        redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', math.floor((slot + interval - now) / 1000) + 60000)
        return slot - now
        """)

    /// Waits for this request's slot. Without Redis, each instance keeps the pace on its own (never
    /// faster than the rate with one instance).
    func wait() async throws {
        _ = try await self.wait(atMost: nil)
    }

    /// Waits for this request's slot when it is at most `limit` away, and says whether it did; a
    /// request that can be asked again later (a buyer's download) does not queue behind a backlog.
    func wait(atMost limit: Duration?) async throws -> Bool {
        var args = [String(self.interval)]
        if let limit { args.append(String(limit.components.seconds * 1_000_000 + limit.components.attoseconds / 1_000_000_000_000)) }
        let micros: Int64
        do {
            micros = Int64(try await Self.reserve.run(on: self.redis, keys: [self.key], args: args).int ?? 0)
        } catch {
            self.logger.warning("request pacing without Redis", metadata: ["error": "\(error)"])
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            let interval = self.interval
            micros = self.local.withLock { next in
                let slot = max(next, now)
                next = slot + interval
                return slot - now
            }
        }
        if micros < 0 { return false }
        if micros > 0 { try await Task.sleep(for: .microseconds(micros)) }
        return true
    }

    /// Takes no slot for `pause` from now on: the API said we were too fast (a 429), so every
    /// instance waits before its next request.
    static let hold = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
        local resume = now + tonumber(ARGV[1])
        if slot < resume then
            redis.call('SET', KEYS[1], string.format('%d', resume), 'PX', math.floor((resume - now) / 1000) + 60000)
        end
        return 0
        """)

    func pause(_ pause: Duration) async {
        let micros = pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000
        do {
            _ = try await Self.hold.run(on: self.redis, keys: [self.key], args: [String(micros)])
        } catch {
            self.logger.warning("request pacing without Redis", metadata: ["error": "\(error)"])
            let resume = Int64(Date().timeIntervalSince1970 * 1_000_000) + micros
            self.local.withLock { $0 = max($0, resume) }
        }
    }
}
