import Foundation
import Testing

@testable import Ticketing

/// A sector drawn as text: one string per row, front row first. `X` free, `.` taken or blocked,
/// `|` an aisle (a skipped number). Snake order runs row 1 left→right, row 2 right→left, …
private struct Sector {
    var all: [SeatCandidate] = []
    var free: [SeatCandidate] = []

    init(_ rows: [String], priorities: [Int]? = nil) {
        var snake = 0
        for (r, line) in rows.enumerated() {
            var seats: [(number: Int, free: Bool)] = []
            for (i, ch) in line.enumerated() where ch != "|" { seats.append((i + 1, ch == "X")) }
            if r % 2 == 1 { seats.reverse() }
            for seat in seats {
                snake += 1
                let candidate = SeatCandidate(
                    unitID: Int64((r + 1) * 1000 + seat.number), row: "\(r + 1)",
                    rowPriority: priorities?[r] ?? r + 1, number: seat.number, snakeOrder: snake)
                all.append(candidate)
                if seat.free { free.append(candidate) }
            }
        }
    }
}

private func describe(_ seats: [SeatCandidate]?) -> String {
    guard let seats else { return "nil" }
    return seats.map { "\($0.row)-\($0.number)" }.joined(separator: " ")
}

/// Free seats after removing a pick.
private func remove(_ picked: [SeatCandidate], from free: [SeatCandidate]) -> [SeatCandidate] {
    let ids = Set(picked.map(\.unitID))
    return free.filter { !ids.contains($0.unitID) }
}

