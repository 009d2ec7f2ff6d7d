import Foundation

/// The seat map of a ground, imported and exported as JSON with snake_case keys. A match copies it into its
/// inventory. Validate with `validate()` before storing: decoding alone accepts any well-typed document.
public struct StadiumTemplate: Codable, Sendable, Equatable {
    /// Slug, `[a-z0-9-]{2,40}`.
    public var code: String
    public var name: String
    public var city: String
    public var sectors: [Sector]

    public init(code: String, name: String, city: String, sectors: [Sector]) {
        self.code = code
        self.name = name
        self.city = city
        self.sectors = sectors
    }

    /// Numbered seats plus standing capacity.
    public var seatCount: Int { self.sectors.reduce(0) { $0 + $1.seatCount } }

    public struct Sector: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, Equatable, CaseIterable {
            case numbered
            case standing
        }

        /// `[A-Z0-9-]{1,12}`, unique within the template.
        public var code: String
        public var name: String
        public var stand: String
        public var gate: String
        /// `[A-Z0-9_]{1,16}`, e.g. `CAT1`.
        public var priceCategory: String
        public var kind: Kind
        /// Standing sectors only: how many may enter. `nil` for numbered sectors, whose size is their seats.
        public var capacity: Int?
        /// Numbered sectors only.
        public var rows: [Row]

        public init(
            code: String, name: String, stand: String, gate: String, priceCategory: String, kind: Kind,
            capacity: Int? = nil, rows: [Row] = []
        ) {
            self.code = code
            self.name = name
            self.stand = stand
            self.gate = gate
            self.priceCategory = priceCategory
            self.kind = kind
            self.capacity = capacity
            self.rows = rows
        }

        /// Seats of a numbered sector, capacity of a standing one.
        public var seatCount: Int {
            switch self.kind {
            case .numbered: self.rows.reduce(0) { $0 + $1.seats.count }
            case .standing: self.capacity ?? 0
            }
        }

        enum CodingKeys: String, CodingKey {
            case code, name, stand, gate, kind, capacity, rows
            case priceCategory = "price_category"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.code = try c.decode(String.self, forKey: .code)
            self.name = try c.decode(String.self, forKey: .name)
            self.stand = try c.decode(String.self, forKey: .stand)
            self.gate = try c.decode(String.self, forKey: .gate)
            self.priceCategory = try c.decode(String.self, forKey: .priceCategory)
            self.kind = try c.decode(Kind.self, forKey: .kind)
            self.capacity = try c.decodeIfPresent(Int.self, forKey: .capacity)
            self.rows = try c.decodeIfPresent([Row].self, forKey: .rows) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(self.code, forKey: .code)
            try c.encode(self.name, forKey: .name)
            try c.encode(self.stand, forKey: .stand)
            try c.encode(self.gate, forKey: .gate)
            try c.encode(self.priceCategory, forKey: .priceCategory)
            try c.encode(self.kind, forKey: .kind)
            try c.encodeIfPresent(self.capacity, forKey: .capacity)
            // Standing sectors carry no rows key, as in the import format.
            if self.kind == .numbered || !self.rows.isEmpty { try c.encode(self.rows, forKey: .rows) }
        }
    }

    /// Row priorities, seat numbers and snake orders are stored as PostgreSQL `integer`s.
    public static let largestNumber = Int(Int32.max)

    public struct Row: Codable, Sendable, Equatable {
        public var label: String
        /// Lower is better; best-available fills better rows first.
        public var rowPriority: Int
        public var seats: [Seat]

        public init(label: String, rowPriority: Int, seats: [Seat]) {
            self.label = label
            self.rowPriority = rowPriority
            self.seats = seats
        }

        enum CodingKeys: String, CodingKey {
            case label, seats
            case rowPriority = "row_priority"
        }
    }

    public struct Seat: Codable, Sendable, Equatable {
        /// Printed on the ticket.
        public var label: String
        /// Position in the row for adjacency: numbers differing by 1 are neighbours, a gap is an aisle.
        public var number: Int
        public var x: Double
        public var y: Double
        /// Unique within the sector; orders seats for assignment (row 1 left→right, row 2 right→left, …).
        public var snakeOrder: Int
        public var accessible: Bool
        public var restrictedView: Bool

        public init(
            label: String, number: Int, x: Double, y: Double, snakeOrder: Int,
            accessible: Bool = false, restrictedView: Bool = false
        ) {
            self.label = label
            self.number = number
            self.x = x
            self.y = y
            self.snakeOrder = snakeOrder
            self.accessible = accessible
            self.restrictedView = restrictedView
        }

        enum CodingKeys: String, CodingKey {
            case label, number, x, y, accessible
            case snakeOrder = "snake_order"
            case restrictedView = "restricted_view"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.label = try c.decode(String.self, forKey: .label)
            self.number = try c.decode(Int.self, forKey: .number)
            self.x = try c.decode(Double.self, forKey: .x)
            self.y = try c.decode(Double.self, forKey: .y)
            self.snakeOrder = try c.decode(Int.self, forKey: .snakeOrder)
            // Flags default to false so hand-written templates may leave them out.
            self.accessible = try c.decodeIfPresent(Bool.self, forKey: .accessible) ?? false
            self.restrictedView = try c.decodeIfPresent(Bool.self, forKey: .restrictedView) ?? false
        }
    }
}
