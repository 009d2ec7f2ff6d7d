import Foundation
import HNSCore
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@testable import EventBus

@Suite struct PublishTests {
    @Test func publish_commits_and_returns_the_seq() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let first = try await bus.publish("order.created", #"{"order_id":"o-1"}"#)
            #expect(first.status == 202)
            #expect(first.json?["stream"] == .string("test_events"))
            #expect(first.json?["seq"] == .number(1))
            #expect(first.json?["duplicate"] == .bool(false))
            let second = try await bus.publish("order.created", #"{"order_id":"o-2"}"#)
            #expect(second.json?["seq"] == .number(2))
            // Stored byte for byte.
            let raw = try await bus.storedData(where: "seq = 1")
            #expect(raw == #"{"order_id":"o-1"}"#)
        }
    }

    @Test func a_duplicate_msg_id_is_stored_once_and_answers_the_original_seq() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            try await bus.publish("order.created", "{}", msgID: "other")
            let a = try await bus.publish("order.paid", #"{"n":1}"#, msgID: "evt_123")
            let b = try await bus.publish("order.paid", #"{"n":2}"#, msgID: "evt_123")
            #expect(a.json?["seq"] == .number(2))
            #expect(b.status == 202)
            #expect(b.json?["seq"] == .number(2))
            #expect(b.json?["duplicate"] == .bool(true))
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 2)
        }
    }

    @Test func a_batch_is_atomic_and_dedupes_inside_itself() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let headers = ["Authorization": "Bearer \(BusHarness.publisherToken)"]
            let good = try await TestHTTP.post(
                bus.baseURL + "/v1/publish", headers: headers,
                json: """
                    [{"subject":"order.a","msg_id":"x1","data":{"i":1}},{"subject":"order.b","msg_id":"x1","data":{"i":2}},{"subject":"ticket.c","data":[1,2]}]
                    """)
            #expect(good.status == 202)
            guard case .array(let acks)? = good.json?["acks"] else {
                Issue.record("no acks")
                return
            }
            #expect(acks.map { $0["seq"] } == [.number(1), .number(1), .number(2)])
            #expect(acks.map { $0["duplicate"] } == [.bool(false), .bool(true), .bool(false)])
            let bad = try await TestHTTP.post(
                bus.baseURL + "/v1/publish", headers: headers,
                json: """
                    [{"subject":"order.ok","data":{}},{"subject":"nowhere.else","data":{}}]
                    """)
            #expect(bad.status == 400)
            #expect(bad.text.contains("[1].subject"))
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 2)

            // Each item's data is stored exactly as sent: key order, spacing, number format.
            let exact = #"{"z": 1, "a": [1.50, "x,}\"]"], "big": 12345678901234567890}"#
            let raw = try await TestHTTP.post(bus.baseURL + "/v1/publish", headers: headers, json: #"[{"subject":"order.raw","data": \#(exact) }]"#)
            #expect(raw.status == 202)
            let stored = try await bus.storedData(where: "subject = 'order.raw'")
            #expect(stored == exact)
        }
    }

    /// A batch is read strictly in one pass: each fault named, nothing stored.
    @Test func a_malformed_batch_names_its_fault() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let headers = ["Authorization": "Bearer \(BusHarness.publisherToken)"]
            for (body, field) in [
                (#"{"subject":"order.a","data":{}}"#, "batch body must be a JSON array"),
                (#"[{"subject":"order.a","data":{}}, 7]"#, "[1]"),
                (#"[{"subject":"order.a"}]"#, "[0].data"),
                (#"[{"subject":5,"data":{}}]"#, "[0].subject"),
                (#"[{"subject":"order.a","data":{}"#, "batch body must be a JSON array"),
                ("[]", "1 to 1000"),
                // Strict JSON everywhere, data included.
                (#"[{"subject":"order.a","data":{"n":1.2.3}}]"#, "batch body must be a JSON array"),
                (#"[{"subject":"order.a","data":{"s":"\q"}}]"#, "batch body must be a JSON array"),
                (#"[{"subject":"order.a","data":[01]}]"#, "batch body must be a JSON array"),
                ("[{\"subject\":\"order.a\",\"data\":\"a\nb\"}]", "batch body must be a JSON array"),
                (#"[{"subject":"order.a","data":{}}] x"#, "batch body must be a JSON array"),
            ] {
                let reply = try await TestHTTP.post(bus.baseURL + "/v1/publish", headers: headers, json: body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.text.contains(field), "\(body): \(reply.text)")
            }
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 0)
            // A msg_id that is not a string is refused; a null data is stored as null.
            let numbered = try await TestHTTP.post(
                bus.baseURL + "/v1/publish", headers: headers, json: #"[{"subject":"order.n","msg_id":12,"data":null}]"#)
            #expect(numbered.status == 400 && numbered.text.contains("[0].msg_id"))
            let odd = try await TestHTTP.post(bus.baseURL + "/v1/publish", headers: headers, json: #"[{"subject":"order.n","data":null}]"#)
            #expect(odd.status == 202)
            #expect(try await bus.storedData(where: "subject = 'order.n'") == "null")
        }
    }

    @Test func tokens_are_checked_and_scoped() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let none = try await TestHTTP.post(bus.baseURL + "/v1/publish/order.x", json: "{}")
            #expect(none.status == 401)
            #expect(none.header("content-type") == "application/problem+json")
            #expect(try await bus.publish("order.x", "{}", token: "not-a-real-token-at-all").status == 401)
            let forbidden = try await bus.publish("stripe.drupal", "{}")
            #expect(forbidden.status == 403)
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 0)
        }
    }

    @Test func bad_subjects_bodies_and_sizes_are_refused() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            #expect(try await bus.publish("queue.joined", "{}").status == 400)  // not in this stream
            #expect(try await bus.publish("order.*", "{}").status == 400)  // wildcard
            #expect(try await bus.publish("order.x", "{nope").status == 400)
            let big = "{\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}"
            #expect(try await bus.publish("order.x", big).status == 413)
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 0)
        }
    }

    /// With concurrent publishers a plain sequence becomes visible out of order and a cursor reader
    /// skips messages. The stream-row lock makes the log gap-free in visibility order: a reader that
    /// only ever moves its cursor forward sees every message.
    @Test func sequence_is_gap_free_for_a_cursor_reader_while_publishers_race() async throws {
        let db = try await TestDatabase.create(migrating: ["eventbus"])
        defer { Task { await db.drop() } }
        try await BusHarness.with(db: db) { busA, _ in
            // A second instance on the same database: numbering must hold across instances too.
            try await BusHarness.with(db: db) { busB, _ in
                let publishers = 24
                let each = 25
                let seen = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    group.addTask {
                        // The reader: a cursor that only moves forward, as delivery does.
                        try await db.withClient { client in
                            var cursor: Int64 = 0
                            var seen: [Int64] = []
                            let deadline = ContinuousClock.now + .seconds(60)
                            while seen.count < publishers * each, ContinuousClock.now < deadline {
                                let rows = try await client.query(
                                    "SELECT seq FROM eventbus.messages WHERE seq > \(cursor) ORDER BY seq", logger: BusHarness.logger())
                                for try await seq in rows.decode(Int64.self) {
                                    seen.append(seq)
                                    cursor = seq
                                }
                            }
                            return seen
                        }
                    }
                    for p in 0..<publishers {
                        group.addTask {
                            let bus = p % 2 == 0 ? busA : busB
                            for i in 0..<each { try await bus.publish("order.race", #"{"p":\#(p),"i":\#(i)}"#, msgID: "race-\(p)-\(i)") }
                            return []
                        }
                    }
                    var all: [Int64] = []
                    for try await part in group { all += part }
                    return all
                }
                #expect(seen == Array(1...Int64(publishers * each)))
            }
        }
    }
}

extension PublishTests {
    @Test func the_openapi_document_matches_the_router_and_the_catalogue() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            let served = try await TestHTTP.get(bus.baseURL + "/openapi.yaml")
            #expect(served.status == 200)
            let differences = try OpenAPIParity.differences(served.text, routes: DaemonRouter.routes(of: "hns-eventbus"), catalogue: BusProblems.all)
            #expect(differences.isEmpty, "\(differences)")
            let patch = try await TestHTTP.send("PATCH", bus.baseURL + "/v1/publish")
            #expect(patch.status == 405 && patch.header("allow") == "POST")
        }
    }
}

extension PublishTests {
    @Test func ids_and_subjects_with_control_characters_are_refused() async throws {
        try await BusHarness.with { bus, _ async throws -> Void in
            for id in ["a\u{9B}", "aé", "a b", String(repeating: "x", count: 257)] {
                let reply = try await bus.publish("order.n", "{}", msgID: id)
                #expect(reply.status == 400, "\(id.unicodeScalars.map(\.value)): \(reply.text)")
            }
            #expect(try await bus.publish("order.n", "{}", msgID: "ok-" + String(repeating: "x", count: 253)).status == 202)
            #expect(try await bus.publish("order.%C2%85", "{}").status == 400)
            #expect(try await bus.publish("order.č", "{}").status == 202)
            #expect(try await bus.count("SELECT count(*)::int FROM eventbus.messages") == 2)
        }
    }
}
