import HNSRedis
import HNSTestSupport
import Testing

/// Each test owns a private redis-server, because it stops and restarts it.
@Suite struct RedisRecoveryTests {
    @Test func recovers_after_the_redis_server_restarts() async throws {
        let server = try await RedisTestServer.start()
        try await RedisTestServer.withClient(url: server.url, poolSize: 2) { redis in
            try await redis.set("k", "before")
            let messages = try await redis.subscribe(channels: ["events"])
            #expect(try await redis.publish(channel: "events", message: "first") == 1)
            #expect(try await nextMessage(messages)?.string == "first")

            // A command in flight when the connection dies fails with a typed error.
            let inFlight = Task { try await redis.send("BLPOP", "never", 30) }
            let observer = try await RedisConnection.connect(configuration: RedisConfiguration(url: server.url))
            try await pollUntil("BLPOP to block") {
                try await observer.send("INFO", "clients").string?.contains("blocked_clients:1") == true
            }
            await observer.close()
            try await server.restart()
            let result = try await within(.seconds(5), "the in-flight BLPOP to fail") { await inFlight.result }
            #expect(throws: RedisError.connectionClosed) { try result.get() }

            // The next commands get fresh connections (persistence is off, so the data is gone).
            #expect(try await redis.get("k") == nil)
            try await redis.set("k", "after")
            #expect(try await redis.get("k") == "after")

            // The subscription came back by itself.
            try await pollUntil("the subscriber to resubscribe") {
                try await redis.publish(channel: "events", message: "again") >= 1
            }
            #expect(try await nextMessage(messages)?.string == "again")
        }
        await server.stop()
    }

    @Test func commands_wait_for_redis_within_the_connect_timeout() async throws {
        let server = try await RedisTestServer.start()
        try await RedisTestServer.withClient(url: server.url, poolSize: 1, connectTimeout: .seconds(1)) { redis in
            try await pollUntil("the first connection", within: .seconds(10)) { (try? await redis.set("k", "v")) != nil }
            await server.stop()
            // Down for longer than the timeout: a bounded, typed failure, not a hang. (A command
            // racing the close notification may instead see the old connection die under it.)
            let clock = ContinuousClock()
            let start = clock.now
            var error = await #expect(throws: RedisError.self) { try await redis.get("k") }
            if error == .connectionClosed {
                error = await #expect(throws: RedisError.self) { try await redis.get("k") }
            }
            #expect(clock.now - start < .seconds(6))
            if case .connectFailed = error {} else { Issue.record("expected connectFailed, got \(String(describing: error))") }

            try await server.restart()
            // Each attempt is bounded by the 1 s connect timeout; the client recovers on its own.
            try await pollUntil("the client to reconnect", within: .seconds(10)) {
                (try? await redis.send("PING")) == .simpleString("PONG")
            }
        }
        await server.stop()

        // A command issued while Redis is down, on a client that never connected, waits for it.
        try await RedisTestServer.withClient(url: server.url, poolSize: 1, connectTimeout: .seconds(10)) { redis in
            let waiting = Task { try await redis.set("k", "during restart") }
            try await Task.sleep(for: .milliseconds(300))
            try await server.restart()
            #expect(try await within(.seconds(10), "the waiting SET") { try await waiting.value })
            let value = try await redis.get("k")
            #expect(value == "during restart")
        }
        await server.stop()
    }
}
