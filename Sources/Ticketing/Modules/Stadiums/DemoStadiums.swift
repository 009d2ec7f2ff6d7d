/// Generated seat maps of two Croatian grounds for demos, load tests and local development. Deterministic:
/// the same code yields byte-identical templates. Not surveyed plans: sizes and layout are realistic, seat
/// positions are schematic (metres, pitch centre at the origin, y growing southwards).
public enum DemoStadiums {
    /// A Maksimir-like ground in Zagreb: four stands, about 32,000 places.
    public static let maksimir: StadiumTemplate = build(
        code: "maksimir", name: "Stadion Maksimir", city: "Zagreb",
        stands: [
            Stand(
                side: .west, name: "West", sectorName: "Zapad", prefix: "W", gates: ["G1", "G2"], sectors: 10, rows: 30,
                baseSeats: 29, categories: .main),
            Stand(
                side: .east, name: "East", sectorName: "Istok", prefix: "E", gates: ["G5", "G6"], sectors: 10, rows: 28,
                baseSeats: 28, categories: .opposite),
            // The home ultras' end.
            Stand(
                side: .north, name: "North", sectorName: "Sjever", prefix: "N", gates: ["G3"], sectors: 8, rows: 26,
                baseSeats: 27, categories: .home),
            Stand(
                side: .south, name: "South", sectorName: "Jug", prefix: "S", gates: ["G4"], sectors: 7, rows: 26,
                baseSeats: 27, categories: .end,
                standing: StandingArea(code: "S-GOST", name: "Gostujući navijači", gate: "G7", capacity: 1_500)),
        ])

    /// An Osijek "Gradski vrt"-like ground: four smaller stands, about 10,000 places.
    public static let gradskiVrt: StadiumTemplate = build(
        code: "gradski-vrt", name: "Stadion Gradski vrt", city: "Osijek",
        stands: [
            Stand(
                side: .west, name: "West", sectorName: "Zapad", prefix: "W", gates: ["G1"], sectors: 6, rows: 22,
                baseSeats: 26, categories: .main),
            Stand(
                side: .east, name: "East", sectorName: "Istok", prefix: "E", gates: ["G2"], sectors: 6, rows: 18,
                baseSeats: 24, categories: .opposite),
            Stand(
                side: .north, name: "North", sectorName: "Sjever", prefix: "N", gates: ["G3"], sectors: 4, rows: 16,
                baseSeats: 24, categories: .home),
            Stand(
                side: .south, name: "South", sectorName: "Jug", prefix: "S", gates: ["G4"], sectors: 3, rows: 16,
                baseSeats: 22, categories: .end,
                standing: StandingArea(code: "S-GOST", name: "Gostujući navijači", gate: "G4", capacity: 600)),
        ])

    public static var all: [StadiumTemplate] { [maksimir, gradskiVrt] }

    // MARK: - Generation

    enum Side { case west, east, north, south }

    /// Which price categories a stand sells: the centre of the main stand is the best.
    enum Categories {
        case main, opposite, home, end

        func category(sector: Int, of count: Int) -> String {
            // Distance of the sector from the stand's centre, 0 (centre) … 1 (corner).
            let centre = Double(count - 1) / 2
            let offCentre = centre == 0 ? 0 : abs(Double(sector) - centre) / centre
            switch self {
            case .main: return offCentre < 0.35 ? "CAT1" : "CAT2"
            case .opposite: return offCentre < 0.35 ? "CAT2" : "CAT3"
            case .home: return "CAT4"
            case .end: return "CAT3"
            }
        }
    }

    struct StandingArea {
        let code: String
        let name: String
        let gate: String
        let capacity: Int
    }

    struct Stand {
        let side: Side
        let name: String
        let sectorName: String
        let prefix: String
        let gates: [String]
        let sectors: Int
        let rows: Int
        let baseSeats: Int
        let categories: Categories
        var standing: StandingArea? = nil
    }

    private static let seatWidth = 0.5
    private static let rowDepth = 0.8
    private static let sectorGap = 1.5
    private static let pitchHalfWidth = 34.0
    private static let trackMargin = 6.0

    /// Seats in a row: stands widen towards the back, corner sectors are narrower. Always 20…40.
    static func seatsInRow(_ row: Int, sector: Int, of count: Int, base: Int) -> Int {
        let corner = sector == 0 || sector == count - 1
        let n = base + (row - 1) / 3 - (corner ? 4 : 0) + (sector % 2 == 0 ? 0 : 1)
        return min(40, max(20, n))
    }

