import Foundation
import HNSCore
import HNSRedis
import HNSTestSupport
import Testing

@testable import WaitingRoom

@Suite struct QueueHardeningTests {
    @Test func queues_exist_only_for_match_ids() async throws {
        try await QueueHarness.with { h in
            for id in ["abc", "-1", "0", "007", "99999999999999999999"] {
                let reply = try await h.putQueue(id, #"{"sale_starts_at":"2026-12-07T10:00:00Z","state":"scheduled"}"#)
                #expect(reply.status == 422, "\(id): \(reply.status)")
                #expect(reply.json?["errors"]?.arrayValue.first?["field"] == .string("matchId"))
                #expect(try await TestHTTP.get(h.url + "/v1/queues/\(id)/draw").status == 404)
            }
            #expect(try await h.redis.send(["SMEMBERS", RESPArg(h.prefix + "queues")]).array?.isEmpty != false)
            // Percent-encoded, a match id is the same id.
            #expect(try await h.putQueue("4%32", #"{"sale_starts_at":"2026-12-07T10:00:00Z","state":"scheduled"}"#).status == 201)
            #expect(try await TestHTTP.get(h.url + "/v1/queues/42/draw").status == 200)
        }
    }

    @Test func garbage_is_answered_400_and_garbage_and_trickling_connections_are_closed() async throws {
        try await QueueHarness.with(configure: { $0.http.idleTimeout = .seconds(1) }) { h in
            let port = Int(h.url.split(separator: ":").last!)!
            let outcome = try await SlowClients.run(port: port, probeURL: h.url + "/healthz", giveUpAfter: .seconds(15))
            #expect(outcome.garbageAnswer.hasPrefix("HTTP/1.1 400"), "\(outcome.garbageAnswer)")
            #expect(outcome.garbageAnswer.lowercased().contains("content-type: application/problem+json"), "\(outcome.garbageAnswer)")
            #expect(outcome.garbageAnswer.contains(#""type":"https://hns.hr/problems/bad-request""#), "\(outcome.garbageAnswer)")
            #expect(outcome.closed == outcome.total, "\(outcome.closed) of \(outcome.total) closed")
            #expect(outcome.elapsed < .seconds(6), "took \(outcome.elapsed)")
            #expect(outcome.probesOK == outcome.probes && outcome.probes > 0)
        }
    }

    @Test func a_method_a_path_does_not_have_is_405_with_allow() async throws {
        try await QueueHarness.with { h in
            let reply = try await TestHTTP.send("PATCH", h.url + "/v1/queues/42/join")
            #expect(reply.status == 405)
            #expect(reply.header("allow") == "DELETE, POST")
        }
    }

    @Test func the_openapi_document_matches_the_router_and_the_catalogue() async throws {
        try await QueueHarness.with { h in
            let served = try await TestHTTP.get(h.url + "/openapi.yaml")
            #expect(served.status == 200 && served.header("content-type") == "application/yaml")
            let differences = try OpenAPIParity.differences(served.text, routes: DaemonRouter.routes(of: "hns-queue"), catalogue: QueueProblems.all)
            #expect(differences.isEmpty, "\(differences)")
        }
    }
}
