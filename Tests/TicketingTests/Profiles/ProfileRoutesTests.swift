import Foundation
import HNSRedis
import HNSTestSupport
import PostgresNIO
import Testing

@testable import Ticketing

@Suite struct ProfileRoutesTests {
    static func body(oib: String? = "69435151530", nationality: String = "HR", passport: String? = nil, country: String? = nil) -> String {
        var fields = [
            #""first_name":"Luka""#, #""last_name":"Modrić""#, #""date_of_birth":"1985-09-09""#, #""nationality":"\#(nationality)""#,
            #""phone":"+385911234567""#,
        ]
        if let oib { fields.append(#""oib":"\#(oib)""#) }
        if let passport { fields.append(#""passport_number":"\#(passport)""#) }
        if let country { fields.append(#""passport_country":"\#(country)""#) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    @Test func a_valid_profile_is_stored_and_an_invalid_one_changes_nothing() async throws {
        try await TicketingHarness.with { h async throws -> Void in
            let me = try await TicketingHarness.token(user: "u-100")
            let bad = try await h.call("PUT", "/api/v1/me/profile", token: me, json: Self.body(oib: "69435151531"))
            #expect(bad.status == 422)
            #expect(bad.fields == ["oib"])
            #expect(try await h.call("GET", "/api/v1/me/profile", token: me).status == 404)

            let saved = try await h.call("PUT", "/api/v1/me/profile", token: me, json: Self.body())
            #expect(saved.status == 200)
            #expect(saved.object["oib"] as? String == "69435151530")
            #expect(saved.object["user_id"] as? String == "u-100")
            let read = try await h.call("GET", "/api/v1/me/profile", token: me)
            #expect(read.object["last_name"] as? String == "Modrić")

            // A Croatian citizen needs an OIB; a foreigner a passport in the format of its country.
            let noOIB = try await h.call("PUT", "/api/v1/me/profile", token: me, json: Self.body(oib: nil))
            #expect(noOIB.status == 422 && noOIB.fields.contains("oib"))
            let badPassport = try await h.call(
                "PUT", "/api/v1/me/profile", token: me,
                json: Self.body(oib: nil, nationality: "DE", passport: "12", country: "DE"))
            #expect(badPassport.fields == ["passport_number"])
            #expect(try await h.call("GET", "/api/v1/me/profile", token: me).object["oib"] as? String == "69435151530")

            // One OIB, one person.
            let other = try await TicketingHarness.token(user: "u-200")
            let taken = try await h.call("PUT", "/api/v1/me/profile", token: other, json: Self.body())
            #expect(taken.status == 409 && taken.fields == ["oib"])
        }
    }
}
