import Foundation
import HNSCore
import Testing

@testable import Ticketing

@Suite struct StadiumTemplateValidationTests {
    typealias T = StadiumTemplate

    /// A small valid ground: one numbered sector of two rows of three, one standing sector.
    static func valid() -> T {
        func row(_ r: Int) -> T.Row {
            T.Row(
                label: "\(r)", rowPriority: r,
                seats: (1...3).map {
                    T.Seat(label: "\($0)", number: $0, x: Double($0), y: Double(r), snakeOrder: r % 2 == 1 ? (r - 1) * 3 + $0 : r * 3 + 1 - $0)
                })
        }
        return T(
            code: "test-ground", name: "Test", city: "Split",
            sectors: [
                T.Sector(code: "A1", name: "Zapad A1", stand: "West", gate: "G1", priceCategory: "CAT1", kind: .numbered, rows: [row(1), row(2)]),
                T.Sector(code: "ST", name: "Stajanje", stand: "South", gate: "G2", priceCategory: "CAT4", kind: .standing, capacity: 500),
            ])
    }

    /// The fields reported for a template changed by `change`.
    func fields(_ change: (inout T) -> Void) -> [String] {
        var t = Self.valid()
        change(&t)
        return t.validate().map(\.field)
    }

    @Test func the_sample_is_valid() {
        #expect(Self.valid().validate() == [])
        #expect(Self.valid().seatCount == 506)
    }

    @Test(arguments: ["", "a", "Maksimir", "maksimir stadium", "maks_imir", "ž-stadion", String(repeating: "a", count: 41)])
    func refuses_bad_codes(code: String) {
        #expect(fields { $0.code = code } == ["code"])
    }

    @Test(arguments: ["ab", "gradski-vrt", "hnk-rijeka-2", String(repeating: "a", count: 40)])
    func accepts_slugs(code: String) {
        #expect(fields { $0.code = code } == [])
    }

    @Test func requires_names() {
        #expect(fields { $0.name = "" } == ["name"])
        #expect(fields { $0.city = "  " } == ["city"])
        #expect(fields { $0.sectors[0].name = "" } == ["sectors[0].name"])
        #expect(fields { $0.sectors[1].stand = "" } == ["sectors[1].stand"])
        #expect(fields { $0.sectors[1].gate = "" } == ["sectors[1].gate"])
        #expect(fields { $0.sectors = [] } == ["sectors"])
    }

    @Test func sector_codes_are_unique_and_well_formed() {
        #expect(fields { $0.sectors[1].code = "A1" } == ["sectors[1].code"])
        #expect(fields { $0.sectors[0].code = "a1" } == ["sectors[0].code"])
        #expect(fields { $0.sectors[0].code = "" } == ["sectors[0].code"])
        #expect(fields { $0.sectors[0].code = "ABCDEFGHIJKLM" } == ["sectors[0].code"])
        #expect(fields { $0.sectors[0].code = "N-12" } == [])
    }

    @Test func price_categories_are_well_formed() {
        #expect(fields { $0.sectors[0].priceCategory = "" } == ["sectors[0].price_category"])
        #expect(fields { $0.sectors[0].priceCategory = "cat1" } == ["sectors[0].price_category"])
        #expect(fields { $0.sectors[0].priceCategory = "CAT-1" } == ["sectors[0].price_category"])
        #expect(fields { $0.sectors[0].priceCategory = String(repeating: "A", count: 17) } == ["sectors[0].price_category"])
        #expect(fields { $0.sectors[0].priceCategory = "VIP_LOZA" } == [])
    }

    @Test func numbered_sectors_have_rows_and_no_capacity() {
        #expect(fields { $0.sectors[0].rows = [] } == ["sectors[0].rows"])
        #expect(fields { $0.sectors[0].capacity = 6 } == ["sectors[0].capacity"])
    }

