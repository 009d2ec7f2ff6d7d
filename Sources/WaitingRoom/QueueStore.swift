import Crypto
import Foundation
import HNSCore
import HNSRedis
import Logging

/// The states an operator sets (docs/contracts.md "Queue API"); `sold_out` is reported on top when the match sells out.
enum QueueState: String, Sendable, CaseIterable {
    case scheduled
    case preQueue = "pre_queue"
    case open, paused, closed
}

/// A queue's settings and counters as stored in its config hash.
struct QueueSettings: Sendable {
    var state: String
    var saleStartsAt: Int64  // ms
    var admissionPerMinute: Int
    var maxActiveWindows: Int
    var windowMillis: Int64
    var maxTicketsPerWindow: Int
    var seed: String
    var seedHash: String
    var drawn: Bool
    var soldOut: Bool
    var admittedTotal: Int
    var bucket: Double
    var bucketAt: Int64
    var entrants: Int

    init?(_ h: [String: String]) {
        guard let state = h["state"] else { return nil }
        self.state = state
        self.saleStartsAt = Int64(h["sale_starts_at"] ?? "") ?? 0
        self.admissionPerMinute = Int(h["admission_per_minute"] ?? "") ?? 60
        self.maxActiveWindows = Int(h["max_active_windows"] ?? "") ?? 100
        self.windowMillis = Int64(h["window_ms"] ?? "") ?? 20 * 60_000
        self.maxTicketsPerWindow = Int(h["max_tickets_per_window"] ?? "") ?? 4
        self.seed = h["seed"] ?? ""
        self.seedHash = h["seed_hash"] ?? ""
        self.drawn = h["drawn"] == "1"
        self.soldOut = h["sold_out"] == "1"
        self.admittedTotal = Int(h["admitted_total"] ?? "") ?? 0
        self.bucket = Double(h["bucket"] ?? "") ?? 0
        self.bucketAt = Int64(h["bucket_at"] ?? "") ?? 0
        self.entrants = Int(h["entrants"] ?? "") ?? 0
    }

    /// What fans are told: `sold_out` wins over the operator's state.
    var reportedState: String { self.soldOut && self.state != QueueState.closed.rawValue ? "sold_out" : self.state }
}

/// Where one fan stands.
enum FanStatus: Sendable, Equatable {
    /// In line; `estimatedWait` in seconds from the measured admission rate.
    case waiting(position: Int, estimatedWait: Int?, state: String)
    /// Joined before the sale start: in the draw, no position yet.
    case inDraw(entrants: Int, state: String)
    /// Admitted: the purchase token and when the window ends (ms).
    case turn(token: String, endsAt: Int64)
    /// Not in this queue (left, removed as idle, window over).
    case gone(state: String)

    var json: String {
        switch self {
        case .waiting(let position, let eta, let state):
            return
                #"{"type":"position","position":\#(position),"ahead":\#(position - 1),"estimated_wait_s":\#(eta.map(String.init) ?? "null"),"state":"\#(state)"}"#
        case .inDraw(let entrants, let state):
            return
                #"{"type":"position","position":null,"ahead":null,"estimated_wait_s":null,"state":"\#(state)","in_draw":true,"entrants":\#(entrants)}"#
        case .turn(let token, let endsAt):
            return #"{"type":"your_turn","purchase_token":"\#(token)","window_ends_at":"\#(QueueStore.iso(endsAt))"}"#
        case .gone(let state):
            return #"{"type":"not_in_queue","state":"\#(state)"}"#
        }
    }
}

/// The match-wide numbers a batch of position updates needs.
struct MatchSnapshot: Sendable {
    let settings: QueueSettings
    let admittedLastMinute: Int
    let prequeueSize: Int

    /// Seconds until a fan at `position` is admitted, from the admission rate measured over the last
    /// minute (the configured rate until anyone was admitted).
    func estimatedWait(position: Int) -> Int? {
        let perSecond = self.admittedLastMinute > 0 ? Double(self.admittedLastMinute) / 60 : Double(self.settings.admissionPerMinute) / 60
        guard perSecond > 0 else { return nil }
        return Int((Double(position) / perSecond).rounded(.up))
    }
}

/// All queue state lives in Redis; this type is the only code that touches it.
struct QueueStore: Sendable {
    let redis: RedisClient
    let keys: QueueKeys
    /// Every time rule of the queue (windows, idle fans, the admission rate, tickets) reads this clock.
    let clock: WallClock

