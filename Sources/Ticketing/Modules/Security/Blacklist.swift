import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HNSRedis
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// E11: the admin-managed list of people who may not buy tickets. An entry names a person by OIB,
/// by passport (country and number) or by name and date of birth; an attendee matching any entry
/// refuses the whole order with a neutral message, and the hit is recorded for staff.
struct Blacklist: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    struct Entry: Codable, Sendable, Equatable {
        var id: Int64?
        var oib: String?
        var passportCountry: String?
        var passportNumber: String?
        var firstName: String?
        var lastName: String?
        var dateOfBirth: String?
        var reason: String
        var addedBy: String?
        var createdAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, oib
            case passportCountry = "passport_country"
            case passportNumber = "passport_number"
            case firstName = "first_name"
            case lastName = "last_name"
            case dateOfBirth = "date_of_birth"
            case reason
            case addedBy = "added_by"
            case createdAt = "created_at"
        }

        func normalized() -> Entry {
            func clean(_ s: String?) -> String? {
                guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
                return t
            }
            var e = self
            e.oib = clean(self.oib)
            e.passportCountry = clean(self.passportCountry).map(PassportNumber.normalizedCountry)
            e.passportNumber = clean(self.passportNumber).map(PassportNumber.normalized)
            e.firstName = clean(self.firstName)
            e.lastName = clean(self.lastName)
            e.dateOfBirth = clean(self.dateOfBirth)
            e.reason = self.reason.trimmingCharacters(in: .whitespaces)
            return e
        }

        func validate(prefix: String = "") -> [Problem.FieldError] {
            var errors: [Problem.FieldError] = []
            func fail(_ field: String, _ message: String) { errors.append(.init(field: prefix + field, message: message)) }
            if let oib = self.oib, !OIB.isValid(oib) { fail("oib", "is not a valid OIB") }
            if (self.passportCountry == nil) != (self.passportNumber == nil) {
                fail(self.passportNumber == nil ? "passport_number" : "passport_country", "passport needs both country and number")
            }
            if let country = self.passportCountry, !PassportNumber.isCountryCode(country) {
                fail("passport_country", "must be an ISO 3166-1 alpha-2 code")
            }
            if let date = self.dateOfBirth, PersonIdentity.parseDate(date) == nil { fail("date_of_birth", "must be a date as YYYY-MM-DD") }
            let byName = self.firstName != nil && self.lastName != nil && self.dateOfBirth != nil
            if self.oib == nil, self.passportNumber == nil, !byName {
                fail("oib", "an entry needs an OIB, a passport, or first name, last name and date of birth")
            }
            if self.reason.isEmpty { fail("reason", "is required") }
            return errors
        }
    }

    struct Hit: Sendable {
        let entryID: Int64
        let matchedBy: String
        let attendeeIndex: Int
    }

    /// The first entry each attendee matches, checked on the caller's transaction.
    func check(on connection: PostgresConnection, attendees: [PersonIdentity]) async throws -> [Hit] {
        guard !attendees.isEmpty else { return [] }
        // Every attendee in one statement; '' stands for "none" (identities are normalised: never empty).
        let oibs = attendees.map { $0.oib ?? "" }
        let numbers = attendees.map { $0.passportNumber ?? "" }
        let countries = attendees.map { $0.passportCountry ?? "" }
        let births = attendees.map(\.dateOfBirth)
        let lasts = attendees.map(\.lastName)
        let firsts = attendees.map(\.firstName)
        let rows = try await connection.prepared(
            """
            SELECT p.n, b.id, b.how
            FROM unnest(\(oibs)::text[], \(numbers)::text[], \(countries)::text[], \(births)::text[], \(lasts)::text[], \(firsts)::text[])
                 WITH ORDINALITY AS p(oib, number, country, birth, last_name, first_name, n)
            CROSS JOIN LATERAL (
                SELECT id, CASE WHEN oib = nullif(p.oib, '') THEN 'oib'
                                WHEN passport_number = nullif(p.number, '') AND passport_country = nullif(p.country, '') THEN 'passport'
                                ELSE 'name_and_birth_date' END AS how
                FROM security.blacklist
                WHERE oib = nullif(p.oib, '')
                   OR (passport_number = nullif(p.number, '') AND passport_country = nullif(p.country, ''))
                   OR (date_of_birth = p.birth::date AND lower(last_name) = lower(p.last_name) AND lower(first_name) = lower(p.first_name))
                ORDER BY id LIMIT 1
            ) b
            ORDER BY p.n
            """, logger: self.logger)
        var hits: [Hit] = []
        for try await (n, id, how) in rows.decode((Int, Int64, String).self) { hits.append(Hit(entryID: id, matchedBy: how, attendeeIndex: n - 1)) }
        return hits
    }

    /// Records refusals for staff; on its own transaction, since the order's was rolled back.
    func record(_ hits: [Hit], attendees: [PersonIdentity], matchID: Int64, buyer: Actor) async {
        do {
            try await self.postgres.withTransaction(logger: self.logger) { connection in
                try await Audit.write(
                    hits.map { hit in
                        Audit.Entry(
                            domain: .blacklistSecurity, action: "blacklist.refused", actor: buyer,
                            subjects: ["blacklist:\(hit.entryID)", "match:\(matchID)", "user:\(buyer.id)"],
                            data: ["matched_by": .string(hit.matchedBy), "attendee_index": .number(Double(hit.attendeeIndex))])
                    }, on: connection, logger: self.logger)
                for hit in hits {
                    let attendee = String(decoding: try JSONEncoder().encode(attendees[hit.attendeeIndex]), as: UTF8.self)
                    try await connection.prepared(
                        """
                        INSERT INTO security.blacklist_hits (blacklist_id, match_id, buyer_id, matched_by, attendee)
                        VALUES (\(hit.entryID), \(matchID), \(buyer.id), \(hit.matchedBy), \(attendee)::jsonb)
                        """, logger: self.logger)
                }
            }
        } catch {
            self.logger.error("blacklist hit not recorded", metadata: ["error": "\(error)", "match": "\(matchID)", "buyer": "\(buyer.id)"])
        }
    }

    func add(_ entries: [Entry], actor: Actor) async throws -> [Entry] {
        try await self.postgres.withTransaction(logger: self.logger) { connection in
            var added: [Entry] = []
            for e in entries {
                let rows = try await connection.prepared(
                    """
                    INSERT INTO security.blacklist (oib, passport_country, passport_number, first_name, last_name, date_of_birth, reason, added_by)
                    VALUES (\(e.oib), \(e.passportCountry), \(e.passportNumber), \(e.firstName), \(e.lastName), \(e.dateOfBirth)::date,
                            \(e.reason), \(actor.id))
                    RETURNING id, created_at
                    """, logger: self.logger)
                for try await (id, created) in rows.decode((Int64, Date).self) {
                    var copy = e
                    copy.id = id
                    copy.addedBy = actor.id
                    copy.createdAt = created
                    added.append(copy)
                }
            }
            try await Audit.write(
                added.map { entry in
                    Audit.Entry(
                        domain: .blacklistSecurity, action: "blacklist.added", actor: actor, subjects: ["blacklist:\(entry.id ?? 0)"],
                        data: [
                            "reason": .string(entry.reason),
                            "matches_by": .string(entry.oib != nil ? "oib" : entry.passportNumber != nil ? "passport" : "name_and_birth_date"),
                        ])
                }, on: connection, logger: self.logger)
            return added
        }
    }

    func list() async throws -> [Entry] {
        let rows = try await self.postgres.prepared(
            """
            SELECT id, oib, passport_country, passport_number, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD'), reason, added_by, created_at
            FROM security.blacklist ORDER BY id
            """, logger: self.logger)
        var out: [Entry] = []
        for try await (id, oib, pc, pn, first, last, dob, reason, by, at) in rows.decode(
            (Int64, String?, String?, String?, String?, String?, String?, String, String, Date).self)
        {
            out.append(
                Entry(
                    id: id, oib: oib, passportCountry: pc, passportNumber: pn, firstName: first, lastName: last,
                    dateOfBirth: dob, reason: reason, addedBy: by, createdAt: at))
        }
        return out
    }

    func remove(id: Int64, actor: Actor) async throws -> Bool {
        let removed = try await self.postgres.withTransaction(logger: self.logger) { connection -> Bool in
            let rows = try await connection.prepared(
                """
                WITH gone AS (DELETE FROM security.blacklist b WHERE id = \(id)
                              AND NOT EXISTS (SELECT 1 FROM security.blacklist_hits h WHERE h.blacklist_id = b.id) RETURNING id)
                SELECT count(*)::int FROM gone
                """, logger: self.logger)
            var n = 0
            for try await count in rows.decode(Int.self) { n = count }
            guard n > 0 else { return false }
            try await Audit.write(
                Audit.Entry(domain: .blacklistSecurity, action: "blacklist.removed", actor: actor, subjects: ["blacklist:\(id)"]),
                on: connection, logger: self.logger)
            return true
        }
        if removed { return true }
        // An entry with recorded hits is kept for the record; say so rather than pretend.
        let exists = try await self.postgres.prepared("SELECT 1 FROM security.blacklist WHERE id = \(id)", logger: self.logger)
        for try await _ in exists.decode(Int.self) {
            throw Problem(TicketingProblems.blacklistEntryInUse, detail: "This entry has recorded refusals and is kept for the record.")
        }
        return false
    }

    struct HitRecord: Encodable, Sendable {
        let id: Int64
        let blacklistId: Int64
        let matchId: Int64
        let buyerId: String
        let matchedBy: String
        let attendee: JSONValue
        let at: Date
    }

    func hits(limit: Int = 200) async throws -> [HitRecord] {
        let rows = try await self.postgres.prepared(
            """
            SELECT id, blacklist_id, match_id, buyer_id, matched_by, attendee::text, at FROM security.blacklist_hits
            ORDER BY id DESC LIMIT \(limit)
            """, logger: self.logger)
        var out: [HitRecord] = []
        for try await (id, entry, match, buyer, how, attendee, at) in rows.decode((Int64, Int64, Int64, String, String, String, Date).self) {
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(attendee.utf8))) ?? .null
            out.append(HitRecord(id: id, blacklistId: entry, matchId: match, buyerId: buyer, matchedBy: how, attendee: json, at: at))
        }
        return out
    }

    // MARK: CSV import

    static let csvColumns = ["oib", "passport_country", "passport_number", "first_name", "last_name", "date_of_birth", "reason"]

    /// Parses an import file: a header naming some of `csvColumns` (any order; `reason` required),
    /// then one entry per line. Every problem is reported with its line (`rows[3].oib`).
    static func parseCSV(_ text: String) throws -> [Entry] {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first else { throw Problem.validation(field: "file", "is empty") }
        let header = Self.csvFields(headerLine).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let unknown = header.filter { !Self.csvColumns.contains($0) }
        if !unknown.isEmpty { throw Problem.validation(field: "header", "unknown column(s): \(unknown.joined(separator: ", "))") }
        guard header.contains("reason") else { throw Problem.validation(field: "header", "the column reason is required") }
        var entries: [Entry] = []
        var errors: [Problem.FieldError] = []
        for (i, line) in lines.dropFirst().enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let rowNumber = i + 2
            let fields = Self.csvFields(line)
            guard fields.count == header.count else {
                errors.append(.init(field: "rows[\(rowNumber)]", message: "has \(fields.count) fields; the header has \(header.count)"))
                continue
            }
            var value: [String: String] = [:]
            var plain = true
            for (name, field) in zip(header, fields) {
                value[name] = field
                // The same floor as for JSON bodies (JSONBodyRules): no control characters, bounded length.
                if field.unicodeScalars.contains(where: JSONBodyRules.isRefused) || field.count > JSONBodyRules.maxStringLength {
                    errors.append(.init(field: "rows[\(rowNumber)].\(name)", message: "must be plain text without control characters"))
                    plain = false
                }
            }
            guard plain else { continue }
            let entry = Entry(
                oib: value["oib"], passportCountry: value["passport_country"], passportNumber: value["passport_number"],
                firstName: value["first_name"], lastName: value["last_name"], dateOfBirth: value["date_of_birth"],
                reason: value["reason"] ?? ""
            ).normalized()
            errors += entry.validate(prefix: "rows[\(rowNumber)].")
            entries.append(entry)
        }
        if !errors.isEmpty { throw Problem.validation(errors, detail: "The file has invalid rows; nothing was imported.") }
        if entries.isEmpty { throw Problem.validation(field: "file", "has no entries") }
        return entries
    }

    /// One CSV line: commas, double-quoted fields with "" for a quote.
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars = chars.dropFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}

