/// Anything that runs commands: the pooled `RedisClient`, or one `RedisConnection` (for example
/// inside `withDedicatedConnection`). Every typed helper below is built on these two methods.
public protocol RedisCommandSender: Sendable {
    /// Sends one command. An error reply is thrown as `RedisError.server(code:message:)`.
    func send(_ command: [RESPArg]) async throws -> RESPValue
    /// Writes all commands, flushes once and returns the replies in order. Error replies stay in
    /// the result as `.error` (a pipeline is not a transaction: later commands still ran); use
    /// `throwIfError()` on the ones that matter.
    func pipeline(_ commands: [[RESPArg]]) async throws -> [RESPValue]
}

/// An entry of a stream, as returned by XREADGROUP and XAUTOCLAIM.
public struct RedisStreamEntry: Sendable, Hashable {
    public let id: String
    public let fields: [String: String]
}

public struct RedisAutoClaimResult: Sendable, Hashable {
    /// Where the next XAUTOCLAIM scan should start; `0-0` when the scan wrapped around.
    public let nextStart: String
    public let entries: [RedisStreamEntry]
    /// IDs that were pending but no longer exist in the stream (Redis 7 removes them from the PEL).
    public let deletedIDs: [String]
}

public struct RedisPendingSummary: Sendable, Hashable {
    public let count: Int
    public let smallestID: String?
    public let largestID: String?
    public let consumers: [String: Int]
}

extension RedisCommandSender {
    @discardableResult
    public func send(_ command: String, _ args: any RESPArgConvertible...) async throws -> RESPValue {
        try await send([RESPArg(command)] + args.map(\.respArg))
    }

    // MARK: - Keys and strings

    public func get(_ key: String) async throws -> String? {
        try await send("GET", key).string
    }

    /// `SET key value [PX ms] [NX]`; returns false when NX prevented the write.
    @discardableResult
    public func set(_ key: String, _ value: some RESPArgConvertible, px: Int? = nil, nx: Bool = false) async throws -> Bool {
        var command: [RESPArg] = ["SET", RESPArg(key), value.respArg]
        if let px { command += ["PX", RESPArg(px)] }
        if nx { command.append("NX") }
        return try await !send(command).isNull
    }

    @discardableResult
    public func del(_ keys: String...) async throws -> Int {
        try await integer(["DEL"] + keys.map { RESPArg($0) })
    }

    @discardableResult
    public func incr(_ key: String, by amount: Int = 1) async throws -> Int {
        try await integer(amount == 1 ? ["INCR", RESPArg(key)] : ["INCRBY", RESPArg(key), RESPArg(amount)])
    }

    @discardableResult
    public func expire(_ key: String, seconds: Int) async throws -> Bool {
        try await integer(["EXPIRE", RESPArg(key), RESPArg(seconds)]) == 1
    }

    @discardableResult
    public func pexpire(_ key: String, milliseconds: Int) async throws -> Bool {
        try await integer(["PEXPIRE", RESPArg(key), RESPArg(milliseconds)]) == 1
    }

    /// Number of the given keys that exist.
    public func exists(_ keys: String...) async throws -> Int {
        try await integer(["EXISTS"] + keys.map { RESPArg($0) })
    }

    // MARK: - Sorted sets

    /// Returns the number of members added. With `nx`, existing members keep their score.
    @discardableResult
    public func zadd(_ key: String, _ members: [(score: Double, member: String)], nx: Bool = false) async throws -> Int {
        var command: [RESPArg] = ["ZADD", RESPArg(key)]
        if nx { command.append("NX") }
        for (score, member) in members { command += [RESPArg(score), RESPArg(member)] }
        return try await integer(command)
    }

    @discardableResult
    public func zadd(_ key: String, score: Double, member: String, nx: Bool = false) async throws -> Bool {
        try await zadd(key, [(score, member)], nx: nx) == 1
    }

    /// 0-based position by ascending score, or nil if not a member.
    public func zrank(_ key: String, _ member: String) async throws -> Int? {
        try await send("ZRANK", key, member).int
    }

    public func zscore(_ key: String, _ member: String) async throws -> Double? {
        try await send("ZSCORE", key, member).double
    }

    public func zrange(_ key: String, start: Int = 0, stop: Int = -1) async throws -> [String] {
        try await strings(send("ZRANGE", key, start, stop))
    }

