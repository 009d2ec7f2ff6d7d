import AsyncHTTPClient
import NIOCore
import ServiceLifecycle

/// Owns an AsyncHTTPClient for the lifetime of a daemon and shuts it down after the services that
/// use it have stopped (it sits before them in the service group).
public struct HTTPClientService: Service {
    public let client: HTTPClient

    public init(client: HTTPClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(5))))) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await self.client.shutdown()
    }
}
