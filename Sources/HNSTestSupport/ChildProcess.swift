import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Starting and stopping real server processes (PostgreSQL, Redis, our own daemons) from tests.
public enum ChildProcess {
    /// posix_spawn rather than Foundation's `Process`: Swift concurrency's worker threads block
    /// SIGTERM, a child inherits that mask, and a daemon started from a test would ignore `stop()`.
    /// Here the child gets an empty mask and default SIGPIPE handling.
    public static func spawn(_ path: String, _ arguments: [String], environment: [String: String]? = nil, output: String? = nil) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Inherited sockets are not harmless: a child holding another test's listening socket (NIO
        // does not set CLOEXEC) keeps that port accepting connections nobody serves. glibc 2.34+ has
        // closefrom as a spawn action but declares it only under _GNU_SOURCE.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        }
        let sink = output ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, sink, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, sink, O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envList = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        defer { envList.forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, path, &actions, &attributes, argv + [nil], envList + [nil])
        guard result == 0 else { throw SpawnError(message: "cannot start \(path): \(String(cString: strerror(result)))") }
        return child
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { self.message }
    }

    /// Reaps the child if it exited; returns its exit status then.
    public static func exitStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
            if status & 0x7f == 0 { return (status >> 8) & 0xff }
            return 128 + (status & 0x7f)
        }
        if result == -1 && errno == ECHILD { return -1 }
        return nil
    }

    /// Waits up to `timeout` for the child to exit; SIGKILLs it after that.
    @discardableResult
    public static func wait(_ pid: pid_t, timeout: Duration = .seconds(10)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = self.exitStatus(pid) { return status }
            if ContinuousClock.now > deadline { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Runs a command to completion and returns its exit status and output.
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "hns-child-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try self.spawn(path, arguments, environment: environment, output: log)
        let status = await self.wait(pid, timeout: timeout)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// A loopback port that was free a moment ago, drawn at random below the kernel's ephemeral
    /// range: a port from bind(0) is soon handed out again (to another test's server, or to an
    /// outgoing connection), and a test then talks to somebody else's server.
    /// A port is never handed out twice in one test process: with tests in parallel, two random
    /// draws meet often enough (the birthday problem) that the second server fails to bind and its
    /// test talks to the first.
    public static func freePort() async throws -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 10_000..<32_000)
            guard handedOut.withLock({ $0.insert(candidate).inserted }) else { continue }
            if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 0)
                .bind(host: "127.0.0.1", port: candidate).get()
            {
                try await channel.close()
                return candidate
            }
        }
        throw SpawnError(message: "no free loopback port found")
    }

    private static let handedOut = Mutex<Set<Int>>([])
}
