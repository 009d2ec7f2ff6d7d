import HNSRedis
import HNSTestSupport
import Testing

@Suite struct RedisCommandsTests {
    /// The waiting-room shape: members scored by arrival, ranked, then admitted lowest first.
    @Test func sorted_set_workflow() async throws {
        let key = RedisTestServer.uniqueKeyPrefix() + "queue"
        try await RedisTestServer.withClient { redis in
            #expect(try await redis.zadd(key, [(30, "carol"), (10, "alice"), (20, "bob")]) == 3)
            // NX: alice keeps her place, only dave is new.
            #expect(try await redis.zadd(key, [(5, "alice"), (40, "dave")], nx: true) == 1)
            #expect(try await !redis.zadd(key, score: 1, member: "bob", nx: true))
            #expect(try await redis.zscore(key, "alice") == 10)
            #expect(try await redis.zscore(key, "nobody") == nil)
            #expect(try await redis.zrank(key, "bob") == 1)
            #expect(try await redis.zrank(key, "nobody") == nil)
            #expect(try await redis.zcard(key) == 4)
            #expect(try await redis.zrange(key) == ["alice", "bob", "carol", "dave"])
            let top = try await redis.zrangeWithScores(key, start: 0, stop: 1)
            #expect(top.map(\.member) == ["alice", "bob"])
            #expect(top.map(\.score) == [10, 20])
            #expect(try await redis.zrangeByScore(key, min: 15, max: .infinity) == ["bob", "carol", "dave"])
            #expect(try await redis.zrangeByScore(key, min: -.infinity, max: .infinity, limit: (1, 2)) == ["bob", "carol"])

            let admitted = try await redis.zpopmin(key, count: 2)
            #expect(admitted.map(\.member) == ["alice", "bob"])
            #expect(admitted.map(\.score) == [10, 20])
            #expect(try await redis.zrem(key, "carol", "nobody") == 1)
            #expect(try await redis.zrange(key) == ["dave"])
            #expect(try await redis.zrank(key, "dave") == 0)
        }
    }

    @Test func stream_consumer_group() async throws {
        let stream = RedisTestServer.uniqueKeyPrefix() + "orders"
        try await RedisTestServer.withClient { redis in
            #expect(try await redis.xgroupCreate(stream, group: "workers"))
            #expect(try await !redis.xgroupCreate(stream, group: "workers"))  // BUSYGROUP is not an error

            var ids: [String] = []
            for i in 1...3 {
                ids.append(try await redis.xadd(stream, [("order", "\(i)"), ("kind", "ticket")], maxLengthApprox: 1000))
            }
            let read = try await redis.xreadgroup(group: "workers", consumer: "w1", streams: [stream: ">"], count: 10)
            #expect(read[stream]?.map(\.id) == ids)
            #expect(read[stream]?.first?.fields == ["order": "1", "kind": "ticket"])

            var pending = try await redis.xpending(stream, group: "workers")
            #expect(pending.count == 3)
            #expect(pending.smallestID == ids[0] && pending.largestID == ids[2])
            #expect(pending.consumers == ["w1": 3])

            #expect(try await redis.xack(stream, group: "workers", ids: [ids[0], ids[1]]) == 2)
            pending = try await redis.xpending(stream, group: "workers")
            #expect(pending.count == 1)
            #expect(try await redis.xreadgroup(group: "workers", consumer: "w1", streams: [stream: ">"]).isEmpty)

            // A blocking read on its own connection wakes up when an entry arrives via the pool.
            let reader = Task {
                try await redis.withDedicatedConnection { connection in
                    try await connection.xreadgroup(
                        group: "workers", consumer: "w2", streams: [stream: ">"], count: 1, blockMs: 5000)
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            let late = try await redis.xadd(stream, [("order", "4")])
            let woken = try await within(.seconds(5), "the blocked XREADGROUP") { try await reader.value }
            #expect(woken[stream]?.map(\.id) == [late])
            #expect(woken[stream]?.first?.fields["order"] == "4")
        }
    }

    @Test func xautoclaim_reclaims_an_unacked_entry() async throws {
        let stream = RedisTestServer.uniqueKeyPrefix() + "jobs"
        try await RedisTestServer.withClient { redis in
            try await redis.xgroupCreate(stream, group: "g", id: "0")
            let id = try await redis.xadd(stream, [("job", "42")])
            // "dead" takes the entry and never acknowledges it.
            let taken = try await redis.xreadgroup(group: "g", consumer: "dead", streams: [stream: ">"], count: 1)
            #expect(taken[stream]?.map(\.id) == [id])
            try await Task.sleep(for: .milliseconds(60))

            let tooEarly = try await redis.xautoclaim(stream, group: "g", consumer: "alive", minIdleMs: 60_000)
            #expect(tooEarly.entries.isEmpty)

            let claimed = try await redis.xautoclaim(stream, group: "g", consumer: "alive", minIdleMs: 50, count: 10)
            #expect(claimed.entries.map(\.id) == [id])
            #expect(claimed.entries.first?.fields == ["job": "42"])
            #expect(claimed.nextStart == "0-0")
            #expect(claimed.deletedIDs.isEmpty)
            #expect(try await redis.xpending(stream, group: "g").consumers == ["alive": 1])

            #expect(try await redis.xack(stream, group: "g", ids: [id]) == 1)
            #expect(try await redis.xpending(stream, group: "g").count == 0)
        }
    }
}
