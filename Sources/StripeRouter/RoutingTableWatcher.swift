import Foundation
import HNSCore
import Logging
import ServiceLifecycle
import UnixSignals

/// Holds the routing table in force and reloads it when the file changes (checked every second)
/// or on SIGHUP. A new file that does not parse is refused and the previous table stays.
public final class RoutingTableWatcher: Service, Sendable {
    let path: String
    let interval: Duration
    let logger: Logger
    private let table: Locked<RoutingTable>
    private let fingerprint: Locked<String>

    public init(path: String, interval: Duration, logger: Logger) throws {
        self.path = path
        self.interval = interval
        self.logger = logger
        let text = try String(contentsOfFile: path, encoding: .utf8)
        self.table = Locked(try RoutingTable.parse(text))
        self.fingerprint = Locked(Self.fingerprint(text))
    }

    public var current: RoutingTable { self.table.value }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals { self.reload(reason: "SIGHUP") }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: self.interval)
                        self.reload(reason: "file changed")
                    }
                }
                try await group.next()
            }
        }
    }

    /// Reloads if the file's content changed; returns whether a new table is now in force.
    @discardableResult
    public func reload(reason: String) -> Bool {
        guard let text = try? String(contentsOfFile: self.path, encoding: .utf8) else {
            self.logger.error("routing table unreadable; keeping the previous one", metadata: ["path": "\(self.path)"])
            return false
        }
        let print = Self.fingerprint(text)
        guard print != self.fingerprint.value else { return false }
        self.fingerprint.withLock { $0 = print }
        do {
            let table = try RoutingTable.parse(text)
            self.table.withLock { $0 = table }
            self.logger.info("routing table reloaded", metadata: ["version": "\(table.version)", "reason": "\(reason)"])
            return true
        } catch {
            self.logger.error(
                "routing table refused; keeping the previous one",
                metadata: [
                    "error": "\(error)", "in_force": "\(self.table.value.version)",
                ])
            return false
        }
    }

    static func fingerprint(_ text: String) -> String {
        String(text.hashValue) + ":" + String(text.utf8.count)
    }
}
