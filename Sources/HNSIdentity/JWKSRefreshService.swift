import ServiceLifecycle

/// Loads the JWKS when the daemon starts and refreshes it every `jwksRefreshInterval`, so key
/// rotations are picked up without waiting for a token with an unknown kid.
public struct JWKSRefreshService: Service {
    let store: JWKSKeyStore
    let interval: Duration

    public func run() async throws {
        await self.store.refresh()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return  // shutdown or cancellation ends the sleep
            }
            await self.store.refresh()
        }
    }
}
