import Foundation
import HNSCore
import HNSIdentity
import HNSRedis
import Logging
import ServiceLifecycle

/// Runs on every instance; for each match it holds (or takes over) the Redis leader lock and, while it
/// leads, admits fans. So exactly one instance admits per match, and a dead leader is replaced once
/// its lock lapses (`lockTTL`).
struct AdmissionLoop: Service {
    let store: QueueStore
    let signer: PurchaseTokenSigner
    let config: QueueConfiguration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.round()
                try await Task.sleep(for: self.config.tick)
            }
        }
    }

    /// One pass over every match.
    func round() async {
        do {
            let matches = try await self.store.redis.send(["SMEMBERS", RESPArg(self.store.keys.matches)]).array?.compactMap(\.string) ?? []
            for match in matches {
                if Task.isCancelled { break }
                do {
                    if try await self.acquire(match) { try await self.tick(match) }
                } catch {
                    self.logger.warning("admission tick failed", metadata: ["hns.match.id": "\(match)", "error": "\(error)"])
                }
            }
        } catch {
            self.logger.warning("admission loop cannot reach Redis", metadata: ["error": "\(error)"])
        }
    }

    private var owner: String { self.config.instanceID }

    func acquire(_ match: String) async throws -> Bool {
        let k = self.store.keys.match(match)
        let r = try await QueueScripts.lock.run(on: self.store.redis, keys: [k.lock], args: [self.owner, String(self.config.lockTTL.milliseconds)])
        return r.int == 1
    }

    /// One tick for a match this instance leads.
    func tick(_ match: String) async throws {
        let redis = self.store.redis
        let k = self.store.keys.match(match)
        guard var settings = try await self.store.settings(match) else { return }
        let now = self.store.nowMillis()
        var moved = false

        // The pre-queue draw, at the sale start (or when the operator opens early).
        if !settings.drawn,
            settings.state == QueueState.open.rawValue || (settings.state == QueueState.preQueue.rawValue && now >= settings.saleStartsAt)
        {
            if try await self.store.draw(match, settings: settings, owner: self.owner, logger: self.logger) {
                settings.drawn = true
                settings.state = QueueState.open.rawValue
                moved = true
            }
        }

        // Windows that ended unused, and those the monolith released through Redis.
        let expired = try await redis.zrangeByScoreIDs(k.windows, max: now, limit: 1000)
        for qid in expired {
            if try await self.store.endWindow(match, queueID: qid, user: nil, type: "queue.expired", owner: self.owner) == 1 { moved = true }
        }
        let released = try await redis.send(["SPOP", RESPArg(k.release), "1000"]).array?.compactMap(\.string) ?? []
        for user in released {
            if try await self.store.endWindow(match, queueID: nil, user: user, type: "queue.released", owner: self.owner) == 1 { moved = true }
        }

        // Fans not seen for too long.
        let cutoff = now - self.config.idleTimeout.milliseconds
        for qid in try await redis.zrangeByScoreIDs(k.seen, max: cutoff, limit: 1000) {
            if try await self.store.leave(match, queueID: qid, cutoff: cutoff, reason: "idle") { moved = true }
        }
        _ = try await redis.send(["ZREMRANGEBYSCORE", RESPArg(k.admits), "-inf", RESPArg(String(now - 600_000))])

        // Seats: stop while the open windows could buy what is left; sold out when nothing is.
        let r = try await redis.pipeline([["GET", RESPArg(k.seatsLeft)], ["ZCARD", RESPArg(k.windows)]])
        let seatsLeft = r[0].string.flatMap { Int($0) }
        let active = r[1].int ?? 0
        let soldOut = seatsLeft.map { $0 <= 0 } ?? false
        if soldOut != settings.soldOut {
            _ = try await redis.send(["HSET", RESPArg(k.config), "sold_out", soldOut ? "1" : "0"])
            settings.soldOut = soldOut
            try await redis.publish(channel: self.store.keys.channel, message: Self.note("state", match))
            if soldOut { try await redis.xadd(self.store.keys.events, [("type", "queue.sold_out"), ("match_id", match), ("at", String(now))]) }
        }

        // Admission: token bucket at the configured rate, within free windows and seats.
        let open = settings.state == QueueState.open.rawValue && settings.drawn && !soldOut
        let perMilli = Double(settings.admissionPerMinute) / 60_000
        let burst = max(1, Double(settings.admissionPerMinute) / 60 * max(1, self.config.tick.seconds))
        var tokens = open ? min(burst, settings.bucket + perMilli * Double(max(0, now - (settings.bucketAt == 0 ? now : settings.bucketAt)))) : 0
        if open {
            var allowed = min(Int(tokens.rounded(.down)), settings.maxActiveWindows - active, self.config.maxAdmitPerTick)
            if let seatsLeft {
                let perWindow = max(1, settings.maxTicketsPerWindow)
                allowed = min(allowed, (seatsLeft + perWindow - 1) / perWindow - active)
            }
            if allowed > 0 {
                let admitted = try await self.admit(match, count: allowed, settings: settings, now: now)
                tokens -= Double(admitted)
                if admitted > 0 {
                    moved = true
                    QueueMetrics.admitted(match, admitted)
                }
            }
        }
        _ = try await redis.send(["HSET", RESPArg(k.config), "bucket", RESPArg(String(tokens)), "bucket_at", RESPArg(String(now))])
        QueueMetrics.activeWindows(match, try await redis.zcard(k.windows))
        QueueMetrics.waiting(match, try await redis.zcard(k.waiting) + redis.zcard(k.prequeue))
        if moved { try await redis.publish(channel: self.store.keys.channel, message: Self.note("moved", match)) }
    }

    /// Signs tokens for the next `count` fans and opens their windows in one script, which skips anyone
    /// who left meanwhile and refuses if this instance lost the lock.
    func admit(_ match: String, count: Int, settings: QueueSettings, now: Int64) async throws -> Int {
        let redis = self.store.redis
        let k = self.store.keys.match(match)
        let heads = try await redis.zrange(k.waiting, start: 0, stop: count - 1)
        guard !heads.isEmpty else { return 0 }
        let users = try await redis.send(["HMGET", RESPArg(k.queueIDs)] + heads.map { RESPArg($0) }).array ?? []
        let endsAt = now + settings.windowMillis
        var args: [any RESPArgConvertible] = [
            self.owner, String(now), self.store.keys.channel, match, k.windowPrefix, String(10 * 60_000),
        ]
        for (qid, userValue) in zip(heads, users) {
            guard let user = userValue.string else { continue }
            let token = PurchaseToken(
                userID: user, matchID: match, windowEndsAt: Date(timeIntervalSince1970: Double(endsAt) / 1000),
                issuedAt: self.store.clock.now)
            let signed = try await self.signer.sign(token)
            args += [qid, user, signed, String(Int64(token.windowEndsAt.timeIntervalSince1970 * 1000)), token.tokenID]
        }
        let r = try await QueueScripts.admit.run(
            on: redis, keys: [k.lock, k.waiting, k.windows, k.seen, self.store.keys.events, k.admits, k.config], args: args)
        return max(0, r.int ?? 0)
    }

    static func note(_ kind: String, _ match: String) -> String {
        String(decoding: JSONValueEncoder.encode(["kind": kind, "match": match]), as: UTF8.self)
    }
}

enum JSONValueEncoder {
    static func encode(_ object: [String: String]) -> [UInt8] { JSONValue.object(object.mapValues(JSONValue.string)).encoded() }
}

extension RedisClient {
    /// Members with score ≤ `max`, oldest first.
    func zrangeByScoreIDs(_ key: String, max: Int64, limit: Int) async throws -> [String] {
        try await self.send(["ZRANGEBYSCORE", RESPArg(key), "-inf", RESPArg(String(max)), "LIMIT", "0", RESPArg(limit)]).array?.compactMap(\.string)
            ?? []
    }
}
