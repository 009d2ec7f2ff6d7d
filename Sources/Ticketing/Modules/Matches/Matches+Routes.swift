import HNSIdentity
import HTTPTypes
import Foundation
import HNSCore
import Hummingbird

extension Matches.Match: ResponseEncodable {}
extension Matches.Version: ResponseEncodable {}
extension MatchConfig.DiffEntry: ResponseEncodable {}

extension Matches {
    struct StateChange: Decodable, Sendable {
        var state: String
        var reason: String?
    }

    struct SeatMapRequest: Decodable, Sendable {
        var stadiumId: Int64
        enum CodingKeys: String, CodingKey { case stadiumId = "stadium_id" }
    }

    struct SeatMapResult: Encodable, ResponseEncodable, Sendable {
        let match: Match
        let assignedUnits: Int
    }

    func addRoutes(to group: RouterGroup<TicketingContext>, auth: Authenticator) {
        // Fans browse without signing in.
        group.get("matches") { _, _ -> [Match] in try await self.list(includeDrafts: false) }
        group.get("matches/:matchId") { _, context -> Match in
            let match = try await self.match(id: try context.parameters.id("matchId"))
            guard match.state.isPublic else { throw Problem.notFound("No match \(match.id).") }
            return match
        }

        group.get("admin/matches") { request, _ -> [Match] in
            _ = try await auth.admin(request)
            return try await self.list(includeDrafts: true)
        }
        group.post("admin/matches") { request, context -> Created<Match> in
            let admin = try await auth.admin(request)
            let body = try await request.decodeJSON(as: Create.self, context: context)
            return Created(body: try await self.create(body, actor: admin.userID))
        }
        group.patch("admin/matches/:matchId") { request, context -> Match in
            let admin = try await auth.admin(request)
            let body = try await request.decodeJSON(as: Update.self, context: context)
            return try await self.update(id: try context.parameters.id("matchId"), body, actor: admin.userID)
        }
        group.post("admin/matches/:matchId/state") { request, context -> Match in
            let admin = try await auth.admin(request)
            let body = try await request.decodeJSON(as: StateChange.self, context: context)
            guard let next = MatchState(rawValue: body.state) else {
                throw Problem.validation(field: "state", "must be one of \(MatchState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try await self.transition(id: try context.parameters.id("matchId"), to: next, actor: admin.userID, reason: body.reason)
        }
        group.get("admin/matches/:matchId/config") { request, context -> Version in
            _ = try await auth.admin(request)
            return try await self.versions(matchID: try context.parameters.id("matchId")).last!
        }
        group.post("admin/matches/:matchId/config") { request, context -> Created<Version> in
            let admin = try await auth.admin(request)
            let change = try await request.decodeJSON(as: MatchConfig.Change.self, context: context)
            return Created(body: try await self.changeConfig(matchID: try context.parameters.id("matchId"), change: change, actor: admin.userID))
        }
        group.get("admin/matches/:matchId/config/versions") { request, context -> [Version] in
            _ = try await auth.admin(request)
            return try await self.versions(matchID: try context.parameters.id("matchId"))
        }
        group.get("admin/matches/:matchId/config/versions/:version/diff") { request, context -> [MatchConfig.DiffEntry] in
            _ = try await auth.admin(request)
            guard let version = context.parameters.get("version", as: Int.self) else { throw Problem.notFound() }
            return try await self.diff(matchID: try context.parameters.id("matchId"), version: version)
        }
        group.post("admin/matches/:matchId/seat-map") { request, context -> SeatMapResult in
            let admin = try await auth.admin(request)
            let body = try await request.decodeJSON(as: SeatMapRequest.self, context: context)
            let (match, assigned) = try await self.attachSeatMap(
                matchID: try context.parameters.id("matchId"), stadiumID: body.stadiumId, actor: admin.userID)
            return SeatMapResult(match: match, assignedUnits: assigned)
        }
    }
}
