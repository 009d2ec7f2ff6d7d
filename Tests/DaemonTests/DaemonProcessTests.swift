import Foundation
import HNSCore
import HNSTestSupport
import StripeRouter
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The four executables as an operator runs them.
@Suite(.serialized) struct DaemonProcessTests {
    static let tokens: [String: String] = [
        "HNS_BUS_TOKEN_STRIPE_ROUTER": "dev-router-token-0123456789", "HNS_BUS_TOKEN_TICKETING": "dev-ticketing-token-012345",
        "HNS_BUS_TOKEN_STRIPE_DRUPAL": "dev-drupal-token-0123456789", "HNS_BUS_TOKEN_MAILER": "dev-mailer-token-0123456789",
        "HNS_BUS_TOKEN_BACKEND": "dev-backend-token-012345678",
        "HNS_IDENTITY_ISSUER": "https://hns.hr/drupal-test", "HNS_IDENTITY_AUDIENCE": "hns-ticketing",
        "HNS_IDENTITY_HS256_SECRET": "test-identity-secret-0123456789-abcdefghij",
        "HNS_QUEUE_SIGNING_KEY": "test-queue-signing-key-0123456789-abcdefgh",
        "HNS_QUEUE_SERVICE_TOKEN": "test-queue-service-token-0123456789",
    ]

    @Test(arguments: [
        ("hns-ticketing", ["HNS_REDIS_URL": "http://not-redis"], ["HNS_DATABASE_URL is not set", "HNS_REDIS_URL"]),
        (
            "hns-ticketing", ["HNS_DATABASE_URL": "postgres://nohost", "HNS_REDIS_URL": "redis://127.0.0.1:1/0", "HNS_TICKETING_PORT": "x"],
            ["HNS_DATABASE_URL", "HNS_TICKETING_PORT=x"]
        ),
        ("hns-queue", ["HNS_LOG_LEVEL": "loud"], ["HNS_REDIS_URL is not set", "HNS_LOG_LEVEL=loud"]),
        (
            "hns-stripe-router", ["HNS_STRIPE_ROUTES": "/nonexistent.yaml"],
            ["HNS_STRIPE_WEBHOOK_SECRETS", "/nonexistent.yaml", "HNS_EVENTBUS_URL", "HNS_EVENTBUS_TOKEN"]
        ),
        ("hns-eventbus", ["HNS_DATABASE_URL": "mysql://x@y/z"], ["HNS_EVENTBUS_DATABASE_URL", "HNS_EVENTBUS_CONFIG is not set"]),
        ("hns-queue", ["HNS_NIO_EXECUTOR": "maybe"], ["HNS_NIO_EXECUTOR=maybe"]),
        ("hns-eventbus", ["HNS_EVENT_LOOP_THREADS": "0"], ["HNS_EVENT_LOOP_THREADS=0"]),
    ])
    func bad_configuration_exits_non_zero_naming_every_problem(_ daemon: String, _ env: [String: String], _ mentions: [String]) async throws {
        var environment = env
        environment["PATH"] = "/usr/bin:/bin"
        let result = try await ChildProcess.run(TestEnvironment.executable(daemon), ["serve"], environment: environment, timeout: .seconds(20))
        #expect(result.status != 0)
        for m in mentions { #expect(result.output.contains(m), "\(daemon) output lacks \(m): \(result.output)") }
    }

    @Test func migrate_dry_run_exits_1_while_pending_and_0_after() async throws {
        let db = try await TestDatabase.create()
        defer { Task { await db.drop() } }
        let env = ["HNS_DATABASE_URL": db.url, "PATH": "/usr/bin:/bin"]
        for daemon in ["hns-ticketing", "hns-eventbus"] {
            let args = ["migrate", "--migrations", TestEnvironment.migrationsDir]
            let pending = try await ChildProcess.run(TestEnvironment.executable(daemon), args + ["--dry-run"], environment: env)
            #expect(pending.status == 1, "\(pending.output)")
            #expect(pending.output.contains("pending 0001_"))
            let apply = try await ChildProcess.run(TestEnvironment.executable(daemon), args, environment: env)
            #expect(apply.status == 0, "\(apply.output)")
            let again = try await ChildProcess.run(TestEnvironment.executable(daemon), args + ["--dry-run"], environment: env)
            #expect(again.status == 0)
            #expect(again.output.contains("up to date"))
        }
    }

    @Test func the_four_daemons_start_and_are_ready() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus", "ticketing"])
        defer { Task { await db.drop() } }
        let redis = try await RedisTestServer.sharedURL()
        let ports = (
            try await ChildProcess.freePort(), try await ChildProcess.freePort(), try await ChildProcess.freePort(), try await ChildProcess.freePort()
        )
        var env = Self.tokens
        env.merge([
            "PATH": "/usr/bin:/bin", "HNS_LOG_LEVEL": "info", "HNS_DATABASE_URL": db.url, "HNS_REDIS_URL": redis,
            "HNS_TICKETING_PORT": String(ports.0), "HNS_QUEUE_PORT": String(ports.1), "HNS_STRIPE_ROUTER_PORT": String(ports.2),
            "HNS_EVENTBUS_PORT": String(ports.3), "HNS_EVENTBUS_CONFIG": TestEnvironment.repoRoot + "/stream-config",
            "HNS_EVENTBUS_URL": "http://127.0.0.1:\(ports.3)", "HNS_EVENTBUS_TOKEN": Self.tokens["HNS_BUS_TOKEN_STRIPE_ROUTER"]!,
            "HNS_STRIPE_WEBHOOK_SECRETS": "whsec_dev_0123456789", "HNS_STRIPE_ROUTES": TestEnvironment.repoRoot + "/deploy/stripe-routes.yaml",
            // Each on one event-loop thread, as when they share a small host with PostgreSQL.
            "HNS_EVENT_LOOP_THREADS": "1",
        ]) { $1 }
        let log = NSTemporaryDirectory() + "daemons-\(UUID().uuidString).log"
        var pids: [pid_t] = []
        for daemon in ["hns-eventbus", "hns-stripe-router", "hns-queue", "hns-ticketing"] {
            pids.append(try ChildProcess.spawn(TestEnvironment.executable(daemon), ["serve"], environment: env, output: log))
        }
        defer { for pid in pids { kill(pid, SIGKILL) } }
        for port in [ports.0, ports.1, ports.2, ports.3] {
            let ready = try await eventually(timeout: .seconds(30)) { (try? await TestHTTP.get("http://127.0.0.1:\(port)/readyz"))?.status == 200 }
            #expect(ready, "port \(port) not ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            let metrics = try await TestHTTP.get("http://127.0.0.1:\(port)/metrics")
            #expect(metrics.text.contains("hns_http_requests_total"))
        }
        for pid in pids {
            let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let loops = threads.filter {
                ((try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8)) ?? "").hasPrefix("NIO-SGLTN")
            }
            #expect(loops.count == 1, "pid \(pid) runs \(loops.count) event loops")
        }
        // SIGTERM: each stops cleanly (exit 0) within the drain time.
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids { #expect(await ChildProcess.wait(pid, timeout: .seconds(15)) == 0) }
        // Logs are JSON lines.
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }

