import HNSRedis
import HNSTestSupport
import Testing

@Suite struct RedisPubSubTests {
    @Test func subscribe_and_psubscribe_receive_published_messages() async throws {
        let prefix = RedisTestServer.uniqueKeyPrefix()
        try await RedisTestServer.withClient { redis in
            let messages = try await redis.subscribe(channels: [prefix + "news"])
            let patterned = try await redis.psubscribe(patterns: [prefix + "orders.*"])

            // Binary safe: CRLF and non-ASCII survive.
            #expect(try await redis.publish(channel: prefix + "news", message: "héllo\r\nwörld 😀") == 1)
            let message = try #require(try await nextMessage(messages))
            #expect(message.channel == prefix + "news")
            #expect(message.pattern == nil)
            #expect(message.string == "héllo\r\nwörld 😀")

            #expect(try await redis.publish(channel: prefix + "orders.42", message: "paid") == 1)
            let matched = try #require(try await nextMessage(patterned))
            #expect(matched.channel == prefix + "orders.42")
            #expect(matched.pattern == prefix + "orders.*")
            #expect(matched.string == "paid")
        }
    }

    @Test func ending_the_iteration_unsubscribes() async throws {
        let channel = RedisTestServer.uniqueKeyPrefix() + "chan"
        try await RedisTestServer.withClient { redis in
            let messages = try await redis.subscribe(channels: [channel])
            let consumer = Task {
                for try await _ in messages {}
            }
            #expect(try await redis.publish(channel: channel, message: "one") == 1)
            consumer.cancel()
            try await pollUntil("the subscriber to leave") {
                try await redis.publish(channel: channel, message: "anyone?") == 0
            }
        }
    }
}
