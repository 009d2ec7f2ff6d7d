import HNSCore

extension StadiumTemplate {
    /// At most this many errors are reported; a broken generator could otherwise produce one per seat.
    public static let maxValidationErrors = 50

    /// Every problem of the template as field errors with JSON paths such as
    /// `sectors[3].rows[0].seats[12].snake_order`; empty when the template can be stored.
    public func validate() -> [Problem.FieldError] {
        var v = Validator()
        v.check(self)
        return v.errors
    }
}

private struct Validator {
    var errors: [Problem.FieldError] = []
    var full: Bool { errors.count >= StadiumTemplate.maxValidationErrors }

    mutating func fail(_ field: String, _ message: String) {
        if !full { errors.append(.init(field: field, message: message)) }
    }

    mutating func check(_ t: StadiumTemplate) {
        if !Pattern.matches(t.code, min: 2, max: 40, allowed: Pattern.slug) {
            fail("code", "must be 2–40 characters of a–z, 0–9 and -")
        }
        nonEmpty(t.name, "name")
        nonEmpty(t.city, "city")
        if t.sectors.isEmpty { fail("sectors", "must list at least one sector") }
        var firstSector: [String: Int] = [:]
        for (i, sector) in t.sectors.enumerated() {
            if full { return }
            let path = "sectors[\(i)]"
            if let other = firstSector[sector.code] {
                fail("\(path).code", "repeats the code of sectors[\(other)]")
            } else {
                firstSector[sector.code] = i
            }
            check(sector, path)
        }
    }

    mutating func check(_ s: StadiumTemplate.Sector, _ path: String) {
        if !Pattern.matches(s.code, min: 1, max: 12, allowed: Pattern.sectorCode) {
            fail("\(path).code", "must be 1–12 characters of A–Z, 0–9 and -")
        }
        nonEmpty(s.name, "\(path).name")
        nonEmpty(s.stand, "\(path).stand")
        nonEmpty(s.gate, "\(path).gate")
        if !Pattern.matches(s.priceCategory, min: 1, max: 16, allowed: Pattern.priceCategory) {
            fail("\(path).price_category", "must be 1–16 characters of A–Z, 0–9 and _")
        }
        switch s.kind {
        case .standing:
            if let capacity = s.capacity {
                if !(1...100_000).contains(capacity) { fail("\(path).capacity", "must be between 1 and 100000") }
            } else {
                fail("\(path).capacity", "is required for a standing sector")
            }
            if !s.rows.isEmpty { fail("\(path).rows", "must be empty for a standing sector") }
        case .numbered:
            if s.capacity != nil { fail("\(path).capacity", "must be absent for a numbered sector; its seats are its capacity") }
            if s.rows.isEmpty { fail("\(path).rows", "must list at least one row for a numbered sector") }
            checkRows(s.rows, path)
        }
    }

    mutating func checkRows(_ rows: [StadiumTemplate.Row], _ path: String) {
        var rowLabels: [String: Int] = [:]
        var snakeOrders: [Int: (row: Int, seat: Int)] = [:]
        for (r, row) in rows.enumerated() {
            if full { return }
            let rowPath = "\(path).rows[\(r)]"
            if row.label.isBlank {
                fail("\(rowPath).label", "must not be empty")
            } else if let other = rowLabels[row.label] {
                fail("\(rowPath).label", "repeats the label of \(path).rows[\(other)]")
            } else {
                rowLabels[row.label] = r
            }
            if !(1...StadiumTemplate.largestNumber).contains(row.rowPriority) {
                fail("\(rowPath).row_priority", "must be between 1 and \(StadiumTemplate.largestNumber)")
            }
            if row.seats.isEmpty { fail("\(rowPath).seats", "must list at least one seat") }
            var seatLabels: [String: Int] = [:]
            var numbers: [Int: Int] = [:]
            for (k, seat) in row.seats.enumerated() {
                if full { return }
                let seatPath = "\(rowPath).seats[\(k)]"
                if seat.label.isBlank {
                    fail("\(seatPath).label", "must not be empty")
                } else if let other = seatLabels[seat.label] {
                    fail("\(seatPath).label", "repeats the label of \(rowPath).seats[\(other)]")
                } else {
                    seatLabels[seat.label] = k
                }
                if !(1...StadiumTemplate.largestNumber).contains(seat.number) {
                    fail("\(seatPath).number", "must be between 1 and \(StadiumTemplate.largestNumber)")
                } else if let other = numbers[seat.number] {
                    fail("\(seatPath).number", "repeats the number of \(rowPath).seats[\(other)]")
                } else {
                    numbers[seat.number] = k
                }
                if !seat.x.isFinite { fail("\(seatPath).x", "must be a finite number") }
                if !seat.y.isFinite { fail("\(seatPath).y", "must be a finite number") }
                if !(-StadiumTemplate.largestNumber...StadiumTemplate.largestNumber).contains(seat.snakeOrder) {
                    fail("\(seatPath).snake_order", "must be between -\(StadiumTemplate.largestNumber) and \(StadiumTemplate.largestNumber)")
                } else if let other = snakeOrders[seat.snakeOrder] {
                    fail("\(seatPath).snake_order", "repeats the snake order of \(path).rows[\(other.row)].seats[\(other.seat)]")
                } else {
                    snakeOrders[seat.snakeOrder] = (r, k)
                }
            }
        }
    }

    mutating func nonEmpty(_ value: String, _ field: String) {
        if value.isBlank { fail(field, "must not be empty") }
    }
}

private enum Pattern {
    static func slug(_ c: UInt8) -> Bool { (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || c == 0x2D }
    static func sectorCode(_ c: UInt8) -> Bool { (0x41...0x5A).contains(c) || (0x30...0x39).contains(c) || c == 0x2D }
    static func priceCategory(_ c: UInt8) -> Bool { (0x41...0x5A).contains(c) || (0x30...0x39).contains(c) || c == 0x5F }

    static func matches(_ value: String, min: Int, max: Int, allowed: (UInt8) -> Bool) -> Bool {
        let bytes = value.utf8
        return (min...max).contains(bytes.count) && bytes.allSatisfy(allowed)
    }
}

extension String {
    fileprivate var isBlank: Bool { self.allSatisfy(\.isWhitespace) }
}
