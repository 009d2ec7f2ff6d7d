import Foundation
import HNSCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A real HTTP server on loopback standing in for an outside party (a bus subscriber, Stripe,
/// Drupal): it records every request and answers what the test's handler says.
public final class LocalHTTPServer: Sendable {
    public struct Recorded: Sendable, CustomStringConvertible {
        /// Short, so a failed expectation over many requests stays readable (and cheap to print).
        public var description: String { "\(self.method) \(self.path) (\(self.body.count) bytes)" }
        public let method: String
        public let path: String
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: self.body, as: UTF8.self) }
        /// Case-insensitive, as HTTP header names are.
        public func header(_ name: String) -> String? { self.headers[name.lowercased()] }
        public func json() -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(self.body)) }
    }

    public typealias Handler = @Sendable (Recorded) async -> (status: Int, body: String)

    private let recorded = Locked<[Recorded]>([])
    private let handler: Locked<Handler>
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init(port: Int, handler: @escaping Handler) {
        self.port = port
        self.handler = Locked(handler)
    }

    public var requests: [Recorded] { self.recorded.value }
    public func setHandler(_ handler: @escaping Handler) { self.handler.withLock { $0 = handler } }

    /// Runs a server for the duration of `body`.
    public static func with<T: Sendable>(
        handler: @escaping Handler = { _ in (200, "{}") },
        _ body: @Sendable (LocalHTTPServer) async throws -> T
    ) async throws -> T {
        let port = try await ChildProcess.freePort()
        let server = LocalHTTPServer(port: port, handler: handler)
        let router = Router()
        router.on("/**", method: .post) { request, _ in try await server.handle(request) }
        router.on("/**", method: .get) { request, _ in try await server.handle(request) }
        var logger = Logger(label: "test.http")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        // Stopped by graceful shutdown, never by cancellation: cancelling a server with a connection
        // accepted but not yet served trips a swift-nio assertion (NIOAsyncWriter deinit).
        return try await withRunningService(app, port: port) { try await body(server) }
    }

    private func handle(_ request: Request) async throws -> Response {
        let bytes = try await request.body.collect(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let record = Recorded(method: request.method.rawValue, path: request.uri.path, headers: headers, body: Array(bytes.readableBytesView))
        self.recorded.withLock { $0.append(record) }
        let answer = await self.handler.value(record)
        return Response(
            status: .init(code: answer.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    static func isListening(_ port: Int) async -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}

/// Runs a service (a whole daemon application) for the duration of `body`, then shuts it down
/// gracefully, as SIGTERM would.
public func withRunningService<T: Sendable>(_ service: some Service, port: Int? = nil, _ body: @Sendable () async throws -> T) async throws -> T {
    var logger = Logger(label: "test.servicegroup")
    logger.logLevel = .warning
    let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        if let port {
            guard try await eventually(timeout: .seconds(15), { await LocalHTTPServer.isListening(port) }) else {
                await group.triggerGracefulShutdown()
                throw ChildProcess.SpawnError(message: "service did not listen on \(port)")
            }
        }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            while let next = try await tasks.next() { if next != nil { break } }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}
