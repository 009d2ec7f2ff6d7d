import Foundation
import HNSRedis
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private `redis-server` on a free loopback port, for tests that need to stop or restart
/// Redis. Tests that only need *a* Redis should use `sharedURL()` with a unique key prefix.
///
/// The binary is `$HNS_TEST_REDIS_SERVER`, else `redis-server` on `PATH`. Persistence is off,
/// so a restart comes back empty.
public final class RedisTestServer: Sendable {
    public let port: Int
    /// `requirepass`, if the server was started with one; it is part of `url`.
    public let password: String?
    private let executable: String
    private let pid = Mutex<pid_t?>(nil)

    public var url: String { "redis://\(password.map { ":\($0)@" } ?? "")127.0.0.1:\(port)" }

    private init(port: Int, password: String?, executable: String) {
        self.port = port
        self.password = password
        self.executable = executable
    }

    deinit {
        // Never leave a redis-server behind when a test forgets `stop()` or fails early.
        if let pid = pid.withLock({ $0 }) {
            kill(pid, SIGTERM)
            Self.livePIDs.withLock { _ = $0.remove(pid) }
        }
    }

    /// Starts a server and waits until it answers (and is really ours, not a neighbour on the port).
    /// `password` must be URL-safe, as it is embedded in `url` verbatim.
    public static func start(password: String? = nil) async throws -> RedisTestServer {
        let executable = try findExecutable()
        var lastError: any Error = RedisError.connectFailed("redis-server did not start")
        // The probed port can be taken by someone else before redis-server binds it: try another.
        for _ in 0..<5 {
            let server = RedisTestServer(port: try await freePort(), password: password, executable: executable)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError
    }

    /// SIGTERM, then waits for the process to exit (SIGKILL after 10 s).
    public func stop() async {
        guard
            let running = pid.withLock({ current -> pid_t? in
                defer { current = nil }
                return current
            })
        else { return }
        kill(running, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !Self.hasExited(running) {
            if clock.now > deadline { kill(running, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        Self.livePIDs.withLock { _ = $0.remove(running) }
    }

    /// Stops the server and starts a fresh one on the same port.
    public func restart() async throws {
        await stop()
        try await launch()
    }

    /// `$HNS_TEST_REDIS_URL` if set (CI starts one Redis for the whole run), else the URL of a
    /// private server started once per test process.
    public static func sharedURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["HNS_TEST_REDIS_URL"], !url.isEmpty { return url }
        return try await sharedServer.value.url
    }

    /// A prefix such as `test:pipeline:1A2B3C4D:` so tests sharing one Redis never collide.
    public static func uniqueKeyPrefix(_ label: String = #function) -> String {
        "test:\(label.prefix { $0 != "(" }):\(UUID().uuidString.prefix(8)):"
    }

    /// Runs `body` with a client whose `run()` is active, and shuts the client down afterwards.
    /// Without a URL it uses `sharedURL()`.
    public static func withClient<T>(
        url: String? = nil, poolSize: Int = 2, connectTimeout: Duration = .seconds(5),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RedisClient) async throws -> T
    ) async throws -> T {
        let resolvedURL: String
        if let url { resolvedURL = url } else { resolvedURL = try await sharedURL() }
        let client = try RedisClient(url: resolvedURL, poolSize: poolSize, connectTimeout: connectTimeout)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self, isolation: isolation) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    // MARK: - Process handling

    private static let sharedServer = Task { try await RedisTestServer.start() }

    /// PIDs to kill at exit: the shared server is never deallocated.
    private static let livePIDs: Mutex<Set<Int32>> = {
        atexit {
            for pid in RedisTestServer.livePIDs.withLock({ $0 }) { kill(pid, SIGTERM) }
        }
        return Mutex([])
    }()

    private func launch() async throws {
        let child = try Self.spawn(
            executable,
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
            ] + (password.map { ["--requirepass", $0] } ?? []))
        pid.withLock { $0 = child }
        Self.livePIDs.withLock { _ = $0.insert(child) }

        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        let configuration = RedisConfiguration(port: port, password: password, connectTimeout: .milliseconds(200))
        while clock.now < deadline {
            guard !Self.hasExited(child) else {
                pid.withLock { $0 = nil }
                throw RedisError.connectFailed("redis-server exited during startup (port \(port) taken?)")
            }
            if let connection = try? await RedisConnection.connect(configuration: configuration) {
                // Something that accepts but never answers must not hang the test run.
                let watchdog = Task {
                    try await Task.sleep(for: .seconds(1))
                    await connection.close()
                }
                let info = try? await connection.send("INFO", "server")
                watchdog.cancel()
                await connection.close()
                // Answered by our process, not by another test's server that won the port.
                if let info = info?.string, info.contains("process_id:\(child)\r\n") { return }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisError.connectFailed("redis-server on port \(port) did not answer within 10 s")
    }

    private static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        do {
            return try ChildProcess.spawn(path, arguments)
        } catch {
            throw RedisError.connectFailed("\(error)")
        }
    }

    private static func hasExited(_ pid: pid_t) -> Bool { ChildProcess.exitStatus(pid) != nil }

    /// `$HNS_TEST_REDIS_SERVER` (a path, or a name looked up on `PATH`), else `redis-server`.
    private static func findExecutable() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let name = environment["HNS_TEST_REDIS_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "redis-server"
        if name.contains("/") { return name }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RedisError.connectFailed("\(name) not found on PATH: install redis-server or set HNS_TEST_REDIS_SERVER")
    }

    private static func freePort() async throws -> Int { try await ChildProcess.freePort() }
}
