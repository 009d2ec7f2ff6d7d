import Foundation
import HNSCore
import HTTPTypes

/// One version of a match's configuration: a copy of its stadium template with the admin's
/// changes on top. Versions are immutable; a change makes the next version.
struct MatchConfig: Codable, Sendable, Equatable {
    struct Sector: Codable, Sendable, Equatable {
        var open: Bool
        var priceCategory: String
        enum CodingKeys: String, CodingKey {
            case open
            case priceCategory = "price_category"
        }
    }

    struct SeatRef: Codable, Sendable, Hashable, Comparable {
        var sector: String
        var row: String
        var seat: String
        static func < (a: SeatRef, b: SeatRef) -> Bool { (a.sector, a.row, a.seat) < (b.sector, b.row, b.seat) }
        var label: String { "\(self.sector) row \(self.row) seat \(self.seat)" }
    }

    struct Blocked: Codable, Sendable, Hashable {
        var sector: String
        var row: String
        var seat: String
        var reason: String
        var ref: SeatRef { SeatRef(sector: self.sector, row: self.row, seat: self.seat) }
    }

    /// By sector code.
    var sectors: [String: Sector]
    /// EUR cents by price category.
    var prices: [String: Int]
    /// €10,000 a seat: far above any real price, and 50 of them still fit an order's `integer` amount.
    static let highestPriceCents = 1_000_000
    /// Sorted, so that equal configurations encode equally.
    var blocked: [Blocked]

    /// What an admin asks to change.
    struct Change: Codable, Sendable, Equatable {
        var closeSectors: [String]?
        var openSectors: [String]?
        var sectorPriceCategories: [String: String]?
        var prices: [String: Int]?
        var block: [Blocked]?
        var unblock: [SeatRef]?
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case closeSectors = "close_sectors"
            case openSectors = "open_sectors"
            case sectorPriceCategories = "sector_price_categories"
            case prices, block, unblock, reason
        }

        var isEmpty: Bool {
            [
                self.closeSectors?.isEmpty, self.openSectors?.isEmpty, self.sectorPriceCategories?.isEmpty,
                self.prices?.isEmpty, self.block?.isEmpty, self.unblock?.isEmpty,
            ].allSatisfy { $0 ?? true }
        }
    }

    /// The next version, or every field problem of the change (unknown sectors, bad prices, …).
    /// Seat-level checks (the seat exists, is free) need the inventory and happen there.
    func applying(_ change: Change) -> Result<MatchConfig, Problem> {
        var errors: [Problem.FieldError] = []
        var next = self
        if change.isEmpty { errors.append(.init(field: "close_sectors", message: "the change changes nothing")) }
        for (field, codes, open) in [("close_sectors", change.closeSectors ?? [], false), ("open_sectors", change.openSectors ?? [], true)] {
            for (i, code) in codes.enumerated() {
                if next.sectors[code] == nil {
                    errors.append(.init(field: "\(field)[\(i)]", message: "no sector \(code)"))
                } else {
                    next.sectors[code]!.open = open
                }
            }
        }
        if let both = Set(change.closeSectors ?? []).intersection(change.openSectors ?? []).first {
            errors.append(.init(field: "open_sectors", message: "sector \(both) cannot be opened and closed at once"))
        }
        for (category, cents) in (change.prices ?? [:]).sorted(by: { $0.key < $1.key }) {
            if category.wholeMatch(of: /[A-Z0-9_]{1,16}/) == nil {
                errors.append(.init(field: "prices.\(category)", message: "is not a price category code"))
            } else if !(0...Self.highestPriceCents).contains(cents) {
                errors.append(.init(field: "prices.\(category)", message: "must be between 0 and \(Self.highestPriceCents) cents"))
            } else {
                next.prices[category] = cents
            }
        }
        for (code, category) in (change.sectorPriceCategories ?? [:]).sorted(by: { $0.key < $1.key }) {
            if next.sectors[code] == nil {
                errors.append(.init(field: "sector_price_categories.\(code)", message: "no sector \(code)"))
            } else if next.prices[category] == nil {
                errors.append(.init(field: "sector_price_categories.\(code)", message: "price category \(category) has no price"))
            } else {
                next.sectors[code]!.priceCategory = category
            }
        }
        var blocked = Dictionary(next.blocked.map { ($0.ref, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, seat) in (change.unblock ?? []).enumerated() {
            if blocked.removeValue(forKey: seat) == nil {
                errors.append(.init(field: "unblock[\(i)]", message: "\(seat.label) is not blocked"))
            }
        }
        for (i, seat) in (change.block ?? []).enumerated() {
            if next.sectors[seat.sector] == nil {
                errors.append(.init(field: "block[\(i)].sector", message: "no sector \(seat.sector)"))
            } else if seat.reason.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(.init(field: "block[\(i)].reason", message: "is required (e.g. press, security buffer)"))
            } else if blocked[seat.ref] != nil {
                errors.append(.init(field: "block[\(i)]", message: "\(seat.ref.label) is already blocked"))
            } else {
                blocked[seat.ref] = seat
            }
        }
        next.blocked = blocked.values.sorted { $0.ref < $1.ref }
        return errors.isEmpty ? .success(next) : .failure(.validation(errors, detail: "The configuration change is invalid."))
    }

    /// What changed from `old` to `self`, one line per fact, for the version history.
    func diff(from old: MatchConfig) -> [DiffEntry] {
        var entries: [DiffEntry] = []
        for code in Set(old.sectors.keys).union(self.sectors.keys).sorted() {
            let (a, b) = (old.sectors[code], self.sectors[code])
            if a?.open != b?.open {
                entries.append(
                    DiffEntry(
                        kind: b?.open == true ? "sector_opened" : "sector_closed", target: code, from: a.map { "\($0.open)" },
                        to: b.map { "\($0.open)" }))
            }
            if a?.priceCategory != b?.priceCategory {
                entries.append(DiffEntry(kind: "sector_price_category", target: code, from: a?.priceCategory, to: b?.priceCategory))
            }
        }
        for category in Set(old.prices.keys).union(self.prices.keys).sorted() where old.prices[category] != self.prices[category] {
            entries.append(
                DiffEntry(kind: "price", target: category, from: old.prices[category].map(String.init), to: self.prices[category].map(String.init)))
        }
        let (before, after) = (Set(old.blocked.map(\.ref)), Set(self.blocked.map(\.ref)))
        for ref in after.subtracting(before).sorted() {
            entries.append(DiffEntry(kind: "seat_blocked", target: ref.label, from: nil, to: self.blocked.first { $0.ref == ref }?.reason))
        }
        for ref in before.subtracting(after).sorted() {
            entries.append(DiffEntry(kind: "seat_unblocked", target: ref.label, from: old.blocked.first { $0.ref == ref }?.reason, to: nil))
        }
        return entries
    }

    struct DiffEntry: Codable, Sendable, Equatable {
        var kind: String
        var target: String
        var from: String?
        var to: String?
    }
}
