import AsyncHTTPClient
import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

/// The relay against a stand-in bus on loopback that speaks the publish API (docs/contracts.md).
@Suite struct OutboxRelayTests {
    static let ack = #"{"stream":"hns_ticketing_events","seq":1,"duplicate":false}"#

    /// A bus that refuses any message whose subject is `bad.subject` (alone, or in a batch).
    static func refusingBus(_ request: LocalHTTPServer.Recorded) async -> (status: Int, body: String) {
        if request.path == "/v1/publish" {
            if request.text.contains("\"bad.subject\"") { return (400, #"{"title":"unknown subject"}"#) }
            let count = request.text.components(separatedBy: "\"subject\"").count - 1
            return (200, #"{"acks":["# + Array(repeating: Self.ack, count: count).joined(separator: ",") + "]}")
        }
        return request.path.hasSuffix("/bad.subject") ? (400, #"{"title":"unknown subject"}"#) : (202, Self.ack)
    }

    static func write(_ subjects: [String], client: PostgresClient) async throws -> [String] {
        let ids = subjects.map { "\($0):\(UUID().uuidString.lowercased())" }
        try await client.withTransaction(logger: TicketingHarness.logger) { connection in
            try await Outbox.write(
                zip(subjects, ids).map { Outbox.Message(subject: $0, msgID: $1, payload: .object(["n": .number(1)])) },
                on: connection, logger: TicketingHarness.logger)
        }
        return ids
    }

    static func relay(_ client: PostgresClient, redis: RedisClient, bus: String) -> OutboxRelay {
        OutboxRelay(
            postgres: client, redis: redis,
            publisher: BusPublisher(baseURL: bus, token: Secret("t"), client: .shared, timeout: .seconds(5), attempts: 1),
            logger: TicketingHarness.logger)
    }

    /// A database of its own, Redis and a stand-in bus answering with `handler`, for one test.
    static func withRelay(
        bus handler: @escaping LocalHTTPServer.Handler, _ body: @Sendable (PostgresClient, RedisClient, LocalHTTPServer) async throws -> Void
    ) async throws {
        let db = try await TestDatabase.create(migrating: ["ticketing"])
        try await LocalHTTPServer.with(handler: handler) { bus in
            try await db.withClient { client in
                try await RedisTestServer.withClient { redis in try await body(client, redis, bus) }
            }
        }
        await db.drop()
    }

    @Test func a_message_the_bus_refuses_is_parked_and_the_others_go() async throws {
        try await Self.withRelay(bus: Self.refusingBus) { client, redis, bus in
            // given
            let ids = try await Self.write(["order.created", "bad.subject", "order.completed"], client: client)
            // when
            let moved = try await Self.relay(client, redis: redis, bus: bus.baseURL).publishBatch()
            // then
            #expect(moved == 3)
            let rows = try await client.query(
                "SELECT msg_id, published_at IS NOT NULL, parked_at IS NOT NULL, coalesce(last_error, '') FROM outbox.messages ORDER BY id",
                logger: TicketingHarness.logger)
            var state: [String: (Bool, Bool, String)] = [:]
            for try await (id, published, parked, error) in rows.decode((String, Bool, Bool, String).self) {
                state[id] = (published, parked, error)
            }
            #expect(state[ids[0]]?.0 == true && state[ids[2]]?.0 == true)
            #expect(state[ids[1]]?.0 == false && state[ids[1]]?.1 == true)
            #expect(state[ids[1]]?.2.contains("400") == true)
            // A parked message is not tried again.
            #expect(try await Self.relay(client, redis: redis, bus: bus.baseURL).publishBatch() == 0)
        }
    }

    @Test func no_row_stays_locked_while_the_bus_is_called_and_a_failure_gives_the_batch_back() async throws {
        let release = AsyncStream<Void>.makeStream()
        try await Self.withRelay(bus: { _ in
            // The bus hangs until the test has looked at the row, then fails.
            for await _ in release.stream { break }
            return (503, #"{"title":"unavailable"}"#)
        }) { client, redis, bus in
            let ids = try await Self.write(["order.created"], client: client)
            let relay = Self.relay(client, redis: redis, bus: bus.baseURL)
            let attempt = Task { try await relay.publishBatch() }
            #expect(try await eventually(timeout: .seconds(10)) { bus.requests.count == 1 })
            // While the publish is in flight, the row can be locked at once by anyone else.
            try await client.withTransaction(logger: TicketingHarness.logger) { connection in
                let locked = try await connection.query(
                    "SELECT msg_id FROM outbox.messages WHERE msg_id = \(ids[0]) FOR UPDATE NOWAIT", logger: TicketingHarness.logger)
                var seen: [String] = []
                for try await id in locked.decode(String.self) { seen.append(id) }
                #expect(seen == ids)
            }
            release.continuation.yield()
            await #expect(throws: BusPublisher.Failure.self) { _ = try await attempt.value }
            // The attempt is counted and the row stays pending, so the next round retries it.
            let rows = try await client.query(
                "SELECT attempts, published_at IS NULL FROM outbox.messages WHERE msg_id = \(ids[0])", logger: TicketingHarness.logger)
            for try await (attempts, pending) in rows.decode((Int, Bool).self) {
                #expect(attempts == 1 && pending)
            }
        }
    }
}

extension OutboxRelayTests {
    @Test func a_refused_token_is_waited_out_not_parked() async throws {
        try await Self.withRelay(bus: { _ in (401, #"{"title":"unauthorized"}"#) }) { client, redis, bus in
            // given a bus that does not take our token (rotated on one side only)
            let ids = try await Self.write(["order.created", "order.completed"], client: client)
            // when the relay publishes, then it fails like an outage: nothing is parked, the rows stay pending
            await #expect(throws: BusPublisher.Failure.self) {
                _ = try await Self.relay(client, redis: redis, bus: bus.baseURL).publishBatch()
            }
            let rows = try await client.query(
                "SELECT count(*)::int FROM outbox.messages WHERE parked_at IS NULL AND published_at IS NULL AND attempts = 1 AND msg_id = ANY(\(ids))",
                logger: TicketingHarness.logger)
            for try await n in rows.decode(Int.self) { #expect(n == 2) }
        }
    }
}

extension OutboxRelayTests {
    @Test func notification_jobs_keep_flowing_while_the_bus_is_down() async throws {
        try await Self.withRelay(bus: { _ in (503, #"{"title":"unavailable"}"#) }) { client, redis, bus in
            // given a job row (order.completed goes to the notification workers too) and a bus that is down
            let msgID = "order.completed:\(UUID().uuidString.lowercased())"
            try await client.withTransaction(logger: TicketingHarness.logger) { connection in
                try await Outbox.write(
                    [Outbox.Message(subject: "order.completed", msgID: msgID, payload: .object(["n": .number(1)]), job: true)],
                    on: connection, logger: TicketingHarness.logger)
            }
            // when the relay runs
            let relay = Self.relay(client, redis: redis, bus: bus.baseURL)
            let running = Task { try await relay.run() }
            defer { running.cancel() }
            // then the job reaches the stream although every publish fails
            let queued = try await eventually(timeout: .seconds(10)) {
                let entries = try await redis.send("XRANGE", OutboxRelay.jobsStream, "-", "+")
                return (entries.array ?? []).contains { $0.array?.last?.array?.contains { $0.string == msgID } == true }
            }
            #expect(queued)
            #expect(bus.requests.count >= 1)
            let published = try await client.query(
                "SELECT published_at IS NULL, job_queued_at IS NOT NULL FROM outbox.messages WHERE msg_id = \(msgID)",
                logger: TicketingHarness.logger)
            for try await (pending, queuedAt) in published.decode((Bool, Bool).self) { #expect(pending && queuedAt) }
        }
    }
}

extension OutboxRelayTests {
    @Test func one_instance_relays_a_target_until_its_lease_runs_out() async throws {
        try await Self.withRelay(bus: Self.refusingBus) { client, redis, bus in
            // given two instances' relays
            var first = Self.relay(client, redis: redis, bus: bus.baseURL)
            first.owner = "first"
            var second = Self.relay(client, redis: redis, bus: bus.baseURL)
            second.owner = "second"
            _ = try await Self.write(["order.created", "order.completed"], client: client)
            // when the first one takes the bus's lease, then it alone publishes
            #expect(try await first.publishBatch() == 2)
            _ = try await Self.write(["order.created"], client: client)
            #expect(try await second.publishBatch() == 0)
            #expect(bus.requests.count == 1)
            // when its lease runs out (the first instance died), then the second one takes over
            try await client.query("UPDATE outbox.relays SET leased_until = now() - interval '1 second'", logger: TicketingHarness.logger)
            #expect(try await second.publishBatch() == 1)
            #expect(try await first.publishBatch() == 0)
            let pending = try await client.query(
                "SELECT count(*)::int FROM outbox.messages WHERE published_at IS NULL", logger: TicketingHarness.logger)
            for try await n in pending.decode(Int.self) { #expect(n == 0) }
        }
    }
}
