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
        return layout.pickIndices(quantity).map { $0.map { layout.seats[$0] } }
    }

    /// Assigns concrete seats to groups (AWAY matches: each order's units get a seat map later), keeping each
    /// group together where possible: groups in the given order, each placed with `best` on the seats still free.
    /// `nil` if the seats do not suffice for all groups (or a size is negative). A group that cannot sit together
    /// falls back to snake order, so this never fails while seats suffice. A key given twice gets both groups' seats.
    /// Sorts once, then O(n) per group.
    public static func assign<Key: Hashable & Sendable>(
        groups: [(key: Key, size: Int)], seats: [SeatCandidate]
    ) -> [Key: [SeatCandidate]]? {
        var layout = Layout(seats, rankSnakeOrder: true)
        var total = 0
        for group in groups {
            guard group.size >= 0 else { return nil }
            total += group.size
        }
        guard total <= layout.seats.count else { return nil }
        var result: [Key: [SeatCandidate]] = [:]
        result.reserveCapacity(groups.count)
        for group in groups {
            // Cannot fail: the total was checked and every pick removes exactly `size` seats.
            guard let picked = layout.pickIndices(group.size) else { return nil }
            result[group.key, default: []].append(contentsOf: picked.map { layout.seats[$0] })
            layout.remove(picked)
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
/// Sorting happens once; removing seats keeps the order, so `assign` only re-derives the runs.
private struct Layout {
    private(set) var seats: [SeatCandidate]
    /// Row index of each seat (parallel to `seats`), rows numbered by label order.
    private(set) var rowOf: [Int]
    /// Rank of each seat (parallel to `seats`) in snake order among the seats the layout started with;
    /// only kept for repeated picks, a single pick sorts when it needs snake order.
    private var snakeRank: [Int]?
    private let initialCount: Int
    private let rowCount: Int
    private(set) var runs: [Range<Int>] = []
    private var rowPriority: [Int] = []
    /// Sum of the lowest and highest free number per row: twice the row's centre, kept integral.
    private var rowCentre2: [Int] = []

    init(_ free: [SeatCandidate], rankSnakeOrder: Bool = false) {
        var seen = Set<Int64>(minimumCapacity: free.count)
        let unique = free.filter { seen.insert($0.unitID).inserted }
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
        self.initialCount = seats.count
        if rankSnakeOrder {
            var rank = [Int](repeating: 0, count: seats.count)
            for (r, i) in Layout.snakeSorted(seats, rowOf).enumerated() { rank[i] = r }
            self.snakeRank = rank
        }
        self.rowCount = labels.count
        self.analyse()
    }

    /// Indices in snake order; ties (bad data) broken by row priority, then row, then number.
    private static func snakeSorted(_ seats: [SeatCandidate], _ rowOf: [Int]) -> [Int] {
        seats.indices.sorted {
            let a = seats[$0]
            let b = seats[$1]
            if a.snakeOrder != b.snakeOrder { return a.snakeOrder < b.snakeOrder }
            if a.rowPriority != b.rowPriority { return a.rowPriority < b.rowPriority }
            if rowOf[$0] != rowOf[$1] { return rowOf[$0] < rowOf[$1] }
            return $0 < $1
        }
    }

    /// Removes the seats at `indices` (into `seats`), keeping the order of the rest.
    mutating func remove(_ indices: [Int]) {
        guard !indices.isEmpty else { return }
        var drop = [Bool](repeating: false, count: seats.count)
        for i in indices { drop[i] = true }
        func compact<T>(_ array: inout [T]) {
            var w = 0
            for i in array.indices where !drop[i] {
                array[w] = array[i]
                w += 1
            }
            array.removeLast(array.count - w)
        }
        compact(&seats)
        compact(&rowOf)
        if snakeRank != nil { compact(&snakeRank!) }
        analyse()
    }

    /// Runs, row priorities and row centres of the current seats. O(n).
    private mutating func analyse() {
        var priority = [Int](repeating: .max, count: rowCount)
        var lo = [Int](repeating: .max, count: rowCount)
        var hi = [Int](repeating: .min, count: rowCount)
        var runs: [Range<Int>] = []
        var start = 0
        for i in seats.indices {
            let r = rowOf[i]
            let s = seats[i]
            priority[r] = min(priority[r], s.rowPriority)
            lo[r] = min(lo[r], s.number)
            hi[r] = max(hi[r], s.number)
            if i > 0 && leftNeighbour(i) == nil {
                runs.append(start..<i)
                start = i
            }
        }
        if !seats.isEmpty { runs.append(start..<seats.count) }
        self.runs = runs
        self.rowPriority = priority
        self.rowCentre2 = zip(lo, hi).map { $0 &+ $1 }
    }

    /// Indices of the best `q` seats in result order, or `nil` when fewer are free.
    func pickIndices(_ q: Int) -> [Int]? {
        guard q >= 0, q <= seats.count else { return nil }
        guard q > 0 else { return [] }
        return bestTogether(q) ?? bestAlongSnake(q)
    }

    func leftNeighbour(_ i: Int) -> Int? {
        i > 0 && rowOf[i - 1] == rowOf[i] && seats[i - 1].number &+ 1 == seats[i].number ? i - 1 : nil
    }

    func rightNeighbour(_ i: Int) -> Int? {
        i + 1 < seats.count && rowOf[i + 1] == rowOf[i] && seats[i].number &+ 1 == seats[i + 1].number ? i + 1 : nil
    }

    /// Rule 1: the best window of `q` side-by-side seats inside one run.
    private func bestTogether(_ q: Int) -> [Int]? {
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
        return Array(best.start..<(best.start + q))
    }

    /// Rule 2: `q` consecutive free seats in snake order with the fewest orphans created, earliest first.
    private func bestAlongSnake(_ q: Int) -> [Int] {
        let n = seats.count
        let order: [Int]
        if let snakeRank {
            // Removal keeps snake ranks in order, so the current snake order is a counting sort away.
            var slot = [Int](repeating: -1, count: initialCount)
            for i in seats.indices { slot[snakeRank[i]] = i }
            order = slot.filter { $0 >= 0 }
        } else {
            order = Layout.snakeSorted(seats, rowOf)
        }
        var position = [Int](repeating: 0, count: n)
        for (p, i) in order.enumerated() { position[i] = p }

        // A seat outside the window becomes an orphan when all its free neighbours are inside the window.
        // For each such seat the window starts where that holds form one interval: add it to a difference
        // array, minus the starts whose window contains the seat itself. O(n) over all starts.
        let starts = n - q + 1
        var delta = [Int](repeating: 0, count: starts + 1)
        func add(_ lo: Int, _ hi: Int, _ v: Int) {
            let lo = max(lo, 0)
            let hi = min(hi, starts - 1)
            guard lo <= hi else { return }
            delta[lo] += v
            delta[hi + 1] -= v
        }
        for i in 0..<n {
            let left = leftNeighbour(i).map { position[$0] }
            let right = rightNeighbour(i).map { position[$0] }
            let first: Int
            let last: Int
            switch (left, right) {
            case (nil, nil): continue  // already an orphan
            case (let l?, nil): (first, last) = (l, l)
            case (nil, let r?): (first, last) = (r, r)
            case (let l?, let r?): (first, last) = (min(l, r), max(l, r))
            }
            let lo = last - q + 1
            let hi = first
            guard lo <= hi else { continue }
            add(lo, hi, 1)
            add(max(lo, position[i] - q + 1), min(hi, position[i]), -1)
        }
        var bestStart = 0
        var bestOrphans = Int.max
        var running = 0
        for s in 0..<starts {
            running += delta[s]
            if running < bestOrphans {
                bestOrphans = running
                bestStart = s
                if running == 0 { break }
            }
        }
        return Array(order[bestStart..<(bestStart + q)])
    }
}