extension Blacklist.Entry: ResponseEncodable {}

extension Blacklist {
    func addRoutes(to groups: RouteGroups) {
        groups.admin.get("admin/blacklist") { _, _ -> [Entry] in
            return try await self.list()
        }
        groups.admin.post("admin/blacklist") { request, context -> Created<Entry> in
            let entry = try await request.decodeJSON(as: Entry.self, context: context).normalized()
            let errors = entry.validate()
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Created(body: try await self.add([entry], actor: context.actor)[0])
        }
        // text/csv, all or nothing.
        groups.admin.post("admin/blacklist/import") { request, context -> Created<ImportResult> in
            let body = try await request.body.collect(upTo: 8 << 20)
            let entries = try Self.parseCSV(String(decoding: body.readableBytesView, as: UTF8.self))
            let added = try await self.add(entries, actor: context.actor)
            return Created(body: ImportResult(imported: added.count))
        }
        groups.admin.delete("admin/blacklist/:id") { _, context -> Response in
            guard try await self.remove(id: try context.parameters.id("id"), actor: context.actor) else {
                throw Problem.notFound("No such blacklist entry.")
            }
            return Response(status: .noContent)
        }
        groups.admin.get("admin/blacklist/hits") { _, _ -> HitList in
            return HitList(hits: try await self.hits())
        }
    }

    struct ImportResult: Encodable, ResponseEncodable, Sendable { let imported: Int }
    struct HitList: Encodable, ResponseEncodable, Sendable { let hits: [HitRecord] }
}