/// SplitMix64: a tiny seeded generator so the randomized tests are reproducible.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct SeatSelectionTests {
    // MARK: - Rule 1: together in one row

    @Test(arguments: 1...8)
    func group_in_an_empty_sector_sits_together_at_the_start_of_the_front_row(quantity: Int) {
        let sector = Sector(Array(repeating: "XXXXXXXXXX", count: 3))
        let picked = SeatSelection.best(quantity: quantity, from: sector.free)
        #expect(describe(picked) == (1...quantity).map { "1-\($0)" }.joined(separator: " "))
    }

    @Test func snake_direction_decides_the_end_of_a_row() {
        // Row 1 is full, so row 2 is used; it is filled right to left.
        let sector = Sector(["..........", "XXXXXXXXXX"])
        #expect(describe(SeatSelection.best(quantity: 3, from: sector.free)) == "2-8 2-9 2-10")
    }

    @Test func a_gap_in_numbers_separates_seats() {
        // Aisle after seat 4: no run of 5 in row 1, so row 2 is used although it is a worse row.
        let sector = Sector(["XXXX|XXXX", "XXXXXXXXXX"])
        #expect(describe(SeatSelection.best(quantity: 5, from: sector.free)) == "2-6 2-7 2-8 2-9 2-10")
        // A group of 4 fits one side of the aisle exactly.
        #expect(describe(SeatSelection.best(quantity: 4, from: sector.free)) == "1-1 1-2 1-3 1-4")
    }

    @Test func taken_seats_split_runs() {
        let sector = Sector(["XX.XXXXXX"])
        #expect(describe(SeatSelection.best(quantity: 3, from: sector.free)) == "1-4 1-5 1-6")
        #expect(describe(SeatSelection.best(quantity: 2, from: sector.free)) == "1-1 1-2")
    }

    @Test func blocked_seats_are_never_picked() {
        var sector = Sector(["XXXXXXXX"])
        sector.free.removeAll { $0.number == 1 || $0.number == 5 }  // blocked for the press and a camera
        let picked = SeatSelection.best(quantity: 3, from: sector.free)
        #expect(describe(picked) == "1-2 1-3 1-4")
    }

    @Test func better_row_priority_wins_over_label_order() {
        // Row "2" is marked better than row "1".
        let sector = Sector(["XXXXXXXX", "XXXXXXXX"], priorities: [5, 1])
        #expect(SeatSelection.best(quantity: 2, from: sector.free)?.allSatisfy { $0.row == "2" } == true)
    }

    @Test func centre_breaks_ties_when_snake_order_is_equal() {
        let seats = (1...10).map { SeatCandidate(unitID: Int64($0), row: "A", rowPriority: 1, number: $0, snakeOrder: 0) }
        #expect(SeatSelection.best(quantity: 2, from: seats)?.map(\.number) == [5, 6])
    }

    // MARK: - Orphan avoidance

    @Test func does_not_leave_one_seat_when_another_row_fits_cleanly() {
        let sector = Sector(["XXXXX.....", "XXXXXXXXXX"])
        let picked = SeatSelection.best(quantity: 4, from: sector.free)
        #expect(describe(picked) == "2-7 2-8 2-9 2-10")
        #expect(SeatSelection.orphanCount(in: remove(picked!, from: sector.free)) == 0)
    }

    @Test func three_from_a_run_of_four_is_avoided_when_possible() {
        let sector = Sector(["XXXX......", "XXXXXX....", "XXXXXXXXXX"])
        // Row 2 holds 6: taking 3 from an end leaves 3, no orphan.
        #expect(describe(SeatSelection.best(quantity: 3, from: sector.free)) == "2-4 2-5 2-6")
    }

    @Test func unavoidable_orphan_still_takes_the_best_row_together() {
        let sector = Sector(["XXXX......", ".....XXXX."])
        let picked = SeatSelection.best(quantity: 3, from: sector.free)!
        #expect(Set(picked.map(\.row)) == ["1"])
        #expect(SeatSelection.orphanCount(in: remove(picked, from: sector.free)) == 1)
    }

    @Test func a_pair_is_not_split_off_a_run_of_three_when_a_run_of_two_exists() {
        let sector = Sector(["XXX.XX...."])
        #expect(describe(SeatSelection.best(quantity: 2, from: sector.free)) == "1-5 1-6")
    }

    @Test func a_single_buyer_does_not_break_a_pair() {
        // Row 1 has only a pair: taking one would orphan the other, so the end of row 2 is used.
        let sector = Sector(["XX........", "XXXXXXXXXX"])
        #expect(describe(SeatSelection.best(quantity: 1, from: sector.free)) == "2-10")
    }

    @Test func a_single_buyer_may_take_an_existing_orphan() {
        let sector = Sector(["X.........", "XXXXXXXXXX"])
        #expect(describe(SeatSelection.best(quantity: 1, from: sector.free)) == "1-1")
    }

    @Test func never_picks_from_the_middle_when_that_would_orphan_an_end() {
        // Runs of 6 and 7; a group of 5 from the run of 7 can leave 2 at one end.
        let sector = Sector(["XXXXXX.XXXXXXX"])
        let picked = SeatSelection.best(quantity: 5, from: sector.free)!
        #expect(SeatSelection.orphanCount(in: remove(picked, from: sector.free)) == 0)
        #expect(picked.map(\.number) == [8, 9, 10, 11, 12])
    }

    // MARK: - Rule 2: snake order across rows

    @Test func falls_back_to_snake_order_when_no_row_fits() {
        let sector = Sector(["XX....", "....XX", "XX...."])
        let picked = SeatSelection.best(quantity: 4, from: sector.free)
        #expect(describe(picked) == "1-1 1-2 2-6 2-5")
    }

    @Test func snake_fallback_avoids_orphans_when_another_window_exists() {
        // Runs of 3, 3 and 2 in rows 1–3; 5 seats: rows 1+2 would orphan a seat, rows 2+3 leave row 1 whole.
        let sector = Sector(["XXX...", "...XXX", "XX...."])
        let picked = SeatSelection.best(quantity: 5, from: sector.free)!
        #expect(Set(picked.map(\.row)) == ["2", "3"])
        #expect(SeatSelection.orphanCount(in: remove(picked, from: sector.free)) == 0)
        #expect(picked.map(\.snakeOrder) == picked.map(\.snakeOrder).sorted())
    }

    @Test func snake_fallback_takes_the_whole_sector_when_asked() {
        let sector = Sector(["X.X.X", ".X.X.", "X.X.X"])
        let picked = SeatSelection.best(quantity: sector.free.count, from: sector.free)
        #expect(picked?.count == sector.free.count)
        #expect(Set(picked!) == Set(sector.free))
    }

    // MARK: - Edge cases

    @Test func nil_when_not_enough_seats_are_free() {
        let sector = Sector(["XX..X", "....X"])
        #expect(SeatSelection.best(quantity: 5, from: sector.free) == nil)
        #expect(SeatSelection.best(quantity: 4, from: sector.free)?.count == 4)
        #expect(SeatSelection.best(quantity: 1, from: []) == nil)
        #expect(SeatSelection.best(quantity: -1, from: sector.free) == nil)
        #expect(SeatSelection.best(quantity: 0, from: sector.free) == [])
    }

    @Test func duplicate_candidates_count_once() {
        let sector = Sector(["XX"])
        let doubled = sector.free + sector.free
        #expect(SeatSelection.best(quantity: 3, from: doubled) == nil)
        #expect(SeatSelection.best(quantity: 2, from: doubled)?.count == 2)
    }

    @Test func result_does_not_depend_on_input_order() {
        let sector = Sector(["XXX.XXXX.X", "X.XXXXX.XX", "XXXXX..XXX", ".XX.XX.XXX"])
        var rng = SeededGenerator(state: 7)
        for quantity in 1...12 {
            let expected = SeatSelection.best(quantity: quantity, from: sector.free)
            for _ in 0..<5 {
                #expect(SeatSelection.best(quantity: quantity, from: sector.free.shuffled(using: &rng)) == expected)
            }
        }
    }

    @Test func extreme_numbers_do_not_trap() {
        let seats = [Int.min, Int.min + 1, -1, 0, 1, Int.max - 1, Int.max].enumerated().map {
            SeatCandidate(unitID: Int64($0.offset), row: "R", rowPriority: Int.max, number: $0.element, snakeOrder: -$0.offset)
        }
        #expect(SeatSelection.best(quantity: 2, from: seats)?.count == 2)
        #expect(SeatSelection.best(quantity: 3, from: seats)?.map(\.number) == [-1, 0, 1])
        #expect(SeatSelection.best(quantity: 7, from: seats)?.count == 7)
        #expect(SeatSelection.orphanCount(in: seats) == 0)
    }

    // MARK: - orphanCount

    @Test func counts_orphans() {
        #expect(SeatSelection.orphanCount(in: Sector(["X.X.XX"]).free) == 2)
        #expect(SeatSelection.orphanCount(in: Sector(["X|XX|X"]).free) == 2)
        #expect(SeatSelection.orphanCount(in: Sector(["XXXX", "X...", "...X"]).free) == 2)
        #expect(SeatSelection.orphanCount(in: []) == 0)
    }

    // MARK: - assign

    @Test func assign_keeps_each_group_together_in_the_given_order() {
        let sector = Sector(Array(repeating: "XXXXXXXXXX", count: 4))
        let groups: [(key: String, size: Int)] = [("A", 4), ("B", 6), ("C", 3), ("D", 5), ("E", 2)]
        let assignment = SeatSelection.assign(groups: groups, seats: sector.free)!
        #expect(assignment.count == 5)
        for group in groups {
            let seats = assignment[group.key]!
            #expect(seats.count == group.size)
            #expect(Set(seats.map(\.row)).count == 1, "\(group.key) split: \(describe(seats))")
            let numbers = seats.map(\.number).sorted()
            #expect(numbers.last! - numbers.first! == group.size - 1)
        }
        #expect(describe(assignment["A"]) == "1-1 1-2 1-3 1-4")
        #expect(describe(assignment["B"]) == "1-5 1-6 1-7 1-8 1-9 1-10")
        let all = assignment.values.flatMap { $0 }
        #expect(Set(all.map(\.unitID)).count == all.count)
    }

    @Test func assign_is_deterministic() {
        let sector = Sector(Array(repeating: "XXXXXXXXXXXX", count: 6))
        let groups: [(key: Int, size: Int)] = (0..<15).map { ($0, $0 % 4 + 1) }
        let first = SeatSelection.assign(groups: groups, seats: sector.free)
        var rng = SeededGenerator(state: 3)
        for _ in 0..<5 {
            #expect(SeatSelection.assign(groups: groups, seats: sector.free.shuffled(using: &rng)) == first)
        }
    }

    @Test func assign_falls_back_to_snake_order_and_uses_every_seat() {
        let sector = Sector(["XXX", "XXX", "XXX"])
        let assignment = SeatSelection.assign(groups: [(key: "x", size: 2), (key: "y", size: 7)], seats: sector.free)!
        #expect(assignment["x"]!.count == 2)
        #expect(assignment["y"]!.count == 7)
        #expect(Set(assignment.values.flatMap { $0 }) == Set(sector.free))
    }

    @Test func assign_refuses_when_seats_do_not_suffice() {
        let sector = Sector(["XXXX"])
        #expect(SeatSelection.assign(groups: [(key: 1, size: 3), (key: 2, size: 2)], seats: sector.free) == nil)
        #expect(SeatSelection.assign(groups: [(key: 1, size: -1)], seats: sector.free) == nil)
        #expect(SeatSelection.assign(groups: [(key: 1, size: 0)], seats: sector.free) == [1: []])
        #expect(SeatSelection.assign(groups: [(key: Int, size: Int)](), seats: []) == [:])
    }

    @Test func assign_merges_a_repeated_key() {
        let sector = Sector(["XXXXXX"])
        let assignment = SeatSelection.assign(groups: [(key: 1, size: 2), (key: 1, size: 3)], seats: sector.free)!
        #expect(assignment[1]?.count == 5)
    }

    @Test func assign_places_each_group_as_best_would_on_the_remaining_seats() {
        var rng = SeededGenerator(state: 11)
        for _ in 0..<40 {
            let rows = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                String((0..<Int.random(in: 4...14, using: &rng)).map { _ in Int.random(in: 0..<8, using: &rng) == 0 ? "|" : "X" })
            }
            let sector = Sector(rows)
            var groups: [(key: Int, size: Int)] = []
            var total = 0
            while true {
                let size = Int.random(in: 0...5, using: &rng)
                guard total + size <= sector.free.count else { break }
                groups.append((groups.count, size))
                total += size
            }
            let assignment = SeatSelection.assign(groups: groups, seats: sector.free)
            var free = sector.free
            for group in groups {
                let expected = SeatSelection.best(quantity: group.size, from: free)!
                #expect(assignment?[group.key] == expected, "\(rows) group \(group)")
                free = remove(expected, from: free)
            }
        }
    }

    // MARK: - Properties

    /// Orphans a pick creates: seats left with no free neighbour that had one before.
    private func orphansCreated(by picked: [SeatCandidate], in free: [SeatCandidate]) -> Int {
        let wereOrphans = picked.filter { s in !free.contains { $0.row == s.row && abs($0.number - s.number) == 1 } }.count
        return SeatSelection.orphanCount(in: remove(picked, from: free)) - SeatSelection.orphanCount(in: free) + wereOrphans
    }

    /// Brute force over every window of side-by-side seats: the fewest orphans a together-pick can create.
    private func fewestOrphansTogether(_ quantity: Int, _ free: [SeatCandidate]) -> Int? {
        var best: Int?
        for seat in free {
            let window = (0..<quantity).compactMap { k in free.first { $0.row == seat.row && $0.number == seat.number + k } }
            guard window.count == quantity else { continue }
            best = min(best ?? .max, orphansCreated(by: window, in: free))
        }
        return best
    }

    /// Brute force over every window of consecutive free seats in snake order.
    private func fewestOrphansAlongSnake(_ quantity: Int, _ free: [SeatCandidate]) -> Int {
        let sorted = free.sorted { $0.snakeOrder < $1.snakeOrder }
        return (0...(sorted.count - quantity)).map { orphansCreated(by: Array(sorted[$0..<($0 + quantity)]), in: free) }.min()!
    }

    @Test func randomized_pick_sequences_hold_the_invariants() {
        var rng = SeededGenerator(state: 20_240_601)
        var snakeFallbacks = 0
        for _ in 0..<150 {
            let rowCount = Int.random(in: 1...8, using: &rng)
            let rows = (0..<rowCount).map { _ in
                String(
                    (0..<Int.random(in: 3...16, using: &rng)).map { _ -> Character in
                        switch Int.random(in: 0..<10, using: &rng) {
                        case 0: "|"
                        case 1, 2: "."
                        default: "X"
                        }
                    })
            }
            let sector = Sector(rows)
            var free = sector.free
            var sold = Set<Int64>()
            while true {
                let quantity = Int.random(in: 1...8, using: &rng)
                let picked = SeatSelection.best(quantity: quantity, from: free.shuffled(using: &rng))
                guard free.count >= quantity else {
                    #expect(picked == nil)
                    if free.isEmpty { break }
                    continue
                }
                guard let picked else {
                    Issue.record("no pick of \(quantity) from \(free.count) free in \(rows)")
                    break
                }
                #expect(picked.count == quantity)
                let ids = Set(picked.map(\.unitID))
                #expect(ids.count == quantity)
                #expect(ids.isSubset(of: Set(free.map(\.unitID))))
                #expect(ids.isDisjoint(with: sold))
                if let fewest = fewestOrphansTogether(quantity, free) {
                    // A row could hold the group: it must sit together with as few new orphans as possible.
                    #expect(Set(picked.map(\.row)).count == 1, "\(rows) q=\(quantity): \(describe(picked))")
                    let numbers = picked.map(\.number)
                    #expect(numbers == Array(numbers.first!..<(numbers.first! + quantity)))
                    #expect(orphansCreated(by: picked, in: free) == fewest, "\(rows) q=\(quantity): \(describe(picked))")
                } else {
                    // No row can hold the group: consecutive free seats in snake order, as few new orphans as possible.
                    let snake = free.map(\.snakeOrder).sorted()
                    let first = snake.firstIndex(of: picked[0].snakeOrder)!
                    #expect(picked.map(\.snakeOrder) == Array(snake[first..<(first + quantity)]), "\(rows) q=\(quantity)")
                    #expect(
                        orphansCreated(by: picked, in: free) == fewestOrphansAlongSnake(quantity, free), "\(rows) q=\(quantity): \(describe(picked))")
                    snakeFallbacks += 1
                }
                sold.formUnion(ids)
                free = remove(picked, from: free)
            }
        }
        #expect(snakeFallbacks > 50)  // the fallback is exercised, not only the easy rule
    }

    @Test func a_large_sector_is_fast() {
        // 2,000 seats, half sold in a scattered pattern.
        var rng = SeededGenerator(state: 99)
        let rows = (0..<50).map { _ in String((0..<40).map { _ in Bool.random(using: &rng) ? "X" : "." }) }
        let sector = Sector(rows)
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for quantity in [1, 2, 4, 8, 30] {
            let start = clock.now
            let picked = SeatSelection.best(quantity: quantity, from: sector.free)
            elapsed += clock.now - start
            #expect(picked?.count == quantity)
        }
        // Generous for debug builds on a busy machine; a quadratic pass would take far longer.
        #expect(elapsed < .milliseconds(500))
    }
}
