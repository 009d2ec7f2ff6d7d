import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes
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

    func addRoutes(to groups: RouteGroups) {
        // Fans browse without signing in.
        groups.anyone.get("matches") { _, _ -> [Match] in try await self.list(includeDrafts: false) }
        groups.anyone.get("matches/:matchId") { _, context -> Match in
            let match = try await self.match(id: try context.parameters.id("matchId"))
            guard match.state.isPublic else { throw MatchNotFound(id: match.id) }
            return match
        }

        groups.admin.get("admin/matches") { _, _ -> [Match] in
            return try await self.list(includeDrafts: true)
        }
        groups.admin.post("admin/matches") { request, context -> Created<Match> in
            let body = try await request.decodeJSON(as: Create.self, context: context)
            return Created(body: try await self.create(body, actor: context.actor))
        }
        groups.admin.patch("admin/matches/:matchId") { request, context -> Match in
            let body = try await request.decodeJSON(as: Update.self, context: context)
            return try await self.update(id: try context.parameters.id("matchId"), body, actor: context.actor)
        }
        groups.admin.post("admin/matches/:matchId/state") { request, context -> Match in
            let body = try await request.decodeJSON(as: StateChange.self, context: context)
            guard let next = MatchState(rawValue: body.state) else {
                throw Problem.validation(field: "state", "must be one of \(MatchState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try await self.transition(id: try context.parameters.id("matchId"), to: next, actor: context.actor, reason: body.reason)
        }
        groups.admin.get("admin/matches/:matchId/config") { request, context -> Version in
            return try await self.versions(matchID: try context.parameters.id("matchId")).last!
        }
        groups.admin.post("admin/matches/:matchId/config") { request, context -> Created<Version> in
            let change = try await request.decodeJSON(as: MatchConfig.Change.self, context: context)
            return Created(body: try await self.changeConfig(matchID: try context.parameters.id("matchId"), change: change, actor: context.actor))
        }
        groups.admin.get("admin/matches/:matchId/config/versions") { request, context -> [Version] in
            return try await self.versions(matchID: try context.parameters.id("matchId"))
        }
        groups.admin.get("admin/matches/:matchId/config/versions/:version/diff") { request, context -> [MatchConfig.DiffEntry] in
            guard let version = context.parameters.decoded("version").flatMap({ Int($0) }) else { throw Problem.notFound() }
            return try await self.diff(matchID: try context.parameters.id("matchId"), version: version)
        }
        groups.admin.post("admin/matches/:matchId/seat-map") { request, context -> SeatMapResult in
            let body = try await request.decodeJSON(as: SeatMapRequest.self, context: context)
            let (match, assigned) = try await self.attachSeatMap(
                matchID: try context.parameters.id("matchId"), stadiumID: body.stadiumId, actor: context.actor)
            return SeatMapResult(match: match, assignedUnits: assigned)
        }
    }
}
