import Foundation
import HNSCore
import HNSRedis
import HNSTestSupport
import Testing
import WaitingRoom

#if canImport(Glibc)
    import Glibc
#endif

/// Whole hns-queue processes and Redis restarts.
@Suite(.serialized) struct FailoverTests {
    static func environment(redis: String, port: Int, instance: String) -> [String: String] {
        var env = QueueHarness.environment
        env.merge([
            "PATH": "/usr/bin:/bin", "HNS_LOG_LEVEL": "warning", "HNS_REDIS_URL": redis, "HNS_QUEUE_PORT": String(port),
            "HNS_QUEUE_TICK": "100ms", "HNS_QUEUE_LOCK_TTL": "1s", "HNS_QUEUE_INSTANCE_ID": instance, "HNS_IDENTITY_AUDIENCE": QueueHarness.audience,
        ]) { $1 }
        return env
    }

    @Test func when_the_leader_is_killed_the_other_instance_takes_over_admission() async throws {
        let redis = try await RedisTestServer.start()
        let ports = (try await ChildProcess.freePort(), try await ChildProcess.freePort())
        let log = NSTemporaryDirectory() + "queue-takeover-\(UUID().uuidString).log"
        let pids = [
            try ChildProcess.spawn(
                TestEnvironment.executable("hns-queue"), ["serve"], environment: Self.environment(redis: redis.url, port: ports.0, instance: "a"),
                output: log),
            try ChildProcess.spawn(
                TestEnvironment.executable("hns-queue"), ["serve"], environment: Self.environment(redis: redis.url, port: ports.1, instance: "b"),
                output: log),
        ]
        defer {
            for pid in pids { kill(pid, SIGKILL) }
        }
        let urls = ["http://127.0.0.1:\(ports.0)", "http://127.0.0.1:\(ports.1)"]
        for url in urls {
            #expect(
                try await eventually(timeout: .seconds(30)) { (try? await TestHTTP.get(url + "/readyz"))?.status == 200 },
                "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        try await RedisTestServer.withClient(url: redis.url) { client in
            let h = QueueHarness(urls: urls, redis: client, prefix: "hns:")
            // 300 per minute: 5 per second, so 30 fans take about six seconds
            try await h.openQueue("7022", perMinute: 300, windows: 1000)
            for i in 0..<30 { _ = try await h.joinOK("7022", user: "t\(i)", url: urls[i % 2]) }
            #expect(try await eventually { try await h.events(type: "queue.turn_granted").count >= 3 })
            let leader = try #require(try await client.get("hns:queue:7022:leader"))
            let victim = leader == "a" ? pids[0] : pids[1]
            kill(victim, SIGKILL)
            _ = await ChildProcess.wait(victim, timeout: .seconds(5))
            let before = try await h.events(type: "queue.turn_granted").count
            #expect(before < 30)
            // the survivor takes the lock once it lapses and admits everyone left, each exactly once
            #expect(try await eventually(timeout: .seconds(20)) { try await h.events(type: "queue.turn_granted").count == 30 })
            #expect(try await client.get("hns:queue:7022:leader") == (leader == "a" ? "b" : "a"))
            let users = try await h.events(type: "queue.turn_granted").compactMap { $0["user_id"] }
            #expect(users == (0..<30).map { "t\($0)" })
        }
        await redis.stop()
    }

    /// A Redis with an append-only file, restarted on the same port and folder.
    final class DurableRedis: Sendable {
        let port: Int
        let dir: String
        let pid = LockedPID()

        init() async throws {
            self.port = try await ChildProcess.freePort()
            self.dir = NSTemporaryDirectory() + "queue-redis-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: self.dir, withIntermediateDirectories: true)
            try await self.start()
        }

        var url: String { "redis://127.0.0.1:\(self.port)/0" }

        func start() async throws {
            let server = ProcessInfo.processInfo.environment["HNS_TEST_REDIS_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/redis-server"
            // the settings README recommends for hns-queue: AOF, fsync every second
            let child = try ChildProcess.spawn(
                server,
                [
                    "--port", "\(self.port)", "--bind", "127.0.0.1", "--dir", self.dir, "--appendonly", "yes", "--appendfsync", "everysec",
                    "--save", "", "--daemonize", "no",
                ], output: self.dir + "/redis.log")
            self.pid.set(child)
            _ = try await eventually(timeout: .seconds(10)) {
                try await RedisTestServer.withClient(url: self.url, connectTimeout: .milliseconds(200)) {
                    try await $0.send(["PING"]).string == "PONG"
                }
            }
        }

        func stop() async {
            guard let pid = self.pid.take() else { return }
            kill(pid, SIGTERM)
            _ = await ChildProcess.wait(pid, timeout: .seconds(10))
        }
    }

    final class LockedPID: Sendable {
        private let value = Locked<pid_t?>(nil)
        func set(_ pid: pid_t) { self.value.withLock { $0 = pid } }
        func take() -> pid_t? {
            self.value.withLock { v in
                defer { v = nil }
                return v
            }
        }
    }

    @Test func a_redis_restart_loses_no_place_and_sockets_carry_on() async throws {
        let redis = try await DurableRedis()
        let port = try await ChildProcess.freePort()
        var config = try QueueHarness.configuration(redisURL: redis.url, port: port, prefix: "hns:", instance: "solo")
        config.updateInterval = .milliseconds(300)
        let app = await QueueApp.build(configuration: config, logger: QueueHarness.logger())
        try await withRunningService(app, port: port) {
            try await RedisTestServer.withClient(url: redis.url) { client in
                let h = QueueHarness(urls: ["http://127.0.0.1:\(port)"], redis: client, prefix: "hns:")
                try await h.openQueue("7018", state: "paused")
                try await client.send(["HSET", "hns:queue:7018:config", "drawn", "1"])
                var tickets: [String] = []
                for i in 0..<5 { tickets.append(try await h.joinOK("7018", user: "r\(i)").ticket) }
                let socket = SocketProbe.connect(h.url + "/v1/queues/7018/ws", ticket: tickets[3])
                #expect(try await eventually { socket.last?["position"]?.intValue == 4 })
                try await Task.sleep(for: .milliseconds(1200))  // appendfsync everysec
                await redis.stop()
                try await redis.start()
                // places survive, the same ticket still works, and the socket hears the queue move again
                #expect(try await eventually { (try? await h.position("7018", ticket: tickets[4]))?["position"]?.intValue == 5 })
                _ = try await TestHTTP.send("DELETE", h.url + "/v1/queues/7018/join", headers: ["X-Queue-Ticket": tickets[0]])
                #expect(try await eventually(timeout: .seconds(10)) { socket.last?["position"]?.intValue == 3 })
                await socket.close()
            }
        }
        await redis.stop()
        try? FileManager.default.removeItem(atPath: redis.dir)
    }
}
