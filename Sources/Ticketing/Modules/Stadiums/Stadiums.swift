import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HTTPTypes
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
    func importTemplate(_ template: StadiumTemplate, actor: Actor) async throws -> Summary {
        let errors = template.validate()
        guard errors.isEmpty else { throw Problem.validation(errors, detail: "The stadium template is invalid.") }
        let json = String(decoding: try JSONEncoder().encode(template), as: UTF8.self)
        do {
            return try await self.postgres.withTransaction(logger: self.logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO stadiums.stadiums (code, name, city, template, seat_count)
                    VALUES (\(template.code), \(template.name), \(template.city), \(json)::jsonb, \(template.seatCount))
                    RETURNING id
                    """, logger: self.logger)
                var stored: Int64?
                for try await id in rows.decode(Int64.self) { stored = id }
                guard let id = stored else { throw UnexpectedStoredValue(column: "stadiums.id", value: "none returned") }
                try await Audit.write(
                    Audit.Entry(
                        domain: .matchStadium, action: "stadium.imported", actor: actor, subjects: ["stadium:\(id)"],
                        data: ["code": .string(template.code), "seats": .number(Double(template.seatCount))]),
                    on: connection, logger: self.logger)
                return Summary(id: id, code: template.code, name: template.name, city: template.city, seatCount: template.seatCount)
            }
        } catch  where SQLState.isUniqueViolation(error) {
            throw Problem(
                TicketingProblems.stadiumExists, detail: "A stadium with code \(template.code) exists.",
                errors: [.init(field: "code", message: "is already used by another stadium")])
        }
    }

    func list() async throws -> [Summary] {
        let rows = try await self.postgres.query(
            "SELECT id, code, name, city, seat_count FROM stadiums.stadiums ORDER BY code", logger: self.logger)
        var result: [Summary] = []
        for try await (id, code, name, city, seats) in rows.decode((Int64, String, String, String, Int).self) {
            result.append(Summary(id: id, code: code, name: name, city: city, seatCount: seats))
        }
        return result
    }

    func template(id: Int64) async throws -> StadiumTemplate {
        let rows = try await self.postgres.query("SELECT template::text FROM stadiums.stadiums WHERE id = \(id)", logger: self.logger)
        for try await json in rows.decode(String.self) {
            return try JSONDecoder().decode(StadiumTemplate.self, from: Data(json.utf8))
        }
        throw StadiumNotFound(id: id)
    }

    /// No stadium has this id: a 404 where a stadium is addressed, a field error where one is named.
    struct StadiumNotFound: Error {
        let id: Int64
    }

    /// The demo grounds, imported unless a stadium with their code exists. Returns their ids by code.
    func importDemoStadiums() async throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        let existing = try await self.list()
        for template in DemoStadiums.all {
            if let found = existing.first(where: { $0.code == template.code }) {
                ids[template.code] = found.id
            } else {
                ids[template.code] = try await self.importTemplate(template, actor: .service("system:seed-demo")).id
            }
        }
        return ids
    }
}

extension Stadiums {
    func addRoutes(to groups: RouteGroups) {
        groups.admin.post("admin/stadiums") { request, context -> Created<Summary> in
            let template = try await request.decodeJSON(as: StadiumTemplate.self, context: context)
            return Created(body: try await self.importTemplate(template, actor: context.actor))
        }
        groups.admin.get("admin/stadiums") { _, _ -> [Summary] in
            try await self.list()
        }
        groups.admin.get("admin/stadiums/:stadiumId") { _, context -> Response in
            let template = try await self.template(id: try context.parameters.id("stadiumId"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(template))))
        }
    }
}
