import EventBus
import Foundation
import HNSCore
import HNSTestSupport
import PostgresNIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The bus as a real process: killed with SIGKILL mid-delivery, and two instances sharing a database.
@Suite(.serialized) struct CrashAndFailoverTests {
    static func writeConfig(subscriberURL: String) throws -> String {
        let path = NSTemporaryDirectory() + "bus-\(UUID().uuidString).yaml"
        try """
        stream: {name: test_events, subjects: ["order.>"], max_age: 72h, duplicate_window: 1h}
        publishers: [{name: tester, token_env: BUS_PUB, allow: ["order.>"]}]
        subscriptions:
          - name: orders
            filter: "order.>"
            url: \(subscriberURL)
            token_env: BUS_SUB
            timeout: 1s
            backoff: [50ms]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func spawnBus(db: TestDatabase, config: String, port: Int, log: String) throws -> pid_t {
        try ChildProcess.spawn(
            TestEnvironment.executable("hns-eventbus"), ["serve"],
            environment: [
                "HNS_DATABASE_URL": db.url, "HNS_EVENTBUS_CONFIG": config, "HNS_EVENTBUS_PORT": String(port),
                "HNS_LOG_LEVEL": "info", "BUS_PUB": BusHarness.publisherToken, "BUS_SUB": BusHarness.subscriberToken,
                "HNS_EVENTBUS_ADMIN_TOKEN": BusHarness.adminToken, "PATH": "/usr/bin:/bin",
            ], output: log)
    }

    static func publish(port: Int, count: Int, idPrefix: String = "m") async throws {
        for i in 1...count {
            let r = try await TestHTTP.post(
                "http://127.0.0.1:\(port)/v1/publish/order.n",
                headers: ["Authorization": "Bearer \(BusHarness.publisherToken)", "Msg-Id": "\(idPrefix)-\(i)"],
                json: #"{"i":\#(i)}"#)
            precondition(r.status == 202, "publish failed: \(r.status) \(r.text)")
        }
    }

    @Test func sigkill_mid_delivery_loses_nothing_and_keeps_order() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus"])
        defer { Task { await db.drop() } }
        try await LocalHTTPServer.with(handler: { _ in
            try? await Task.sleep(for: .milliseconds(5))
            return (200, "{}")
        }) { subscriber in
            let config = try Self.writeConfig(subscriberURL: subscriber.baseURL + "/hook")
            let port = try await ChildProcess.freePort()
            let log = NSTemporaryDirectory() + "bus-\(port).log"
            let first = try Self.spawnBus(db: db, config: config, port: port, log: log)
            #expect(try await eventually { (try? await TestHTTP.get("http://127.0.0.1:\(port)/readyz"))?.status == 200 })
            try await Self.publish(port: port, count: 300)
            #expect(try await eventually { subscriber.requests.count >= 60 })
            kill(first, SIGKILL)
            await ChildProcess.wait(first)
            let deliveredBeforeCrash = subscriber.requests.count
            #expect(deliveredBeforeCrash < 300)

            let second = try Self.spawnBus(db: db, config: config, port: port, log: log)
            defer { kill(second, SIGTERM) }
            #expect(try await eventually(timeout: .seconds(30)) { Set(subscriber.requests.map(\.seq)) == Set(1...300) })
            // At-least-once: a few may come twice around the crash, but each delivery after the first of
            // a seq never goes backwards past what the subscriber had acknowledged in order.
            let firsts = subscriber.requests.map(\.seq).reduce(into: [Int]()) { acc, s in if !acc.contains(s) { acc.append(s) } }
            #expect(firsts == Array(1...300))
            kill(second, SIGTERM)
            #expect(await ChildProcess.wait(second) == 0)
        }
    }

    @Test func two_instances_never_deliver_concurrently_and_fail_over_after_a_kill() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus"])
        defer { Task { await db.drop() } }
        let inFlight = Locked(0)
        let peak = Locked(0)
        try await LocalHTTPServer.with(handler: { _ in
            let now = inFlight.withLock {
                $0 += 1
                return $0
            }
            peak.withLock { $0 = max($0, now) }
            try? await Task.sleep(for: .milliseconds(3))
            inFlight.withLock { $0 -= 1 }
            return (200, "{}")
        }) { subscriber in
            let config = try Self.writeConfig(subscriberURL: subscriber.baseURL + "/hook")
            let portA = try await ChildProcess.freePort()
            let portB = try await ChildProcess.freePort()
            let a = try Self.spawnBus(db: db, config: config, port: portA, log: NSTemporaryDirectory() + "bus-a-\(portA).log")
            let b = try Self.spawnBus(db: db, config: config, port: portB, log: NSTemporaryDirectory() + "bus-b-\(portB).log")
            defer {
                kill(a, SIGKILL)
                kill(b, SIGKILL)
            }
            for port in [portA, portB] {
                #expect(try await eventually { (try? await TestHTTP.get("http://127.0.0.1:\(port)/readyz"))?.status == 200 })
            }
            // Publish through both instances; one of them holds the subscription's lease.
            async let viaA: Void = Self.publish(port: portA, count: 100)
            try await Self.publish(port: portB, count: 1, idPrefix: "via-b")
            try await viaA
            #expect(try await eventually { subscriber.requests.count >= 100 })
            #expect(peak.value == 1)

            // Kill whichever instance holds the lease; the other takes over within timeout + 2 s.
            let owner = try await db.withClient { client in
                let rows = try await client.query("SELECT lease_owner FROM eventbus.subscriptions WHERE name = 'orders'", logger: BusHarness.logger())
                for try await o in rows.decode(String?.self) { return o ?? "" }
                return ""
            }
            let holder = owner.contains("-\(a)-") ? a : b
            let survivor = holder == a ? portB : portA
            kill(holder, SIGKILL)
            await ChildProcess.wait(holder)
            let killedAt = ContinuousClock.now
            let r = try await TestHTTP.post(
                "http://127.0.0.1:\(survivor)/v1/publish/order.after",
                headers: ["Authorization": "Bearer \(BusHarness.publisherToken)"], json: "{}")
            #expect(r.status == 202)
            #expect(try await eventually(timeout: .seconds(14)) { subscriber.requests.contains { $0.seq == 102 } })
            // Lease TTL is timeout (1 s) + 5 s; allow for a loaded 2-core machine.
            #expect(ContinuousClock.now - killedAt < .seconds(12))
            #expect(peak.value == 1)
            let seen = Set(subscriber.requests.map(\.seq))
            #expect(seen == Set(1...102), "missing \(Set(1...102).subtracting(seen).sorted())")
        }
    }
}
