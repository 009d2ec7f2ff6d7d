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
        guard let running = pid.withLock({ current -> pid_t? in
            defer { current = nil }
            return current
        }) else { return }
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
        let child = try Self.spawn(executable, [
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

    /// posix_spawn rather than Foundation's `Process`: a child inherits the spawning thread's
    /// signal mask, and Swift concurrency's worker threads block SIGTERM, so a redis-server
    /// started from a test would ignore `stop()`. Here the child gets an empty mask.
    private static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t?
        var actions: posix_spawn_file_actions_t?
        #else
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)  // NIO ignores SIGPIPE in this process
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Inherited sockets are not harmless: a child holding another test's listening socket
        // (NIO does not set CLOEXEC) keeps that port accepting connections nobody serves.
        #if canImport(Darwin)
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_CLOEXEC_DEFAULT
        #else
        // glibc 2.34+ has closefrom as a spawn action, but only declares it under _GNU_SOURCE.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        }
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        #if canImport(Darwin)
        let environment = _NSGetEnviron().pointee
        #else
        let environment = environ
        #endif
        let result = posix_spawn(&child, path, &actions, &attributes, argv + [nil], environment)
        guard result == 0 else {
            throw RedisError.connectFailed("cannot start \(path): \(String(cString: strerror(result)))")
        }
        return child
    }

    /// Reaps the child if it exited.
    private static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid || (result == -1 && errno == ECHILD)
    }

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

    /// A port below the kernel's ephemeral range (32768+), so that while a server is stopped for
    /// `restart()` its port cannot be handed to some outgoing connection in the meantime.
    private static func freePort() async throws -> Int {
        for _ in 0..<100 {
            let candidate = Int.random(in: 10_000..<32_000)
            if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: candidate).get() {
                try await channel.close()
                return candidate
            }
        }
        throw RedisError.connectFailed("no free loopback port")
    }
}
