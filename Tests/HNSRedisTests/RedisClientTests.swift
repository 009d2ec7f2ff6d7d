import HNSRedis
import HNSTestSupport
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// Against a real redis-server (`HNS_TEST_REDIS_URL`, or a private one); every test uses its own key prefix.
@Suite struct RedisClientTests {
    @Test func pipeline_of_1000_commands_replies_in_order() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "counter"
        try await RedisTestServer.withClient { redis in
            // INCR then GET, alternating: each reply depends on every command before it.
            let commands: [[RESPArg]] = (0..<1000).map { i in
                i.isMultiple(of: 2) ? ["INCR", RESPArg(key)] : ["GET", RESPArg(key)]
            }
            let replies = try await redis.pipeline(commands)
            #expect(replies.count == 1000)
            #expect(replies.enumerated().allSatisfy { i, reply in reply.int == i / 2 + 1 })
            #expect(replies.first == .integer(1))
            #expect(replies.last == .bulkString(.init(string: "500")))
        }
    }

    @Test func pipeline_keeps_error_replies_in_place() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "str"
        try await RedisTestServer.withClient { redis in
            let replies = try await redis.pipeline([
                ["SET", RESPArg(key), "1"], ["ZADD", RESPArg(key), "1", "m"], ["INCR", RESPArg(key)],
            ])
            #expect(replies[0] == .simpleString("OK"))
            #expect(throws: RedisError.self) { try replies[1].throwIfError() }
            #expect(replies[1].throwIfErrorCode == "WRONGTYPE")
            #expect(replies[2] == .integer(2))  // commands after a failing one still ran
        }
    }

    @Test func concurrent_sends_from_a_task_group_share_the_pool() async throws {
        let prefix = RedisTestServer.uniqueKeyPrefix()
        try await RedisTestServer.withClient(poolSize: 3) { redis in
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<500 {
                    group.addTask {
                        try await redis.set("\(prefix)k\(i)", "value-\(i)")
                        _ = try await redis.incr(prefix + "total")
                        return try await redis.get("\(prefix)k\(i)") == "value-\(i)" ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
            #expect(try await redis.get(prefix + "total") == "500")
        }
    }

    @Test func set_nx_px_semantics() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "lock"
        try await RedisTestServer.withClient { redis in
            // Long enough that a loaded CI machine cannot expire it before the checks below.
            #expect(try await redis.set(key, "first", px: 4_000, nx: true))
            #expect(try await !redis.set(key, "second", px: 4_000, nx: true))
            #expect(try await redis.get(key) == "first")
            let ttl = try #require(try await redis.send("PTTL", key).int)
            #expect((1...4_000).contains(ttl))
            try await pollUntil("the key to expire", within: .seconds(10)) { try await redis.exists(key) == 0 }
            #expect(try await redis.set(key, "third", nx: true))
            #expect(try await redis.get(key) == "third")
        }
    }

    @Test func keys_counters_and_hashes() async throws {
        let prefix = RedisTestServer.uniqueKeyPrefix()
        try await RedisTestServer.withClient { redis in
            let first = try await redis.incr(prefix + "n")
            #expect(first == 1)
            #expect(try await redis.incr(prefix + "n", by: 41) == 42)
            #expect(try await redis.get(prefix + "missing") == nil)
            #expect(try await redis.expire(prefix + "n", seconds: 100))
            #expect(try await !redis.pexpire(prefix + "missing", milliseconds: 100))
            #expect(try await redis.hset(prefix + "h", ["a": "1", "b": "2"]) == 2)
            #expect(try await redis.hset(prefix + "h", ["b": "3"]) == 0)
            #expect(try await redis.hget(prefix + "h", "b") == "3")
            #expect(try await redis.hget(prefix + "h", "zzz") == nil)
            #expect(try await redis.hgetall(prefix + "h") == ["a": "1", "b": "3"])
            #expect(try await redis.exists(prefix + "n", prefix + "h", prefix + "missing") == 2)
            #expect(try await redis.del(prefix + "n", prefix + "h") == 2)
            #expect(try await redis.exists(prefix + "n") == 0)
        }
    }

    @Test func wrongtype_is_a_typed_error_and_the_connection_survives() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "plain"
        try await RedisTestServer.withClient(poolSize: 1) { redis in
            try await redis.set(key, "text")
            let error = await #expect(throws: RedisError.self) {
                try await redis.zadd(key, score: 1, member: "m")
            }
            #expect(error?.serverCode == "WRONGTYPE")
            #expect(try await redis.get(key) == "text")
        }
    }

    @Test func bad_scripts_are_typed_errors() async throws {
        try await RedisTestServer.withClient { redis in
            let syntax = await #expect(throws: RedisError.self) { try await redis.eval("return +") }
            guard case .server("ERR", let message) = syntax else {
                Issue.record("expected ERR, got \(String(describing: syntax))")
                return
            }
            #expect(message.contains("compiling"))
            let runtime = await #expect(throws: RedisError.self) {
                try await redis.eval("return redis.call('NOSUCHCOMMAND')")
            }
            #expect(runtime?.serverCode == "ERR")
        }
    }

    @Test func script_falls_back_from_evalsha_to_eval_on_noscript() async throws {
        let prefix = RedisTestServer.uniqueKeyPrefix()
        // The prefix makes the source, hence the SHA1, unknown to the server.
        let script = RedisScript("return {KEYS[1], ARGV[1], '\(prefix)'}")
        try await RedisTestServer.withClient { redis in
            let missing = await #expect(throws: RedisError.self) {
                try await redis.evalsha(script.sha1, keys: [prefix + "k"], args: ["a"])
            }
            #expect(missing?.serverCode == "NOSCRIPT")

            let result = try await script.run(on: redis, keys: [prefix + "k"], args: ["a"])
            #expect(result.array?.compactMap(\.string) == [prefix + "k", "a", prefix])

            // EVAL cached the script under the digest we computed locally.
            let cached = try await redis.evalsha(script.sha1, keys: [prefix + "k2"], args: [7])
            #expect(cached.array?.compactMap(\.string) == [prefix + "k2", "7", prefix])
            #expect(try await redis.scriptLoad(script.source) == script.sha1)
        }
    }

    @Test func cancelling_a_dedicated_blocking_command_unblocks_it() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "list"
        try await RedisTestServer.withClient { redis in
            let blocked = Task {
                try await redis.withDedicatedConnection { connection in
                    try await connection.send("BLPOP", key, 20)
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            // The shared pool is not stalled by the blocked command.
            #expect(try await redis.send("PING") == .simpleString("PONG"))
            let clock = ContinuousClock()
            let start = clock.now
            blocked.cancel()
            let result = try await within(.seconds(5), "the cancelled BLPOP") { await blocked.result }
            #expect(throws: (any Error).self) { try result.get() }
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test func auth_and_select_from_the_url() async throws {
        let server = try await RedisTestServer.start(password: "s3cret")
        try await RedisTestServer.withClient(url: server.url + "/2") { redis in
            try await redis.set("k", "in db 2")
            let info = try await redis.send("CLIENT", "INFO").string
            #expect(info?.contains(" db=2 ") == true)
        }
        // A wrong password is a typed server error, reported at once rather than retried.
        let wrong = try RedisClient(url: "redis://:nope@127.0.0.1:\(server.port)", connectTimeout: .seconds(30))
        let error = await #expect(throws: RedisError.self) { try await wrong.get("k") }
        #expect(error?.serverCode == "WRONGPASS")
        await server.stop()
    }

    @Test func commands_work_before_run_and_fail_after_graceful_shutdown() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "k"
        let redis = try RedisClient(url: try await RedisTestServer.sharedURL())
        // Not running yet: connections open on demand.
        try await redis.set(key, "early")
        let messages = try await redis.subscribe(channels: [key])

        let group = ServiceGroup(services: [redis], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await redis.get(key) == "early")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Shutdown finished the subscription stream and refuses new commands.
        #expect(try await nextMessage(messages, "the stream to finish") == nil)
        await #expect(throws: RedisError.clientShutdown) { try await redis.get(key) }
    }
}

extension RESPValue {
    fileprivate var throwIfErrorCode: String? {
        do {
            try throwIfError()
            return nil
        } catch {
            return error.serverCode
        }
    }
}
