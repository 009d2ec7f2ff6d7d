import Foundation
import HNSCore
import Testing

@testable import Ticketing

@Suite struct StadiumTemplateTests {
    static let sample = """
        { "code": "maksimir", "name": "Stadion Maksimir", "city": "Zagreb",
          "sectors": [
            { "code": "N1", "name": "Sjever 1", "stand": "North", "gate": "G1", "price_category": "CAT2", "kind": "numbered",
              "rows": [ { "label": "1", "row_priority": 1,
                          "seats": [ { "label": "1", "number": 1, "x": 10.5, "y": 3.0, "snake_order": 1, "accessible": false, "restricted_view": false },
                                     { "label": "2", "number": 2, "x": 11.0, "y": 3.0, "snake_order": 2, "accessible": true, "restricted_view": true } ] } ] },
            { "code": "ST1", "name": "Stajanje", "stand": "South", "gate": "G4", "price_category": "CAT4", "kind": "standing", "capacity": 2000 }
          ] }
        """

    @Test func decodes_the_import_format() throws {
        let t = try JSONDecoder().decode(StadiumTemplate.self, from: Data(Self.sample.utf8))
        #expect(t.code == "maksimir")
        #expect(t.sectors.count == 2)
        #expect(t.sectors[0].priceCategory == "CAT2")
        #expect(t.sectors[0].kind == .numbered)
        #expect(t.sectors[0].capacity == nil)
        #expect(t.sectors[0].rows[0].rowPriority == 1)
        #expect(t.sectors[0].rows[0].seats[1] == .init(label: "2", number: 2, x: 11, y: 3, snakeOrder: 2, accessible: true, restrictedView: true))
        #expect(t.sectors[1].kind == .standing)
        #expect(t.sectors[1].capacity == 2000)
        #expect(t.sectors[1].rows.isEmpty)
        #expect(t.seatCount == 2002)
        #expect(t.sectors[0].seatCount == 2)
        #expect(t.sectors[1].seatCount == 2000)
        #expect(t.validate().isEmpty)
    }

    @Test func seat_flags_default_to_false() throws {
        let json = #"{"label": "7", "number": 7, "x": 0, "y": 0, "snake_order": 7}"#
        let seat = try JSONDecoder().decode(StadiumTemplate.Seat.self, from: Data(json.utf8))
        #expect(!seat.accessible && !seat.restrictedView)
    }

    @Test func refuses_an_unknown_kind() {
        let json = Self.sample.replacingOccurrences(of: "\"standing\"", with: "\"seated\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StadiumTemplate.self, from: Data(json.utf8)) }
    }

    @Test func round_trips_through_json_with_snake_case_keys() throws {
        let t = try JSONDecoder().decode(StadiumTemplate.self, from: Data(Self.sample.utf8))
        // The HTTP layer encodes with convertToSnakeCase; the explicit keys must survive it unchanged.
        let converting = JSONEncoder()
        converting.keyEncodingStrategy = .convertToSnakeCase
        for encoder in [JSONEncoder(), converting] {
            let data = try encoder.encode(t)
            #expect(try JSONDecoder().decode(StadiumTemplate.self, from: data) == t)
            let text = String(decoding: data, as: UTF8.self)
            for key in ["price_category", "row_priority", "snake_order", "restricted_view"] {
                #expect(text.contains("\"\(key)\""), "\(key)")
            }
            for key in ["priceCategory", "rowPriority", "snakeOrder", "restrictedView"] {
                #expect(!text.contains(key), "\(key)")
            }
            // Standing sectors are written without rows, numbered ones without capacity.
            let object = try JSONDecoder().decode(JSONValue.self, from: data)
            guard case .array(let sectors)? = object["sectors"] else {
                Issue.record("no sectors")
                continue
            }
            #expect(sectors[0]["capacity"] == nil)
            #expect(sectors[1]["rows"] == nil)
            #expect(sectors[1]["capacity"] == .number(2000))
        }
    }

    @Test func demo_stadiums_round_trip() throws {
        for t in DemoStadiums.all {
            let data = try JSONEncoder().encode(t)
            #expect(try JSONDecoder().decode(StadiumTemplate.self, from: data) == t)
        }
    }
}