    func nowMillis() -> Int64 { Int64((self.clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func iso(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }

    // MARK: - Operator

    func settings(_ match: String) async throws -> QueueSettings? {
        QueueSettings(try await self.redis.hgetall(self.keys.match(match).config))
    }

    /// Creates or updates a queue. A new queue gets its shuffle seed now; only its SHA-256 is shown
    /// until the draw.
    func put(_ match: String, fields: [String: String]) async throws -> (created: Bool, stateChanged: String?) {
        let k = self.keys.match(match)
        let existing = try await self.settings(match)
        var all = fields
        if existing == nil {
            var bytes = [UInt8](repeating: 0, count: 32)
            var g = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &g) }
            let seed = bytes.hexString
            all["seed"] = seed
            all["seed_hash"] = Self.sha256Hex(seed)
            all["created_at"] = String(self.nowMillis())
            all["drawn"] = "0"
            all["state"] = all["state"] ?? QueueState.scheduled.rawValue
        }
        all["updated_at"] = String(self.nowMillis())
        _ = try await self.redis.pipeline([
            ["HSET", RESPArg(k.config)] + all.flatMap { [RESPArg($0.key), RESPArg($0.value)] },
            ["SADD", RESPArg(self.keys.matches), RESPArg(match)],
        ])
        let newState = fields["state"]
        let changed = newState != nil && newState != existing?.state ? newState : nil
        return (existing == nil, changed)
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).hexString
    }

    struct Overview: Sendable {
        let settings: QueueSettings
        let waiting: Int
        let prequeue: Int
        let activeWindows: Int
        let seatsLeft: Int?
    }

    func overview(_ match: String) async throws -> Overview? {
        let k = self.keys.match(match)
        let r = try await self.redis.pipeline([
            ["HGETALL", RESPArg(k.config)], ["ZCARD", RESPArg(k.waiting)], ["ZCARD", RESPArg(k.prequeue)],
            ["ZCARD", RESPArg(k.windows)], ["GET", RESPArg(k.seatsLeft)],
        ])
        guard let settings = QueueSettings(Self.hash(r[0])) else { return nil }
        return Overview(
            settings: settings, waiting: r[1].int ?? 0, prequeue: r[2].int ?? 0, activeWindows: r[3].int ?? 0,
            seatsLeft: r[4].string.flatMap { Int($0) })
    }

    /// Pre-queue entrants (queue ids), sorted, for checking the draw.
    func entrants(_ match: String) async throws -> [String] {
        let k = self.keys.match(match)
        return try await self.redis.zrange(k.entrants).sorted()
    }

    static func hash(_ value: RESPValue) -> [String: String] {
        guard let items = value.array else { return [:] }
        var out: [String: String] = [:]
        var i = 0
        while i + 1 < items.count {
            if let key = items[i].string { out[key] = items[i + 1].string ?? "" }
            i += 2
        }
        return out
    }

    /// The pre-queue draw, once: by the leader at the sale start, or at once when an operator opens the
    /// queue. Publishes the seed. Returns whether this call made it.
    func draw(_ match: String, settings: QueueSettings, owner: String?, logger: Logger) async throws -> Bool {
        let k = self.keys.match(match)
        let now = self.nowMillis()
        let n =
            try await QueueScripts.draw.run(
                on: self.redis, keys: [k.config, k.prequeue, k.waiting, k.entrants, k.lock], args: [owner ?? "", String(now)]
            ).int ?? -1
        guard n >= 0 else { return false }
        try await self.redis.xadd(
            self.keys.events,
            [
                ("type", "queue.draw_revealed"), ("match_id", match), ("seed", settings.seed), ("seed_hash", settings.seedHash),
                ("entrants", String(n)), ("at", String(now)),
            ])
        try await self.redis.publish(channel: self.keys.channel, message: AdmissionLoop.note("state", match))
        logger.info("pre-queue drawn", metadata: ["hns.match.id": "\(match)", "hns.queue.entrants": "\(n)"])
        return true
    }

    // MARK: - Fans

    enum JoinOutcome: Sendable {
        case joined(queueID: String, new: Bool, status: FanStatus)
        case noQueue
        case refused(String)
        case limited(scope: String, retryAfterMillis: Int)
    }

    func join(_ match: String, user: String, ip: String, limitPerUser: Int, limitPerIP: Int) async throws -> JoinOutcome {
        let k = self.keys.match(match)
        let now = self.nowMillis()
        let window = Int(now / 60_000)
        let qid = Self.newQueueID()
        let reply = try await QueueScripts.join.run(
            on: self.redis,
            keys: [
                k.config, k.users, k.queueIDs, k.waiting, k.prequeue, k.sequence, k.seen, self.keys.rateUser(user, window),
                self.keys.rateIP(ip, window),
                k.admits,
            ],
            args: [user, qid, String(now), String(limitPerUser), String(limitPerIP), "60000", k.windowPrefix])
        let values = reply.array ?? []
        let parts = values.prefix(3).map { $0.string ?? "" }
        switch parts.first {
        case "new", "existing":
            return .joined(queueID: parts[1], new: parts[0] == "new", status: try Self.parseStatus(values.dropFirst(2)))
        case "refused": return .refused(parts.count > 1 ? parts[1] : "closed")
        case "limited": return .limited(scope: parts[1], retryAfterMillis: Int(parts[2]) ?? 60_000)
        default: return .noQueue
        }
    }

