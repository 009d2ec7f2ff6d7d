import Foundation
import HNSRedis
import Logging
import ServiceLifecycle

/// Ends holds the moment their Redis key expires (keyspace notifications), so seats come back
/// within a second of the 15 minutes.
struct HoldExpiryListener: Service {
    let inventory: Inventory
    let database: Int
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await self.enableNotifications()
            let channel = "__keyevent@\(self.database)__:expired"
            let prefix = "hns:hold:"
            await self.inventory.redis.listen(to: [channel]) { message in
                let key = message.string
                guard key.hasPrefix(prefix), let id = UUID(uuidString: String(key.dropFirst(prefix.count))) else { return }
                do {
                    try await self.inventory.release(holdID: id, buyer: nil, reason: .expired, actor: .service("system:redis-expiry"))
                } catch {
                    self.logger.warning("expired hold not released; the sweeper will retry", metadata: ["hold": "\(id)", "error": "\(error)"])
                }
            }
        }
    }

    /// Expired-key events are off by default in Redis. Managed Redis may refuse CONFIG: then
    /// only the sweeper ends holds, later but just as surely.
    private func enableNotifications() async {
        do {
            let current = try await self.inventory.redis.send("CONFIG", "GET", "notify-keyspace-events").array?.last?.string ?? ""
            var flags = current
            for flag in ["E", "x"] where !flags.contains(flag) && !flags.contains("A") { flags += flag }
            if flags != current { _ = try await self.inventory.redis.send("CONFIG", "SET", "notify-keyspace-events", flags) }
        } catch {
            self.logger.warning("cannot enable Redis keyspace notifications; holds end by the sweeper only", metadata: ["error": "\(error)"])
        }
    }
}
