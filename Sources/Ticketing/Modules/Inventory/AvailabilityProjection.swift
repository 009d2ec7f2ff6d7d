import Foundation
import HNSCore
import HNSPostgres
import HNSRedis
import Logging
import PostgresNIO
import ServiceLifecycle

/// The hot read of a sale day, served from Redis: per match one hash with, per sector, its
/// availability document (`s:<code>`), the sellable count (`a:<code>`) and the version of the
/// counter row it came from (`v:<code>`). A push is applied only when its version is newer, so
/// pushes racing after concurrent commits can never leave an older count behind; the same
/// script keeps `hns:match:{id}:seats_left` (the queue's seats-aware admission) equal to the sum.
struct AvailabilityProjection: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let logger: Logger

    static func key(_ matchID: Int64) -> String { "hns:match:\(matchID):availability" }
    static func seatsLeftKey(_ matchID: Int64) -> String { RedisKeys.shared.seatsLeft(match: String(matchID)) }

    static let script = RedisScript(
        """
        for i = 1, #ARGV, 4 do
          local code = ARGV[i]
          local version = tonumber(ARGV[i + 1])
          local current = tonumber(redis.call('HGET', KEYS[1], 'v:' .. code) or '-1')
          if version > current then
            redis.call('HSET', KEYS[1], 'v:' .. code, ARGV[i + 1], 's:' .. code, ARGV[i + 2], 'a:' .. code, ARGV[i + 3])
          end
        end
        local all = redis.call('HGETALL', KEYS[1])
        local sum = 0
        for i = 1, #all, 2 do
          if string.sub(all[i], 1, 2) == 'a:' then sum = sum + tonumber(all[i + 1]) end
        end
        redis.call('SET', KEYS[2], sum)
        return sum
        """)

    struct SectorAvailability: Codable, Sendable, Equatable {
        let code: String
        let name: String
        let stand: String
        let gate: String
        let kind: String
        let open: Bool
        let priceCategory: String
        let priceCents: Int?
        let available: Int
        let held: Int
        let sold: Int
        let blocked: Int

        enum CodingKeys: String, CodingKey {
            case code, name, stand, gate, kind, open
            case priceCategory = "price_category"
            case priceCents = "price_cents"
            case available, held, sold, blocked
        }
        /// What can still be bought: nothing in a closed sector.
        var sellable: Int { self.open ? self.available : 0 }

        /// The copy kept in Redis, written by hand (two pushes per purchase): the bytes a `JSONEncoder`
        /// with sorted keys and unescaped slashes writes for it (tested side by side).
        var json: String {
            var w = JSONWriter(capacity: 192)
            w.beginObject()
            w.field("available", self.available)
            w.field("blocked", self.blocked)
            w.field("code", self.code)
            w.field("gate", self.gate)
            w.field("held", self.held)
            w.field("kind", self.kind)
            w.field("name", self.name)
            w.key("open")
            w.bool(self.open)
            w.field("price_category", self.priceCategory)
            if let price = self.priceCents { w.field("price_cents", price) }
            w.field("sold", self.sold)
            w.field("stand", self.stand)
            w.endObject()
            return String(decoding: w.bytes, as: UTF8.self)
        }

        /// The same sector with the counts a transaction read back from `inventory.sector_counts`.
        func with(_ counts: Inventory.Counts) -> SectorAvailability {
            SectorAvailability(
                code: self.code, name: self.name, stand: self.stand, gate: self.gate, kind: self.kind, open: self.open,
                priceCategory: self.priceCategory, priceCents: self.priceCents, available: counts.available,
                held: counts.held, sold: counts.sold, blocked: counts.blocked)
        }
    }

    static let loadSQL = """
        SELECT s.code, s.name, s.stand, s.gate, s.kind, s.open, s.price_category, s.price_cents,
               c.available, c.held, c.sold, c.blocked, c.version
        FROM inventory.sectors s
        JOIN inventory.sector_counts c ON c.match_id = s.match_id AND c.sector_code = s.code
        """

    /// The exact counts from PostgreSQL, with their versions.
    func load(matchID: Int64, sectors: [String]? = nil) async throws -> [(SectorAvailability, version: Int64)] {
        // Prepared: the join costs more to plan than to run, and it runs after every sale.
        // Two statements, so that each generic plan looks the sectors up by its own condition.
        let rows =
            if let sectors {
                try await self.postgres.prepared(
                    "\(unescaped: Self.loadSQL) WHERE s.match_id = \(matchID) AND s.code = ANY(\(sectors)) ORDER BY s.code", logger: self.logger)
            } else {
                try await self.postgres.prepared("\(unescaped: Self.loadSQL) WHERE s.match_id = \(matchID) ORDER BY s.code", logger: self.logger)
            }
        var result: [(SectorAvailability, version: Int64)] = []
        for try await (code, name, stand, gate, kind, open, category, price, available, held, sold, blocked, version) in rows.decode(
            (String, String, String, String, String, Bool, String, Int?, Int, Int, Int, Int, Int64).self)
        {
            result.append(
                (
                    SectorAvailability(
                        code: code, name: name, stand: stand, gate: gate, kind: kind, open: open, priceCategory: category, priceCents: price,
                        available: available, held: held, sold: sold, blocked: blocked), version
                ))
        }
        return result
    }

    /// Copies the given sectors' counts (all when nil) to Redis, after the caller's `commands` (in the
    /// same round trip). Never throws: Redis being away only makes reads fall back to PostgreSQL until
    /// the next push or refresh.
    @discardableResult
    func push(matchID: Int64, sectors: [String]? = nil, with commands: [[RESPArg]] = []) async -> Int? {
        var entries: [(SectorAvailability, version: Int64)] = []
        do {
            entries = try await self.load(matchID: matchID, sectors: sectors)
        } catch {
            self.logger.warning("availability not loaded for Redis", metadata: ["match": "\(matchID)", "error": "\(error)"])
        }
        if entries.isEmpty {
            // Nothing to push, but the caller's commands still go.
            if !commands.isEmpty { _ = try? await self.redis.pipeline(commands) }
            return nil
        }
        return await self.push(matchID: matchID, entries: entries, with: commands)
    }

    /// Copies sectors whose counts the caller already has (e.g. from its own transaction) to Redis;
    /// returns the seats left of the match.
    @discardableResult
    func push(matchID: Int64, entries: [(SectorAvailability, version: Int64)], with commands: [[RESPArg]] = []) async -> Int? {
        guard !entries.isEmpty else { return nil }
        do {
            var args: [any RESPArgConvertible] = []
            for (sector, version) in entries {
                args.append(sector.code)
                args.append(String(version))
                args.append(sector.json)
                args.append(sector.sellable)
            }
            let keys = [Self.key(matchID), Self.seatsLeftKey(matchID)]
            if !commands.isEmpty {
                // One round trip for the caller's commands and the push (EVAL only after a NOSCRIPT).
                let evalsha: [RESPArg] = ["EVALSHA", RESPArg(Self.script.sha1), RESPArg(keys.count)] + keys.map { RESPArg($0) } + args.map(\.respArg)
                let replies = try await self.redis.pipeline(commands + [evalsha])
                for (command, reply) in zip(commands, replies) where (try? reply.throwIfError()) == nil {
                    self.logger.warning(
                        "Redis refused a command sent with the availability push", metadata: ["command": "\(command.first.map { "\($0)" } ?? "")"])
                }
                if let reply = try? replies[commands.count].throwIfError() { return reply.int }
            }
            let reply = try await Self.script.run(on: self.redis, keys: keys, args: args)
            return reply.int
        } catch {
            self.logger.warning("availability not pushed to Redis", metadata: ["match": "\(matchID)", "error": "\(error)"])
            return nil
        }
    }

    /// Availability per sector: from Redis, or — when Redis has no copy — from PostgreSQL, then copied.
    func read(matchID: Int64) async throws -> [SectorAvailability] {
        if let fields = try? await self.redis.hgetall(Self.key(matchID)), !fields.isEmpty {
            let decoder = JSONDecoder()
            return try fields.filter { $0.key.hasPrefix("s:") }
                .map { try decoder.decode(SectorAvailability.self, from: Data($0.value.utf8)) }
                .sorted { $0.code < $1.code }
        }
        let loaded = try await self.load(matchID: matchID).map(\.0)
        if !loaded.isEmpty { await self.push(matchID: matchID) }
        return loaded
    }
}
