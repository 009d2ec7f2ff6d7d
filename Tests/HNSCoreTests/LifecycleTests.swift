import Foundation
import HNSCore
import HNSPostgres
import HNSTestSupport
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@Suite(.serialized) struct LifecycleTests {
    @Test func readyz_follows_postgres_down_and_back() async throws {
        let server = try await PostgresTestServer.start()
        defer { Task { await server.destroy() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let postgres = PostgresClient(configuration: try PostgresURL.configuration(from: server.url), backgroundLogger: logger)
        let router = DaemonRouter.make(daemon: "test", context: BasicRequestContext.self)
        HealthRoutes.add(
            to: router, daemon: "test",
            checks: [
                ReadinessCheck(name: "postgres", timeout: .seconds(1)) { [logger] in
                    try await postgres.ping(logger: logger)
                    return nil
                }
            ])
        let port = try await ChildProcess.freePort()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: [postgres], logger: logger)
        try await withRunningService(app, port: port) {
            let url = "http://127.0.0.1:\(port)/readyz"
            #expect(try await TestHTTP.get(url).status == 200)
            await server.stopServer()
            let down = try await TestHTTP.get(url)
            #expect(down.status == 503)
            #expect(down.json?["checks"]?["postgres"]?["status"] == .string("down"))
            try await server.startServer()
            #expect(try await eventually(timeout: .seconds(20)) { try await TestHTTP.get(url).status == 200 })
        }
    }

    @Test func graceful_shutdown_lets_an_in_flight_request_finish() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let router = DaemonRouter.make(daemon: "test", context: BasicRequestContext.self)
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .milliseconds(800))
            return "done"
        }
        let port = try await ChildProcess.freePort()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Generous: the whole suite starts servers in parallel on two cores.
            let up = try await eventually(timeout: .seconds(60)) { (try? await TestHTTP.get("http://127.0.0.1:\(port)/nothing"))?.status == 404 }
            try #require(up, "the server did not start listening on \(port)")
            async let slow = TestHTTP.get("http://127.0.0.1:\(port)/slow")
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            let reply = try await slow
            #expect(reply.status == 200)
            #expect(reply.text == "done")
            try await tasks.waitForAll()
            // After the drain the port is closed: no new requests are taken.
            // (Bounded: a connection that is never answered counts as closed too.)
            #expect(await (try? TestHTTP.send("GET", "http://127.0.0.1:\(port)/healthz", timeout: .seconds(2))) == nil)
        }
    }
}