    @Test func standing_sectors_have_a_capacity_and_no_rows() {
        #expect(fields { $0.sectors[1].capacity = nil } == ["sectors[1].capacity"])
        #expect(fields { $0.sectors[1].capacity = 0 } == ["sectors[1].capacity"])
        #expect(fields { $0.sectors[1].capacity = 100_001 } == ["sectors[1].capacity"])
        #expect(fields { $0.sectors[1].capacity = 100_000 } == [])
        #expect(fields { $0.sectors[1].rows = Self.valid().sectors[0].rows } == ["sectors[1].rows"])
    }

    @Test func rows_are_unique_and_ranked() {
        #expect(fields { $0.sectors[0].rows[1].label = "1" } == ["sectors[0].rows[1].label"])
        #expect(fields { $0.sectors[0].rows[1].label = "" } == ["sectors[0].rows[1].label"])
        #expect(fields { $0.sectors[0].rows[0].rowPriority = 0 } == ["sectors[0].rows[0].row_priority"])
        #expect(fields { $0.sectors[0].rows[0].seats = [] } == ["sectors[0].rows[0].seats"])
        // Equal priorities are allowed: two rows can be equally good.
        #expect(fields { $0.sectors[0].rows[1].rowPriority = 1 } == [])
    }

    @Test func seats_are_unique_in_their_row() {
        #expect(fields { $0.sectors[0].rows[0].seats[2].label = "1" } == ["sectors[0].rows[0].seats[2].label"])
        #expect(fields { $0.sectors[0].rows[0].seats[2].label = " " } == ["sectors[0].rows[0].seats[2].label"])
        #expect(fields { $0.sectors[0].rows[0].seats[2].number = 1 } == ["sectors[0].rows[0].seats[2].number"])
        #expect(fields { $0.sectors[0].rows[0].seats[0].number = 0 } == ["sectors[0].rows[0].seats[0].number"])
        // Same labels and numbers in another row are fine; a gap in numbers is an aisle.
        #expect(fields { $0.sectors[0].rows[0].seats[2].number = 9 } == [])
    }

    @Test func snake_order_is_unique_within_the_sector() {
        #expect(fields { $0.sectors[0].rows[1].seats[0].snakeOrder = 1 } == ["sectors[0].rows[1].seats[0].snake_order"])
        let errors = { () -> [Problem.FieldError] in
            var t = Self.valid()
            t.sectors[0].rows[1].seats[0].snakeOrder = 2
            return t.validate()
        }()
        #expect(errors.first?.message.contains("sectors[0].rows[0].seats[1]") == true)
    }

    @Test func snake_orders_may_repeat_across_sectors() {
        var t = Self.valid()
        var copy = t.sectors[0]
        copy.code = "A2"
        t.sectors.append(copy)
        #expect(t.validate() == [])
    }

    @Test func coordinates_are_finite() {
        #expect(fields { $0.sectors[0].rows[1].seats[2].x = .nan } == ["sectors[0].rows[1].seats[2].x"])
        #expect(fields { $0.sectors[0].rows[1].seats[2].y = -.infinity } == ["sectors[0].rows[1].seats[2].y"])
    }

    @Test func reports_every_problem_at_once() {
        let found = fields {
            $0.code = "X"
            $0.sectors[1].capacity = nil
            $0.sectors[0].rows[0].seats[0].x = .infinity
        }
        #expect(found == ["code", "sectors[0].rows[0].seats[0].x", "sectors[1].capacity"])
    }

    @Test func caps_the_error_list() {
        var t = Self.valid()
        let seats = (1...500).map { T.Seat(label: "", number: $0, x: 0, y: 0, snakeOrder: $0) }
        t.sectors[0].rows = [T.Row(label: "1", rowPriority: 1, seats: seats)]
        let errors = t.validate()
        #expect(errors.count == StadiumTemplate.maxValidationErrors)
        #expect(errors.count == 50)
    }
}
