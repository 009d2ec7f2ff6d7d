import HNSIdentity
import HTTPTypes
import Foundation
import HNSCore
import HNSPostgres
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// E2: stadium templates, imported and exported as JSON. A match copies a template into its inventory.
struct Stadiums: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    struct Summary: Codable, ResponseEncodable, Sendable, Equatable {
        let id: Int64
        let code: String
        let name: String
        let city: String
        let seatCount: Int
    }

    /// Validates and stores a template; a code already in use is a conflict, nothing is overwritten.
    func importTemplate(_ template: StadiumTemplate) async throws -> Summary {
        let errors = template.validate()
        guard errors.isEmpty else { throw Problem.validation(errors, detail: "The stadium template is invalid.") }
        let json = String(decoding: try JSONEncoder().encode(template), as: UTF8.self)
        do {
            let rows = try await self.postgres.query(
                """
                INSERT INTO matches.stadiums (code, name, city, template, seat_count)
                VALUES (\(template.code), \(template.name), \(template.city), \(json)::jsonb, \(template.seatCount))
                RETURNING id
                """, logger: self.logger)
            for try await id in rows.decode(Int64.self) {
                return Summary(id: id, code: template.code, name: template.name, city: template.city, seatCount: template.seatCount)
            }
            throw Problem(status: .internalServerError, detail: "The stadium was not stored.")
        } catch where SQLState.isUniqueViolation(error) {
            throw Problem(status: .conflict, slug: "stadium-exists", detail: "A stadium with code \(template.code) exists.",
                          errors: [.init(field: "code", message: "is already used by another stadium")])
        }
    }

    func list() async throws -> [Summary] {
        let rows = try await self.postgres.query(
            "SELECT id, code, name, city, seat_count FROM matches.stadiums ORDER BY code", logger: self.logger)
        var result: [Summary] = []
        for try await (id, code, name, city, seats) in rows.decode((Int64, String, String, String, Int).self) {
            result.append(Summary(id: id, code: code, name: name, city: city, seatCount: seats))
        }
        return result
    }

    func template(id: Int64) async throws -> StadiumTemplate {
        let rows = try await self.postgres.query("SELECT template::text FROM matches.stadiums WHERE id = \(id)", logger: self.logger)
        for try await json in rows.decode(String.self) {
            return try JSONDecoder().decode(StadiumTemplate.self, from: Data(json.utf8))
        }
        throw Problem.notFound("No stadium \(id).")
    }

    /// The demo grounds, imported unless a stadium with their code exists. Returns their ids by code.
    func importDemoStadiums() async throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        let existing = try await self.list()
        for template in DemoStadiums.all {
            if let found = existing.first(where: { $0.code == template.code }) {
                ids[template.code] = found.id
            } else {
                ids[template.code] = try await self.importTemplate(template).id
            }
        }
        return ids
    }
}

extension Stadiums {
    func addRoutes(to group: RouterGroup<TicketingContext>, auth: Authenticator) {
        group.post("admin/stadiums") { request, context -> Created<Summary> in
            _ = try await auth.admin(request)
            let template = try await request.decodeJSON(as: StadiumTemplate.self, context: context)
            return Created(body: try await self.importTemplate(template))
        }
        group.get("admin/stadiums") { request, _ -> [Summary] in
            _ = try await auth.admin(request)
            return try await self.list()
        }
        group.get("admin/stadiums/:stadiumId") { request, context -> Response in
            _ = try await auth.admin(request)
            let template = try await self.template(id: try context.parameters.id("stadiumId"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(template))))
        }
    }
}
