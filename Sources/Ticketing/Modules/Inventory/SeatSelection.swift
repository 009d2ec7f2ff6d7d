/// One free seat of a sector, as seen by best-available selection.
public struct SeatCandidate: Sendable, Hashable {
    /// The inventory row id.
    public let unitID: Int64
    /// Row label; adjacency exists only within the same row.
    public let row: String
    /// Lower is a better row.
    public let rowPriority: Int
    /// Position in the row: `number ± 1` are neighbours, a gap is an aisle or a missing seat.
    public let number: Int
    public let snakeOrder: Int

    public init(unitID: Int64, row: String, rowPriority: Int, number: Int, snakeOrder: Int) {
        self.unitID = unitID
        self.row = row
        self.rowPriority = rowPriority
        self.number = number
        self.snakeOrder = snakeOrder
    }
}

/// Best-available seat selection. Pure and deterministic: the result does not depend on the order of the input.
///
/// An *orphan* is a free seat with no free neighbour (the seats at `number ± 1` in its row are taken,
/// blocked, missing or an aisle). Orphans are hard to sell, so every rule below prefers picks that create none.
public enum SeatSelection {
    /// Picks `quantity` seats among `free` (the currently free seats of ONE sector; seats missing from the list
    /// are taken, blocked or locked by someone else, i.e. unavailable).
    ///
    /// 1. All seats side by side in one row when any row has a long enough run, ranked by: fewest orphans
    ///    created, best `rowPriority`, lowest snake order, nearest the centre of the row's free seats.
    /// 2. Otherwise `quantity` consecutive free seats in snake order (crossing rows), ranked by fewest orphans
    ///    created, then lowest snake order.
    /// 3. `nil` when fewer than `quantity` seats are free (or `quantity` is negative); `[]` for zero.
    ///
    /// Seats come back ordered by number (one row) or by snake order (across rows).
    /// O(n log n) in the number of candidates.
    public static func best(quantity: Int, from free: [SeatCandidate]) -> [SeatCandidate]? {
        guard quantity >= 0 else { return nil }
        guard quantity > 0 else { return [] }
        guard free.count >= quantity else { return nil }
        let layout = Layout(free)
        guard layout.seats.count >= quantity else { return nil }
        if let together = layout.bestTogether(quantity) { return together }
        return layout.bestAlongSnake(quantity)
    }

    /// Assigns concrete seats to groups (AWAY matches: each order's units get a seat map later), keeping each
    /// group together where possible: groups in the given order, each placed with `best` on the seats still free.
    /// `nil` if the seats do not suffice for all groups (or a size is negative). A group that cannot sit together
    /// falls back to snake order, so this never fails while seats suffice. A key given twice gets both groups' seats.
    public static func assign<Key: Hashable & Sendable>(
        groups: [(key: Key, size: Int)], seats: [SeatCandidate]
    ) -> [Key: [SeatCandidate]]? {
        var remaining = Layout.unique(seats)
        var total = 0
        for group in groups {
            guard group.size >= 0 else { return nil }
            total += group.size
        }
        guard total <= remaining.count else { return nil }
        var result: [Key: [SeatCandidate]] = [:]
        result.reserveCapacity(groups.count)
        for group in groups {
            // Cannot fail: the total was checked and every pick removes exactly `size` seats.
            guard let picked = best(quantity: group.size, from: remaining) else { return nil }
            result[group.key, default: []].append(contentsOf: picked)
            if !picked.isEmpty {
                let taken = Set(picked.map(\.unitID))
                remaining.removeAll { taken.contains($0.unitID) }
            }
        }
        return result
    }

    /// Count of orphan seats (free seats with no free neighbour) in a set of free seats.
    public static func orphanCount(in free: [SeatCandidate]) -> Int {
        let layout = Layout(free)
        var count = 0
        for run in layout.runs where run.count == 1 { count += 1 }
        return count
    }
}

/// The free seats of a sector sorted by row then number, cut into runs of side-by-side seats.
private struct Layout {
    let seats: [SeatCandidate]
    /// Row index of each seat (parallel to `seats`).
    let rowOf: [Int]
    let runs: [Range<Int>]
    let rowPriority: [Int]
    /// Sum of the lowest and highest free number per row: twice the row's centre, kept integral.
    let rowCentre2: [Int]

    static func unique(_ free: [SeatCandidate]) -> [SeatCandidate] {
        var seen = Set<Int64>(minimumCapacity: free.count)
        var out: [SeatCandidate] = []
        out.reserveCapacity(free.count)
        for seat in free where seen.insert(seat.unitID).inserted { out.append(seat) }
        return out
    }

