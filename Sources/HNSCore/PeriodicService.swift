import Logging
import ServiceLifecycle

/// Work repeated every `interval` for as long as the daemon runs (sweepers, reconcilers, refreshers):
/// one loop that stops on graceful shutdown and logs a failed round without ending the next.
public struct PeriodicService: Service {
    public let name: String
    public let interval: Duration
    /// Run a round at start, before the first pause (else the first round comes after one interval).
    public let immediately: Bool
    public let logger: Logger
    public let work: @Sendable () async throws -> Void

    public init(
        _ name: String, every interval: Duration, immediately: Bool = false, logger: Logger, work: @escaping @Sendable () async throws -> Void
    ) {
        self.name = name
        self.interval = interval
        self.immediately = immediately
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            if !self.immediately { try await Task.sleep(for: self.interval) }
            while true {
                do {
                    try await self.work()
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.warning("\(self.name) failed; next round in \(self.interval)", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: self.interval)
            }
        }
    }
}