    /// Random, URL-safe, 20 characters.
    static func newQueueID() -> String {
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<20).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }

    func status(_ match: String, queueID: String) async throws -> FanStatus {
        let k = self.keys.match(match)
        let now = self.nowMillis()
        let reply = try await QueueScripts.status.run(
            on: self.redis, keys: [k.config, k.waiting, k.prequeue, k.window(queueID), k.admits, k.seen], args: [queueID, String(now)])
        return try Self.parseStatus((reply.array ?? [])[...])
    }

    /// Reads the list `QueueScripts.statusLua` builds.
    static func parseStatus(_ values: ArraySlice<RESPValue>) throws -> FanStatus {
        let v = Array(values)
        guard v.count == 10 else { throw RedisError.unexpectedReply("status") }
        let state = v[0].string ?? ""
        let soldOut = v[1].string == "1"
        let reported = soldOut && state != "closed" ? "sold_out" : (state.isEmpty ? "closed" : state)
        let rank = v[4].int ?? -1
        if let token = v[5].string, !token.isEmpty, let ends = Int64(v[6].string ?? "") { return .turn(token: token, endsAt: ends) }
        if rank >= 0 {
            let perMinute = (v[8].int ?? 0) > 0 ? Double(v[8].int ?? 0) : Double(Int(v[2].string ?? "") ?? 0)
            let eta = perMinute > 0 ? Int((Double(rank + 1) / (perMinute / 60)).rounded(.up)) : nil
            return .waiting(position: rank + 1, estimatedWait: eta, state: reported)
        }
        if v[7].int == 1 { return .inDraw(entrants: v[9].int ?? 0, state: reported) }
        return .gone(state: reported)
    }

    func snapshot(_ match: String) async throws -> MatchSnapshot? {
        let k = self.keys.match(match)
        let now = self.nowMillis()
        let r = try await self.redis.pipeline([
            ["HGETALL", RESPArg(k.config)], ["ZCOUNT", RESPArg(k.admits), RESPArg(String(now - 60_000)), "+inf"], ["ZCARD", RESPArg(k.prequeue)],
        ])
        guard let settings = QueueSettings(Self.hash(r[0])) else { return nil }
        return MatchSnapshot(settings: settings, admittedLastMinute: r[1].int ?? 0, prequeueSize: r[2].int ?? 0)
    }

    /// Ranks of many fans at once (nil = not in line); with `touch`, marks them all as seen.
    func ranks(_ match: String, zset: String, queueIDs: [String], touch: Bool = true) async throws -> [Int?] {
        let k = self.keys.match(match)
        let now = RESPArg(String(self.nowMillis()))
        var out: [Int?] = []
        out.reserveCapacity(queueIDs.count)
        var start = 0
        while start < queueIDs.count {
            let chunk = queueIDs[start..<min(start + 2000, queueIDs.count)]
            var commands: [[RESPArg]] = chunk.map { ["ZRANK", RESPArg(zset), RESPArg($0)] }
            if touch {
                var seen: [RESPArg] = ["ZADD", RESPArg(k.seen), "XX"]
                for q in chunk { seen += [now, RESPArg(q)] }
                commands.append(seen)
            }
            let replies = try await self.redis.pipeline(commands)
            for reply in replies.prefix(chunk.count) { out.append(reply.int) }
            start += chunk.count
        }
        return out
    }

    func leave(_ match: String, queueID: String, cutoff: Int64? = nil, reason: String = "left") async throws -> Bool {
        let k = self.keys.match(match)
        let r = try await QueueScripts.leave.run(
            on: self.redis, keys: [k.waiting, k.prequeue, k.seen, k.users, k.queueIDs],
            args: [queueID, cutoff.map(String.init) ?? "", match, self.keys.channel, reason])
        return r.int == 1
    }

    /// Ends a window; `owner` nil skips the leader check (the monolith's release may reach any instance).
    func endWindow(_ match: String, queueID: String?, user: String?, type: String, owner: String?) async throws -> Int {
        let k = self.keys.match(match)
        let r = try await QueueScripts.endWindow.run(
            on: self.redis, keys: [k.windows, k.users, k.queueIDs, self.keys.events, k.lock],
            args: [owner ?? "", queueID ?? "", user ?? "", match, self.keys.channel, k.windowPrefix, type, String(self.nowMillis())])
        return r.int ?? 0
    }
}