    static func build(code: String, name: String, city: String, stands: [Stand]) -> StadiumTemplate {
        // Long sides run along the pitch; the ends sit beyond them so that no two stands overlap.
        let longHalf = stands.filter { $0.side == .west || $0.side == .east }.map(standLength).max().map { $0 / 2 } ?? 52.5
        var sectors: [StadiumTemplate.Sector] = []
        for stand in stands {
            let length = standLength(stand)
            let offset = (stand.side == .west || stand.side == .east) ? pitchHalfWidth + trackMargin : longHalf + 2
            var start = -length / 2
            for s in 0..<stand.sectors {
                let width = sectorWidth(stand, s)
                sectors.append(numbered(stand, s, along: start, width: width, offset: offset))
                start += width + sectorGap
            }
            if let area = stand.standing {
                sectors.append(
                    StadiumTemplate.Sector(
                        code: area.code, name: area.name, stand: stand.name, gate: area.gate, priceCategory: "CAT4",
                        kind: .standing, capacity: area.capacity))
            }
        }
        return StadiumTemplate(code: code, name: name, city: city, sectors: sectors)
    }

    private static func sectorWidth(_ stand: Stand, _ s: Int) -> Double {
        let widest = seatsInRow(stand.rows, sector: s, of: stand.sectors, base: stand.baseSeats)
        return Double(widest + 1) * seatWidth  // + 1 for a possible aisle
    }

    private static func standLength(_ stand: Stand) -> Double {
        (0..<stand.sectors).reduce(0) { $0 + sectorWidth(stand, $1) } + Double(stand.sectors - 1) * sectorGap
    }

    private static func numbered(_ stand: Stand, _ s: Int, along start: Double, width: Double, offset: Double) -> StadiumTemplate.Sector {
        let hasAisle = s % 3 == 1
        let accessibleFront = s % 4 == 0
        let pillars = s % 5 == 2
        var rows: [StadiumTemplate.Row] = []
        rows.reserveCapacity(stand.rows)
        var snake = 0
        for r in 1...stand.rows {
            let count = seatsInRow(r, sector: s, of: stand.sectors, base: stand.baseSeats)
            let aisleAfter = hasAisle ? count / 2 : Int.max
            let span = Double(count + (hasAisle ? 1 : 0)) * seatWidth
            let rowStart = start + (width - span) / 2
            var seats: [StadiumTemplate.Seat] = []
            seats.reserveCapacity(count)
            for k in 1...count {
                let number = k > aisleAfter ? k + 1 : k
                let along = rowStart + (Double(number) - 0.5) * seatWidth
                let depth = offset + Double(r - 1) * rowDepth
                let (x, y) = place(stand.side, along: along, depth: depth)
                seats.append(
                    StadiumTemplate.Seat(
                        label: String(k), number: number, x: x, y: y, snakeOrder: 0,
                        accessible: accessibleFront && r == 1 && k <= 4,
                        restrictedView: pillars && r == stand.rows && (k <= 2 || k > count - 2)))
            }
            // Snake: odd rows left to right, even rows right to left.
            let order = r % 2 == 1 ? Array(seats.indices) : seats.indices.reversed()
            for i in order {
                snake += 1
                seats[i].snakeOrder = snake
            }
            rows.append(StadiumTemplate.Row(label: String(r), rowPriority: r, seats: seats))
        }
        let gate = stand.gates[s * stand.gates.count / stand.sectors]
        return StadiumTemplate.Sector(
            code: "\(stand.prefix)\(s + 1)", name: "\(stand.sectorName) \(s + 1)", stand: stand.name, gate: gate,
            priceCategory: stand.categories.category(sector: s, of: stand.sectors), kind: .numbered, rows: rows)
    }

    /// From stand coordinates (along the stand, left to right as seen from the seats; depth from the pitch
    /// centre line) to the ground's plan.
    private static func place(_ side: Side, along: Double, depth: Double) -> (Double, Double) {
        let (x, y): (Double, Double) =
            switch side {
            case .west: (-depth, along)  // facing east, left is north
            case .east: (depth, -along)
            case .north: (-along, -depth)  // facing south, left is east
            case .south: (along, depth)
            }
        return ((x * 100).rounded() / 100, (y * 100).rounded() / 100)
    }
}
