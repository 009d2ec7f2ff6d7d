import Foundation
import HNSCore
import HNSTestSupport
import Testing
import WaitingRoom

@Suite struct OperatorAPITests {
    @Test func only_the_service_token_or_an_admin_with_mfa_may_configure() async throws {
        try await QueueHarness.with { h in
            let body =
                #"{"sale_starts_at":"2030-01-01T18:00:00Z","admission_per_minute":100,"max_active_windows":10,"window_minutes":20,"state":"scheduled"}"#
            // no token, a fan, an admin without MFA
            #expect(try await h.putQueue("7001", body, auth: "").status == 401)
            let fan = try await QueueHarness.userToken("7")
            #expect(try await h.putQueue("7001", body, auth: "Bearer \(fan)").status == 403)
            let noMFA = try await QueueHarness.userToken("8", roles: ["admin"])
            #expect(try await h.putQueue("7001", body, auth: "Bearer \(noMFA)").status == 403)
            // an admin with MFA creates, the service token updates
            let admin = try await QueueHarness.userToken("9", roles: ["admin"], amr: ["pwd", "mfa"])
            let created = try await h.putQueue("7001", body, auth: "Bearer \(admin)")
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json?["state"] == .string("scheduled"))
            #expect(created.json?["seed_hash"]?.stringValue?.count == 64)
            #expect(created.json?["seed"] == .null)
            let updated = try await h.putQueue("7001", #"{"state":"pre_queue","admission_per_minute":50}"#)
            #expect(updated.status == 200)
            #expect(updated.json?["state"] == .string("pre_queue"))
            #expect(updated.json?["admission_per_minute"]?.intValue == 50)
            #expect(updated.json?["window_minutes"]?.intValue == 20)
            // the seed hash is committed when the pre-queue opens
            let opened = try await h.events(type: "queue.prequeue_opened", match: "7001")
            #expect(opened.count == 1)
            #expect(opened.first?["seed_hash"] == created.json?["seed_hash"]?.stringValue)
        }
    }

    @Test func invalid_settings_are_named_field_by_field() async throws {
        try await QueueHarness.with { h in
            let reply = try await h.putQueue("7008", #"{"admission_per_minute":0,"state":"running","window_minutes":-1}"#)
            #expect(reply.status == 422)
            #expect(reply.header("content-type") == "application/problem+json")
            let fields = Set((reply.json?["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
            #expect(fields == ["sale_starts_at", "admission_per_minute", "state", "window_minutes"])
            let typed = try await h.putQueue("7008", #"{"admission_per_minute":"many"}"#)
            #expect(typed.status == 422)
        }
    }
}
