import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL cluster for tests that stop and start the server (readiness, failover).
/// Runs as the `postgres` OS user, because `initdb` refuses root.
public final class PostgresTestServer: Sendable {
    public let port: Int
    public let directory: String

    public var url: String { "postgres://postgres@127.0.0.1:\(self.port)/postgres" }

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    public static func start() async throws -> PostgresTestServer {
        let dir = NSTemporaryDirectory() + "hns-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let server = PostgresTestServer(port: try await ChildProcess.freePort(), directory: dir)
        _ = try await ChildProcess.run("/bin/chown", ["postgres", dir])
        let initdb = try await ChildProcess.run(
            "/usr/sbin/runuser",
            [
                "-u", "postgres", "--", TestEnvironment.postgresBinDir + "/initdb", "-D", dir + "/data", "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        guard initdb.status == 0 else { throw ChildProcess.SpawnError(message: "initdb failed: \(initdb.output)") }
        try await server.startServer()
        return server
    }

    public func startServer() async throws {
        _ = try ChildProcess.spawn(
            "/usr/sbin/runuser",
            [
                "-u", "postgres", "--", TestEnvironment.postgresBinDir + "/postgres", "-D", self.directory + "/data",
                "-p", String(self.port), "-k", self.directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            ], output: self.directory + "/postgres.log")
        let ready = try await eventually(timeout: .seconds(30), interval: .milliseconds(50)) {
            let r = try await ChildProcess.run(TestEnvironment.postgresBinDir + "/pg_isready", ["-h", "127.0.0.1", "-p", String(self.port)])
            return r.status == 0
        }
        guard ready else { throw ChildProcess.SpawnError(message: "postgres on \(self.port) did not become ready") }
    }

    /// Fast shutdown (SIGINT to the postmaster), waiting until it is gone.
    public func stopServer() async {
        guard let pid = self.postmasterPID() else { return }
        kill(pid, SIGINT)
        _ = try? await eventually(timeout: .seconds(20), interval: .milliseconds(20)) { kill(pid, 0) != 0 || self.isZombie(pid) }
    }

    public func destroy() async {
        await self.stopServer()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private func postmasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: self.directory + "/data/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return pid_t(first)
    }

    private func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }
}