    public func zrangeWithScores(_ key: String, start: Int = 0, stop: Int = -1) async throws -> [(member: String, score: Double)] {
        try await scored(send("ZRANGE", key, start, stop, "WITHSCORES"))
    }

    /// Members with `min <= score <= max`; pass `-.infinity`/`.infinity` for open ends.
    public func zrangeByScore(
        _ key: String, min: Double, max: Double, limit: (offset: Int, count: Int)? = nil
    ) async throws -> [String] {
        var command: [RESPArg] = ["ZRANGE", RESPArg(key), RESPArg(min), RESPArg(max), "BYSCORE"]
        if let limit { command += ["LIMIT", RESPArg(limit.offset), RESPArg(limit.count)] }
        return try await strings(send(command))
    }

    /// Removes and returns the `count` lowest-scored members.
    public func zpopmin(_ key: String, count: Int = 1) async throws -> [(member: String, score: Double)] {
        try await scored(send("ZPOPMIN", key, count))
    }

    @discardableResult
    public func zrem(_ key: String, _ members: String...) async throws -> Int {
        try await integer(["ZREM", RESPArg(key)] + members.map { RESPArg($0) })
    }

    public func zcard(_ key: String) async throws -> Int {
        try await integer(["ZCARD", RESPArg(key)])
    }

    // MARK: - Hashes

    /// Returns the number of fields that were new.
    @discardableResult
    public func hset(_ key: String, _ fields: [String: String]) async throws -> Int {
        try await integer(["HSET", RESPArg(key)] + fields.flatMap { [RESPArg($0.key), RESPArg($0.value)] })
    }

    public func hget(_ key: String, _ field: String) async throws -> String? {
        try await send("HGET", key, field).string
    }

    public func hgetall(_ key: String) async throws -> [String: String] {
        try await Self.fieldMap(send("HGETALL", key))
    }

    // MARK: - Streams

    /// `XADD key [MAXLEN ~ n] id field value …`; returns the entry ID. Approximate trimming
    /// lets Redis drop whole macro nodes, which is much cheaper than an exact MAXLEN.
    @discardableResult
    public func xadd(
        _ key: String, _ fields: [(field: String, value: String)], id: String = "*", maxLengthApprox: Int? = nil
    ) async throws -> String {
        var command: [RESPArg] = ["XADD", RESPArg(key)]
        if let maxLengthApprox { command += ["MAXLEN", "~", RESPArg(maxLengthApprox)] }
        command.append(RESPArg(id))
        for (field, value) in fields { command += [RESPArg(field), RESPArg(value)] }
        guard let entryID = try await send(command).string else { throw RedisError.unexpectedReply("XADD") }
        return entryID
    }

    /// Creates a consumer group; returns false if it already existed (BUSYGROUP is not an error here).
    @discardableResult
    public func xgroupCreate(_ key: String, group: String, id: String = "$", mkstream: Bool = true) async throws -> Bool {
        var command: [RESPArg] = ["XGROUP", "CREATE", RESPArg(key), RESPArg(group), RESPArg(id)]
        if mkstream { command.append("MKSTREAM") }
        do {
            _ = try await send(command)
            return true
        } catch let error as RedisError where error.serverCode == "BUSYGROUP" {
            return false
        }
    }

    /// `streams` maps stream key to start ID (`>` for new entries). Returns entries per stream;
    /// empty when `blockMs` elapsed without data. Use a dedicated connection when blocking.
    public func xreadgroup(
        group: String, consumer: String, streams: [String: String], count: Int? = nil, blockMs: Int? = nil
    ) async throws -> [String: [RedisStreamEntry]] {
        var command: [RESPArg] = ["XREADGROUP", "GROUP", RESPArg(group), RESPArg(consumer)]
        if let count { command += ["COUNT", RESPArg(count)] }
        if let blockMs { command += ["BLOCK", RESPArg(blockMs)] }
        let ordered = Array(streams)
        command.append("STREAMS")
        command += ordered.map { RESPArg($0.key) } + ordered.map { RESPArg($0.value) }
        let reply = try await send(command)
        if reply.isNull { return [:] }
        var result: [String: [RedisStreamEntry]] = [:]
        for stream in reply.array ?? [] {
            guard let pair = stream.array, pair.count == 2, let key = pair[0].string else {
                throw RedisError.unexpectedReply("XREADGROUP")
            }
            result[key] = try Self.entries(pair[1])
        }
        return result
    }

