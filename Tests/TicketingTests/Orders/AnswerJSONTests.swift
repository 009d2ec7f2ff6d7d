import Foundation
import HNSCore
import Testing

@testable import Ticketing

/// The hand-written answers are byte for byte what `TicketingJSON.encoder()` writes for the same
/// values, so the wire format did not change when they stopped going through `JSONEncoder`.
@Suite struct AnswerJSONTests {
    static func encoded(_ value: some Encodable) throws -> String { String(decoding: try TicketingJSON.encoder().encode(value), as: UTF8.self) }

    static let awkward = ["Ana", "Đurđa \"Đ\" Šimić", "back\\slash/slash", "tab\tnew\nline\r", "ctl\u{1}\u{8}\u{c}\u{1f}", "emoji 🎟️", ""]

    static func order(_ n: Int, optionals: Bool) -> Orders.Order {
        let name = Self.awkward[n % Self.awkward.count]
        return Orders.Order(
            id: UUID(), matchId: Int64(n) * 7_777_777_777, buyerId: "buyer-\(name)", holdId: UUID(),
            state: OrderState.allCases[n % OrderState.allCases.count],
            unitPriceCents: 5_000 + n, amountCents: 10_000 + n, currency: "eur", paymentIntentId: optionals ? "pi_\(n)" : nil,
            windowEndsAt: optionals ? Date(timeIntervalSince1970: 1_900_000_000.999) : nil,
            holdExpiresAt: optionals ? Date(timeIntervalSince1970: 946_684_799.5) : nil,
            createdAt: Date(timeIntervalSince1970: 1_764_507_600.123_456 + Double(n)),
            seats: (0..<(n % 3)).map { i in
                Orders.OrderSeat(
                    unitId: Int64(i + n), sector: "S\(i)", row: optionals ? "\(i)" : nil, seat: i == 1 ? nil : "\(i)\(name)", attendee: name)
            },
            tickets: (0..<(n % 3)).map { i in Orders.TicketRef(id: UUID(), position: i + 1, deliverToEmail: i == 0 ? nil : "\(name)@example.test") })
    }

    @Test func an_order_is_written_as_the_encoder_writes_it() throws {
        for n in 0..<40 {
            let order = Self.order(n, optionals: n % 2 == 0)
            #expect(String(decoding: order.json, as: UTF8.self) == (try Self.encoded(order)))
        }
    }

    @Test func a_payment_start_is_written_as_the_encoder_writes_it() throws {
        for n in 0..<10 {
            let start = Orders.PaymentStart(
                order: Self.order(n, optionals: n % 2 == 1), paymentIntentId: "pi_\(n)",
                clientSecret: "pi_\(n)_secret_\(Self.awkward[n % Self.awkward.count])", amountCents: n, currency: "eur")
            #expect(String(decoding: start.json, as: UTF8.self) == (try Self.encoded(start)))
        }
    }

    @Test func a_hold_is_written_as_the_encoder_writes_it() throws {
        for n in 0..<10 {
            let name = Self.awkward[n % Self.awkward.count]
            let hold = Inventory.Hold(
                id: UUID(), matchId: Int64(n), buyerId: name, sector: "S\(name)", state: "active",
                expiresAt: Date(timeIntervalSince1970: 1_764_507_600.75 + Double(n) * 86_399),
                seats: (0..<n % 4).map {
                    Inventory.HeldSeat(unitId: Int64($0), sector: "S", row: $0 == 2 ? nil : "R\($0)", seat: $0 == 3 ? nil : name)
                })
            #expect(String(decoding: hold.answer(), as: UTF8.self) == (try Self.encoded(hold)))
        }
    }

    @Test func a_sector_availability_is_written_as_the_encoder_writes_it() throws {
        // As the push used to write it, except that slashes are no longer escaped (both read the same).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for n in 0..<10 {
            let name = Self.awkward[n % Self.awkward.count]
            let sector = AvailabilityProjection.SectorAvailability(
                code: "S\(n)", name: name, stand: "Sjever \(name)", gate: "G\(n)", kind: n % 2 == 0 ? "numbered" : "standing", open: n % 3 != 0,
                priceCategory: "cat/\(n)", priceCents: n % 4 == 0 ? nil : n * 1_000, available: n * 100, held: n, sold: n * 3, blocked: n % 2)
            let expected = String(decoding: try encoder.encode(sector), as: UTF8.self)
            #expect(sector.json == expected)
            #expect(try JSONDecoder().decode(AvailabilityProjection.SectorAvailability.self, from: Data(sector.json.utf8)) == sector)
        }
    }

    /// With every optional set, the encoder writes one key per stored property: so a property added
    /// later and missing from a hand-written answer fails here even while other fixtures leave it nil.
    @Test func every_property_is_written() throws {
        func keys(_ json: [UInt8]) throws -> Set<String> { Set((try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] ?? [:]).keys) }
        func expectAll(_ value: some Encodable, _ written: [UInt8]) throws {
            let count = Mirror(reflecting: value).children.count
            let encoded = try keys(Array(try TicketingJSON.encoder().encode(value)))
            #expect(encoded.count == count, "\(type(of: value)): the fixture leaves a property nil")
            #expect(try keys(written) == encoded, "\(type(of: value))")
        }
        let order = Self.order(4, optionals: true)
        try expectAll(order, order.json)
        let seat = try #require(order.seats.first { $0.row != nil && $0.seat != nil })
        var w = JSONWriter()
        Orders.Order(
            id: order.id, matchId: 1, buyerId: "b", holdId: order.holdId, state: .paid, unitPriceCents: 1, amountCents: 1, currency: "eur",
            paymentIntentId: "pi", windowEndsAt: Date(), holdExpiresAt: Date(), createdAt: Date(), seats: [seat],
            tickets: [Orders.TicketRef(id: UUID(), position: 1, deliverToEmail: "a@b.c")]
        ).write(to: &w)
        let nested = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(Set(((nested["seats"] as? [[String: Any]])?.first ?? [:]).keys).count == Mirror(reflecting: seat).children.count)
        #expect(
            Set(((nested["tickets"] as? [[String: Any]])?.first ?? [:]).keys).count
                == Mirror(reflecting: Orders.TicketRef(id: UUID(), position: 1, deliverToEmail: "x")).children.count)
        let start = Orders.PaymentStart(order: order, paymentIntentId: "pi", clientSecret: "s", amountCents: 1, currency: "eur")
        try expectAll(start, start.json)
        let hold = Inventory.Hold(
            id: UUID(), matchId: 1, buyerId: "b", sector: "S", state: "active", expiresAt: Date(),
            seats: [Inventory.HeldSeat(unitId: 1, sector: "S", row: "1", seat: "2")])
        try expectAll(hold, hold.answer())
        let heldSeat = try #require(try JSONSerialization.jsonObject(with: Data(hold.answer())) as? [String: Any])
        #expect(Set(((heldSeat["seats"] as? [[String: Any]])?.first ?? [:]).keys).count == Mirror(reflecting: hold.seats[0]).children.count)
        let sector = AvailabilityProjection.SectorAvailability(
            code: "S", name: "n", stand: "s", gate: "g", kind: "numbered", open: true,
            priceCategory: "A", priceCents: 1, available: 1, held: 1, sold: 1, blocked: 1)
        #expect(try keys(Array(sector.json.utf8)).count == Mirror(reflecting: sector).children.count)
    }
}