    /// SIGTERM while a webhook is waiting on a slow bus: the request finishes, then the process exits.
    @Test func sigterm_lets_an_in_flight_request_finish() async throws {
        try await LocalHTTPServer.with(handler: { _ in
            try? await Task.sleep(for: .milliseconds(1500))
            return (202, #"{"stream":"hns_ticketing_events","seq":7,"duplicate":false}"#)
        }) { slowBus in
            let port = try await ChildProcess.freePort()
            let secret = "whsec_sigterm_0123456789"
            let pid = try ChildProcess.spawn(
                TestEnvironment.executable("hns-stripe-router"), ["serve"],
                environment: [
                    "PATH": "/usr/bin:/bin", "HNS_STRIPE_WEBHOOK_SECRETS": secret,
                    "HNS_STRIPE_ROUTES": TestEnvironment.repoRoot + "/deploy/stripe-routes.yaml",
                    "HNS_EVENTBUS_URL": slowBus.baseURL, "HNS_EVENTBUS_TOKEN": "router-token-0123456789", "HNS_STRIPE_ROUTER_PORT": String(port),
                    "HNS_LOG_LEVEL": "warning",
                ])
            defer { kill(pid, SIGKILL) }
            #expect(try await eventually { (try? await TestHTTP.get("http://127.0.0.1:\(port)/healthz"))?.status == 200 })
            let body = #"{"id":"evt_sigterm","type":"payment_intent.succeeded","data":{"object":{"metadata":{"site":"backend"}}}}"#
            let header = StripeSignature.header(payload: Array(body.utf8), secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
            async let reply = TestHTTP.post("http://127.0.0.1:\(port)/webhook/stripe", headers: ["Stripe-Signature": header], json: body)
            #expect(try await eventually { slowBus.requests.count == 1 })
            kill(pid, SIGTERM)
            let answer = try await reply
            #expect(answer.status == 200)
            #expect(answer.json?["seq"] == .number(7))
            #expect(await ChildProcess.wait(pid, timeout: .seconds(15)) == 0)
        }
    }
}

extension DaemonProcessTests {
    /// With file polling effectively off, only SIGHUP can explain the new table taking effect.
    @Test func sighup_reloads_the_routing_table() async throws {
        let routes = NSTemporaryDirectory() + "routes-\(UUID().uuidString).yaml"
        try "routes: {backend: stripe.backend}\n".write(toFile: routes, atomically: true, encoding: .utf8)
        let port = try await ChildProcess.freePort()
        let pid = try ChildProcess.spawn(
            TestEnvironment.executable("hns-stripe-router"), ["serve"],
            environment: [
                "PATH": "/usr/bin:/bin", "HNS_STRIPE_WEBHOOK_SECRETS": "whsec_sighup_0123456789", "HNS_STRIPE_ROUTES": routes,
                "HNS_EVENTBUS_URL": "http://127.0.0.1:9", "HNS_EVENTBUS_TOKEN": "router-token-0123456789", "HNS_STRIPE_ROUTER_PORT": String(port),
                "HNS_STRIPE_ROUTES_POLL": "1h", "HNS_LOG_LEVEL": "warning",
            ])
        defer { kill(pid, SIGKILL) }
        let url = "http://127.0.0.1:\(port)/readyz"
        #expect(try await eventually { (try? await TestHTTP.get(url)) != nil })
        let version = { try await TestHTTP.get(url).json?["checks"]?["routing_table"]?["detail"]?["version"] }
        let before = try await version()
        try "routes: {backend: stripe.backend, drupal: stripe.drupal}\n".write(toFile: routes, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await version() == before)
        kill(pid, SIGHUP)
        #expect(try await eventually(timeout: .seconds(3)) { try await version() != before })
    }
}
