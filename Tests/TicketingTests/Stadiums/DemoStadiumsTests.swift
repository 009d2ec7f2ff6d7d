import Foundation
import Testing

@testable import Ticketing

@Suite struct DemoStadiumTemplateTests {
    @Test func demo_stadiums_are_valid() {
        for t in DemoStadiums.all {
            #expect(t.validate() == [], "\(t.code)")
        }
        #expect(DemoStadiums.all.map(\.code) == ["maksimir", "gradski-vrt"])
    }

    @Test func sizes_are_realistic() {
        #expect((30_000...36_000).contains(DemoStadiums.maksimir.seatCount), "\(DemoStadiums.maksimir.seatCount)")
        #expect((9_000...11_000).contains(DemoStadiums.gradskiVrt.seatCount), "\(DemoStadiums.gradskiVrt.seatCount)")
    }

    @Test func maksimir_has_four_stands_of_realistic_sectors() {
        let t = DemoStadiums.maksimir
        let numbered = t.sectors.filter { $0.kind == .numbered }
        let byStand = Dictionary(grouping: numbered, by: \.stand)
        #expect(Set(byStand.keys) == ["North", "South", "East", "West"])
        for (stand, sectors) in byStand {
            #expect((7...12).contains(sectors.count), "\(stand)")
        }
        for sector in numbered {
            #expect((15...30).contains(sector.rows.count), "\(sector.code)")
            for row in sector.rows {
                #expect((20...40).contains(row.seats.count), "\(sector.code) row \(row.label)")
                #expect(row.rowPriority == Int(row.label))
            }
        }
        let standing = t.sectors.filter { $0.kind == .standing }
        #expect(standing.count == 1)
        #expect(Set(t.sectors.map(\.priceCategory)) == ["CAT1", "CAT2", "CAT3", "CAT4"])
        // The best category is the centre of the main stand.
        #expect(t.sectors.filter { $0.priceCategory == "CAT1" }.allSatisfy { $0.stand == "West" })
        // Row lengths vary, some rows have an aisle, some seats are accessible or have a restricted view.
        #expect(Set(numbered.flatMap { $0.rows.map(\.seats.count) }).count > 5)
        let seats = numbered.flatMap { $0.rows.flatMap(\.seats) }
        #expect(seats.contains { $0.accessible })
        #expect(seats.contains { $0.restrictedView })
        #expect(seats.filter(\.restrictedView).count < seats.count / 100)
        let rowsWithAisle = numbered.flatMap(\.rows).filter { row in
            zip(row.seats, row.seats.dropFirst()).contains { $1.number - $0.number > 1 }
        }
        #expect(!rowsWithAisle.isEmpty)
        #expect(rowsWithAisle.count < numbered.flatMap(\.rows).count)
    }

    @Test func accessible_seats_are_in_front_rows() {
        for t in DemoStadiums.all {
            for sector in t.sectors {
                for row in sector.rows.dropFirst() { #expect(!row.seats.contains { $0.accessible }) }
            }
        }
    }

    @Test func snake_order_runs_left_to_right_then_back() {
        for t in DemoStadiums.all {
            for sector in t.sectors where sector.kind == .numbered {
                var expected = 1
                for (r, row) in sector.rows.enumerated() {
                    let ordered = r % 2 == 0 ? row.seats : row.seats.reversed()
                    #expect(ordered.map(\.snakeOrder) == Array(expected..<(expected + row.seats.count)), "\(sector.code) \(row.label)")
                    expected += row.seats.count
                    #expect(row.seats.map(\.number) == row.seats.map(\.number).sorted())
                }
            }
        }
    }

    @Test func sectors_of_different_stands_do_not_overlap() {
        for t in DemoStadiums.all {
            var boxes: [(stand: String, x: ClosedRange<Double>, y: ClosedRange<Double>)] = []
            for sector in t.sectors where sector.kind == .numbered {
                let seats = sector.rows.flatMap(\.seats)
                boxes.append((sector.stand, seats.map(\.x).min()!...seats.map(\.x).max()!, seats.map(\.y).min()!...seats.map(\.y).max()!))
            }
            for (i, a) in boxes.enumerated() {
                for b in boxes[(i + 1)...] {
                    #expect(!(a.x.overlaps(b.x) && a.y.overlaps(b.y)), "\(t.code): \(a.stand) / \(b.stand)")
                }
            }
        }
    }

    @Test func best_available_works_on_a_demo_sector() {
        let sector = DemoStadiums.maksimir.sectors.first { $0.code == "W5" }!
        var id: Int64 = 0
        let free = sector.rows.flatMap { row in
            row.seats.map { seat in
                id += 1
                return SeatCandidate(unitID: id, row: row.label, rowPriority: row.rowPriority, number: seat.number, snakeOrder: seat.snakeOrder)
            }
        }
        let picked = SeatSelection.best(quantity: 4, from: free)
        #expect(picked?.map(\.row) == ["1", "1", "1", "1"])
        #expect(picked?.map(\.number) == [1, 2, 3, 4])
    }

    @Test func generation_is_deterministic_and_fast() {
        let clock = ContinuousClock()
        let start = clock.now
        let a = DemoStadiums.build(
            code: "x", name: "x", city: "x",
            stands: [
                .init(
                    side: .west, name: "West", sectorName: "Zapad", prefix: "W", gates: ["G1"], sectors: 12, rows: 30,
                    baseSeats: 30, categories: .main)
            ])
        let elapsed = clock.now - start
        #expect(
            a
                == DemoStadiums.build(
                    code: "x", name: "x", city: "x",
                    stands: [
                        .init(
                            side: .west, name: "West", sectorName: "Zapad", prefix: "W", gates: ["G1"], sectors: 12, rows: 30,
                            baseSeats: 30, categories: .main)
                    ]))
        #expect(elapsed < .milliseconds(300))
    }
}
