import HNSIdentity
import HTTPTypes
import Foundation
import HNSCore
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

    /// `rules` answers whether the buyer may reserve at this match now (sale state, phase, queue turn), and their limit.
    func addRoutes(
        to group: RouterGroup<TicketingContext>, auth: Authenticator, idempotency: Idempotency,
        rules: @escaping @Sendable (_ matchID: Int64, _ buyer: String, _ purchaseToken: String?) async throws -> Int
    ) {
        group.get("matches/:matchId/availability") { _, context -> AvailabilityResponse in
            let matchID = try context.parameters.id("matchId")
            let sectors = try await self.projection.read(matchID: matchID)
            guard !sectors.isEmpty else { throw InventoryError.matchNotFound }
            return AvailabilityResponse(matchId: matchID, seatsLeft: sectors.reduce(0) { $0 + $1.sellable }, sectors: sectors)
        }
        group.get("matches/:matchId/sectors/:sector/seats") { _, context -> SectorMap in
            try await self.sectorMap(matchID: try context.parameters.id("matchId"), sector: context.parameters.get("sector") ?? "")
        }
        group.post("matches/:matchId/holds") { request, context -> Response in
            let me = try await auth.user(request)
            let matchID = try context.parameters.id("matchId")
            let bytes = try await request.body.collect(upTo: 1 << 16)
            return try await idempotency.run(request: request, buyer: me.userID, route: "POST /matches/\(matchID)/holds", body: bytes) { key in
                let body = try Hummingbird.Request.decodeJSON(as: HoldRequest.self, from: bytes)
                let wanted: Request
                switch (body.sector, body.quantity, body.seats) {
                case (let sector?, let quantity?, nil):
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
                let hold = try await self.reserve(matchID: matchID, buyer: me.userID, request: wanted, limit: limit, key: key)
                return (.created, hold.answer())
            }
        }
        group.get("holds/:holdId") { request, context -> Hold in
            let me = try await auth.user(request)
            guard let id = context.parameters.get("holdId").flatMap(UUID.init(uuidString:)) else { throw InventoryError.holdNotFound }
            return try await self.hold(id: id, buyer: me.userID)
        }
        group.delete("holds/:holdId") { request, context -> Response in
            let me = try await auth.user(request)
            guard let id = context.parameters.get("holdId").flatMap(UUID.init(uuidString:)) else { throw InventoryError.holdNotFound }
            try await self.release(holdID: id, buyer: me.userID, reason: .released, actor: me.userID)
            return Response(status: .noContent)
        }
    }
}