    init(_ free: [SeatCandidate]) {
        let unique = Layout.unique(free)
        // Rows are numbered by label order so that nothing depends on input order.
        let labels = Array(Set(unique.map(\.row))).sorted()
        var index: [String: Int] = [:]
        index.reserveCapacity(labels.count)
        for (i, label) in labels.enumerated() { index[label] = i }

        var keyed = unique.map { (row: index[$0.row]!, seat: $0) }
        keyed.sort {
            if $0.row != $1.row { return $0.row < $1.row }
            if $0.seat.number != $1.seat.number { return $0.seat.number < $1.seat.number }
            return $0.seat.unitID < $1.seat.unitID
        }
        self.seats = keyed.map(\.seat)
        self.rowOf = keyed.map(\.row)

        var priority = [Int](repeating: .max, count: labels.count)
        var lo = [Int](repeating: .max, count: labels.count)
        var hi = [Int](repeating: .min, count: labels.count)
        var runs: [Range<Int>] = []
        var start = 0
        for i in keyed.indices {
            let r = keyed[i].row, s = keyed[i].seat
            priority[r] = min(priority[r], s.rowPriority)
            lo[r] = min(lo[r], s.number)
            hi[r] = max(hi[r], s.number)
            if i > 0 && !Layout.adjacent(keyed[i - 1], keyed[i]) {
                runs.append(start..<i)
                start = i
            }
        }
        if !keyed.isEmpty { runs.append(start..<keyed.count) }
        self.runs = runs
        self.rowPriority = priority
        self.rowCentre2 = zip(lo, hi).map { $0 &+ $1 }
    }

    private static func adjacent(_ a: (row: Int, seat: SeatCandidate), _ b: (row: Int, seat: SeatCandidate)) -> Bool {
        a.row == b.row && b.seat.number == a.seat.number &+ 1
    }

    func leftNeighbour(_ i: Int) -> Int? {
        i > 0 && rowOf[i - 1] == rowOf[i] && seats[i - 1].number &+ 1 == seats[i].number ? i - 1 : nil
    }

    func rightNeighbour(_ i: Int) -> Int? {
        i + 1 < seats.count && rowOf[i + 1] == rowOf[i] && seats[i].number &+ 1 == seats[i + 1].number ? i + 1 : nil
    }

    /// Rule 1: the best window of `q` side-by-side seats inside one run.
    func bestTogether(_ q: Int) -> [SeatCandidate]? {
        // The sorted index breaks the remaining ties: it depends only on row label, number and unit id.
        typealias Rank = (orphans: Int, rowPriority: Int, snake: Int, centre: UInt, index: Int)
        var best: (rank: Rank, start: Int)?
        var window: [Int] = []  // monotonic deque of indices for the sliding minimum snake order
        for run in runs where run.count >= q {
            let row = rowOf[run.lowerBound]
            let spare = run.count - q
            window.removeAll(keepingCapacity: true)
            var head = 0
            for end in run {
                while window.count > head && seats[window[window.count - 1]].snakeOrder >= seats[end].snakeOrder {
                    window.removeLast()
                }
                window.append(end)
                let start = end - q + 1
                guard start >= run.lowerBound else { continue }
                while window[head] < start { head += 1 }
                let before = start - run.lowerBound
                let after = spare - before
                let orphans = (before == 1 ? 1 : 0) + (after == 1 ? 1 : 0)
                let centre = ((seats[start].number &+ seats[end].number) &- rowCentre2[row]).magnitude
                let rank: Rank = (orphans, rowPriority[row], seats[window[head]].snakeOrder, centre, start)
                if best == nil || rank < best!.rank { best = (rank, start) }
            }
        }
        guard let best else { return nil }
        return Array(seats[best.start..<(best.start + q)])
    }

    /// Rule 2: `q` consecutive free seats in snake order with the fewest orphans created, earliest first.
    func bestAlongSnake(_ q: Int) -> [SeatCandidate] {
        let n = seats.count
        let order = seats.indices.sorted {
            let a = seats[$0], b = seats[$1]
            if a.snakeOrder != b.snakeOrder { return a.snakeOrder < b.snakeOrder }
            if a.rowPriority != b.rowPriority { return a.rowPriority < b.rowPriority }
            if rowOf[$0] != rowOf[$1] { return rowOf[$0] < rowOf[$1] }
            return $0 < $1
        }
        var position = [Int](repeating: 0, count: n)
        for (p, i) in order.enumerated() { position[i] = p }

        // A seat outside the window becomes an orphan when all its free neighbours are inside the window.
        // For each such seat the window starts where that holds form one interval: add it to a difference
        // array, minus the starts whose window contains the seat itself. O(n) over all starts.
        let starts = n - q + 1
        var delta = [Int](repeating: 0, count: starts + 1)
        func add(_ lo: Int, _ hi: Int, _ v: Int) {
            let lo = max(lo, 0), hi = min(hi, starts - 1)
            guard lo <= hi else { return }
            delta[lo] += v
            delta[hi + 1] -= v
        }
        for i in 0..<n {
            let left = leftNeighbour(i).map { position[$0] }, right = rightNeighbour(i).map { position[$0] }
            let first: Int, last: Int
            switch (left, right) {
            case (nil, nil): continue  // already an orphan
            case (let l?, nil): (first, last) = (l, l)
            case (nil, let r?): (first, last) = (r, r)
            case (let l?, let r?): (first, last) = (min(l, r), max(l, r))
            }
            let lo = last - q + 1, hi = first
            guard lo <= hi else { continue }
            add(lo, hi, 1)
            add(max(lo, position[i] - q + 1), min(hi, position[i]), -1)
        }
        var bestStart = 0, bestOrphans = Int.max, running = 0
        for s in 0..<starts {
            running += delta[s]
            if running < bestOrphans {
                bestOrphans = running
                bestStart = s
                if running == 0 { break }
            }
        }
        return order[bestStart..<(bestStart + q)].map { seats[$0] }
    }
}