    @discardableResult
    public func xack(_ key: String, group: String, ids: [String]) async throws -> Int {
        try await integer(["XACK", RESPArg(key), RESPArg(group)] + ids.map { RESPArg($0) })
    }

    /// Claims entries pending for at least `minIdleMs` (their consumer likely died) for `consumer`.
    public func xautoclaim(
        _ key: String, group: String, consumer: String, minIdleMs: Int, start: String = "0-0", count: Int? = nil
    ) async throws -> RedisAutoClaimResult {
        var command: [RESPArg] = [
            "XAUTOCLAIM", RESPArg(key), RESPArg(group), RESPArg(consumer), RESPArg(minIdleMs), RESPArg(start),
        ]
        if let count { command += ["COUNT", RESPArg(count)] }
        guard let parts = try await send(command).array, parts.count >= 2, let next = parts[0].string else {
            throw RedisError.unexpectedReply("XAUTOCLAIM")
        }
        let deleted = parts.count > 2 ? try Self.strings(parts[2]) : []
        return RedisAutoClaimResult(nextStart: next, entries: try Self.entries(parts[1]), deletedIDs: deleted)
    }

    public func xpending(_ key: String, group: String) async throws -> RedisPendingSummary {
        guard let parts = try await send("XPENDING", key, group).array, parts.count == 4, let count = parts[0].int else {
            throw RedisError.unexpectedReply("XPENDING")
        }
        var consumers: [String: Int] = [:]
        for consumer in parts[3].array ?? [] {
            if let pair = consumer.array, pair.count == 2, let name = pair[0].string, let pending = pair[1].int {
                consumers[name] = pending
            }
        }
        return RedisPendingSummary(count: count, smallestID: parts[1].string, largestID: parts[2].string, consumers: consumers)
    }

    // MARK: - Scripting

    public func eval(_ script: String, keys: [String] = [], args: [any RESPArgConvertible] = []) async throws -> RESPValue {
        try await send(Self.scriptCommand("EVAL", script, keys, args))
    }

    public func evalsha(_ sha1: String, keys: [String] = [], args: [any RESPArgConvertible] = []) async throws -> RESPValue {
        try await send(Self.scriptCommand("EVALSHA", sha1, keys, args))
    }

    /// Returns the script's SHA1 digest.
    @discardableResult
    public func scriptLoad(_ script: String) async throws -> String {
        guard let sha1 = try await send("SCRIPT", "LOAD", script).string else {
            throw RedisError.unexpectedReply("SCRIPT LOAD")
        }
        return sha1
    }

    // MARK: - Reply decoding

    private func integer(_ command: [RESPArg]) async throws -> Int {
        let reply = try await send(command)
        guard let value = reply.int else { throw RedisError.unexpectedReply("expected an integer from \(command[0])") }
        return value
    }

    private func strings(_ reply: RESPValue) throws -> [String] { try Self.strings(reply) }

    private static func strings(_ reply: RESPValue) throws -> [String] {
        guard let items = reply.array else { throw RedisError.unexpectedReply("expected an array") }
        return items.compactMap(\.string)
    }

    private func scored(_ reply: RESPValue) throws -> [(member: String, score: Double)] {
        let items = try Self.strings(reply)
        return stride(from: 0, to: items.count - 1, by: 2).compactMap { i in
            Double(items[i + 1]).map { (items[i], $0) }
        }
    }

    private static func fieldMap(_ reply: RESPValue) throws -> [String: String] {
        if reply.isNull { return [:] }  // XAUTOCLAIM/XREADGROUP history show deleted entries as nil
        let items = try strings(reply)
        var map: [String: String] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) { map[items[i]] = items[i + 1] }
        return map
    }

    private static func entries(_ reply: RESPValue) throws -> [RedisStreamEntry] {
        try (reply.array ?? []).map { entry in
            guard let pair = entry.array, pair.count == 2, let id = pair[0].string else {
                throw RedisError.unexpectedReply("stream entry")
            }
            return RedisStreamEntry(id: id, fields: try fieldMap(pair[1]))
        }
    }

    private static func scriptCommand(
        _ verb: RESPArg, _ script: String, _ keys: [String], _ args: [any RESPArgConvertible]
    ) -> [RESPArg] {
        [verb, RESPArg(script), RESPArg(keys.count)] + keys.map { RESPArg($0) } + args.map(\.respArg)
    }
}
