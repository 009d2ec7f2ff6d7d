import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes
import Hummingbird

extension Inventory.Hold: ResponseEncodable {}
extension Inventory.SectorMap: ResponseEncodable {}

extension Inventory {
    struct HoldRequest: Decodable, Sendable {
        var sector: String?
        var quantity: Int?
        var seats: [Int64]?
    }

    struct AvailabilityResponse: Encodable, ResponseEncodable, Sendable {
        let matchId: Int64
        let seatsLeft: Int
        let sectors: [AvailabilityProjection.SectorAvailability]
    }

    /// `rules` answers whether the buyer may reserve at this match now (sale state, phase, queue turn),
    /// and their limit; `visible`, whether fans may see the match at all (a draft is not shown).
    func addRoutes(
        to groups: RouteGroups, idempotency: Idempotency,
        visible: @escaping @Sendable (_ matchID: Int64) async throws -> Bool,
        rules: @escaping @Sendable (_ matchID: Int64, _ buyer: String, _ purchaseToken: String?) async throws -> Int
    ) {
        groups.anyone.get("matches/:matchId/availability") { _, context -> AvailabilityResponse in
            let matchID = try context.parameters.id("matchId")
            guard try await visible(matchID) else { throw InventoryError.matchNotFound }
            let sectors = try await self.projection.read(matchID: matchID)
            guard !sectors.isEmpty else { throw InventoryError.matchNotFound }
            return AvailabilityResponse(matchId: matchID, seatsLeft: sectors.reduce(0) { $0 + $1.sellable }, sectors: sectors)
        }
        groups.anyone.get("matches/:matchId/sectors/:sector/seats") { _, context -> SectorMap in
            let matchID = try context.parameters.id("matchId")
            guard try await visible(matchID) else { throw InventoryError.matchNotFound }
            return try await self.sectorMap(matchID: matchID, sector: context.parameters.decoded("sector") ?? "")
        }
        groups.purchase.post("matches/:matchId/holds") { request, context -> Response in
            let me = context.identity
            let matchID = try context.parameters.id("matchId")
            let bytes = try await request.body.collect(upTo: 1 << 16)
            return try await idempotency.run(request: request, buyer: me.userID, route: "POST /matches/\(matchID)/holds", body: bytes) { key in
                let body = try Hummingbird.Request.decodeJSON(as: HoldRequest.self, from: bytes)
                let wanted: Request
                switch (body.sector, body.quantity, body.seats) {
                case (let sector?, let quantity?, nil):
                    guard (1...12).contains(sector.utf8.count) else {
                        throw Problem.validation(field: "sector", "must be a sector code (1 to 12 characters)")
                    }
                    guard (1...50).contains(quantity) else { throw Problem.validation(field: "quantity", "must be between 1 and 50") }
                    wanted = .bestAvailable(sector: sector, quantity: quantity)
                case (nil, nil, let seats?):
                    guard (1...50).contains(seats.count) else { throw Problem.validation(field: "seats", "must name 1 to 50 seats") }
                    guard Set(seats).count == seats.count else { throw Problem.validation(field: "seats", "names a seat twice") }
                    wanted = .seats(seats)
                case (nil, _, nil), (_, nil, nil):
                    throw Problem.validation(field: body.sector == nil ? "sector" : "quantity", "send sector and quantity, or seats")
                default:
                    throw Problem.validation(field: "seats", "send either sector and quantity, or seats, not both")
                }
                let limit = try await rules(matchID, me.userID, request.headers[QueueGate.header])
                let hold = try await self.reserve(matchID: matchID, buyer: context.actor, request: wanted, limit: limit, key: key)
                return (.created, hold.answer())
            }
        }
        groups.customer.get("holds/:holdId") { _, context -> Hold in
            guard let id = context.parameters.decoded("holdId").flatMap(UUID.init(uuidString:)) else { throw InventoryError.holdNotFound }
            return try await self.hold(id: id, buyer: context.identity.userID)
        }
        groups.customer.delete("holds/:holdId") { _, context -> Response in
            guard let id = context.parameters.decoded("holdId").flatMap(UUID.init(uuidString:)) else { throw InventoryError.holdNotFound }
            try await self.release(holdID: id, buyer: context.identity.userID, reason: .released, actor: context.actor)
            return Response(status: .noContent)
        }
    }
}
