import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import NIOCore
import PostgresNIO

/// E13, access control (scenario 6): the stadium's own gate system is handed the match's valid
/// codes as a spreadsheet before the match, and later only what changed. Every export is recorded
/// with a version and the database snapshot it read, so `since_version` lists exactly the codes
/// added (or re-seated) and revoked after that snapshot, revocations with their reason.
struct Access: Sendable {
    let postgres: PostgresClient
    let matches: Matches
    let loyalty: Loyalty
    let logger: Logger

    struct ExportRequest: Sendable {
        var format: TableStream.Format = .xlsx
        var sinceVersion: Int?
        var holderNames = true
    }

    /// An export whose version is taken and whose rows are about to stream.
    struct Started: Sendable {
        let matchID: Int64
        let version: Int
        let request: ExportRequest
        /// The snapshot of `sinceVersion`.
        let base: String?
    }

    struct Export: Codable, Sendable, Equatable {
        let version: Int
        let sinceVersion: Int?
        let format: String
        let holderNames: Bool
        let actor: String
        let startedAt: Date
        let completedAt: Date?
        let validRows: Int?
        let revokedRows: Int?
        let sha256: String?

        enum CodingKeys: String, CodingKey {
            case version, format, actor
            case sinceVersion = "since_version"
            case holderNames = "holder_names"
            case startedAt = "started_at"
            case completedAt = "completed_at"
            case validRows = "valid_rows"
            case revokedRows = "revoked_rows"
            case sha256
        }

        /// Every field present, null until known.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(self.version, forKey: .version)
            try c.encode(self.sinceVersion, forKey: .sinceVersion)
            try c.encode(self.format, forKey: .format)
            try c.encode(self.holderNames, forKey: .holderNames)
            try c.encode(self.actor, forKey: .actor)
            try c.encode(self.startedAt, forKey: .startedAt)
            try c.encode(self.completedAt, forKey: .completedAt)
            try c.encode(self.validRows, forKey: .validRows)
            try c.encode(self.revokedRows, forKey: .revokedRows)
            try c.encode(self.sha256, forKey: .sha256)
        }
    }

    /// Takes the next version of the match's exports (the file names it before its rows exist).
    func start(matchID: Int64, _ request: ExportRequest, actor: Actor) async throws -> Started {
        _ = try await self.matches.match(id: matchID)
        return try await self.postgres.withConnection { connection in
            var base: String?
            if let since = request.sinceVersion {
                let rows = try await connection.query(
                    """
                    SELECT snapshot::text FROM access.exports
                    WHERE match_id = \(matchID) AND version = \(since) AND completed_at IS NOT NULL
                    """, logger: self.logger)
                for try await snapshot in rows.decode(String.self) { base = snapshot }
                guard base != nil else {
                    throw Problem.validation([.init(field: "since_version", message: "names no complete export of this match")])
                }
            }
            var writes = PreparedWrites()
            let version = writes.add(
                """
                INSERT INTO access.match_versions AS v (match_id, last_version) VALUES (\(matchID), 1)
                ON CONFLICT (match_id) DO UPDATE SET last_version = v.last_version + 1 RETURNING last_version
                """)
            writes.add(
                """
                INSERT INTO access.exports (match_id, version, since_version, format, holder_names, actor)
                SELECT \(matchID), last_version, \(request.sinceVersion), \(request.format.rawValue), \(request.holderNames), \(actor.id)
                FROM \(unescaped: version)
                """)
            Audit.add(
                Audit.Entry(
                    domain: .accessControl, action: "access.export_started", actor: actor, subjects: ["match:\(matchID)"],
                    data: ["since_version": request.sinceVersion.map { .number(Double($0)) } ?? .null, "format": .string(request.format.rawValue)]),
                to: &writes)
            let rows = try await writes.run(on: connection, select: "SELECT last_version FROM \(version)", logger: self.logger)
            guard let number = try rows.first?.decode(Int.self) else { throw Problem.unavailable("The export could not be numbered.") }
            return Started(matchID: matchID, version: number, request: request, base: base)
        }
    }

    /// Streams the export's rows to `emit` from one snapshot of the database, in pieces of about
    /// 64 KiB, then records it as complete (its snapshot, counts and the file's SHA-256).
    func stream(_ started: Started, actor: Actor, emit: (ByteBuffer) async throws -> Void) async throws {
        let request = started.request
        let delta = started.base != nil
        var columns = ["barcode", "ticket_id", "sector", "row", "seat", "gate", "price_category"]
        if request.holderNames { columns.append("holder_name") }
        columns.append("state")
        if delta { columns = ["change"] + columns + ["reason", "revoked_at"] }
        let table = try TableStream(format: request.format, sheet: "Match \(started.matchID) v\(started.version)", columns: columns)
        func send() async throws { try await emit(ByteBuffer(bytes: table.take())) }
        var revoked = 0
        let snapshot = try await self.postgres.withReadSnapshot(logger: self.logger) { connection -> String in
            var snapshot = ""
            for try await text in try await connection.query("SELECT pg_current_snapshot()::text", logger: self.logger).decode(String.self) {
                snapshot = text
            }
            let gates = try await Inventory.gates(connection, matchID: started.matchID, logger: self.logger)
            try await Tickets.eachValidCode(connection, matchID: started.matchID, changedAfter: started.base, logger: self.logger) { code in
                var cells: [Spreadsheet.Cell] = delta ? [.text("added")] : []
                cells += [
                    .text(code.barcode), .text(code.ticketID.lowercased), .text(code.sector), code.row.map { .text($0) } ?? .blank,
                    code.seat.map { .text($0) } ?? .blank, .text(gates[code.sector]?.gate ?? ""), .text(gates[code.sector]?.priceCategory ?? ""),
                ]
                if request.holderNames { cells.append(.text(code.holderName)) }
                cells.append(.text(code.status))
                if delta { cells += [.blank, .blank] }
                try table.row(cells)
                if table.ready >= 1 << 16 { try await send() }
            }
            if delta {
                try await Tickets.eachRevokedCode(connection, matchID: started.matchID, revokedAfter: started.base, logger: self.logger) { code in
                    var cells: [Spreadsheet.Cell] = [
                        .text("revoked"), .text(code.barcode), .text(code.ticketID.lowercased), .text(code.sector),
                        code.row.map { .text($0) } ?? .blank, code.seat.map { .text($0) } ?? .blank, .text(gates[code.sector]?.gate ?? ""),
                        .text(gates[code.sector]?.priceCategory ?? ""),
                    ]
                    if request.holderNames { cells.append(.blank) }
                    cells += [.text("revoked"), .text(code.reason), .text(Envelope.rfc3339(code.revokedAt))]
                    try table.row(cells)
                    revoked += 1
                    if table.ready >= 1 << 16 { try await send() }
                }
            }
            return snapshot
        }
        try table.finish()
        try await send()
        let valid = table.rows - revoked
        try await self.postgres.withConnection { connection in
            var writes = PreparedWrites()
            writes.add(
                """
                UPDATE access.exports SET snapshot = \(snapshot)::pg_snapshot, completed_at = now(), valid_rows = \(valid),
                       revoked_rows = \(revoked), sha256 = \(table.checksum)
                WHERE match_id = \(started.matchID) AND version = \(started.version)
                """)
            Audit.add(
                Audit.Entry(
                    domain: .accessControl, action: "access.exported", actor: actor, subjects: ["match:\(started.matchID)"],
                    data: [
                        "version": .number(Double(started.version)), "valid_rows": .number(Double(valid)), "revoked_rows": .number(Double(revoked)),
                        "sha256": .string(table.checksum), "bytes": .number(Double(table.bytes)),
                    ]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
        }
    }

    /// An AWAY match's ticket holders for the host federation: identity and document, sector and
    /// seat once the host's seat map assigned them. Held in memory: an away allocation is a few
    /// thousand tickets.
    func awayList(matchID: Int64, actor: Actor) async throws -> [UInt8] {
        let match = try await self.matches.match(id: matchID)
        guard match.venueKind == "away" else {
            throw Problem(TicketingProblems.notAway, detail: "The attendee list is for the host federation of an away match.")
        }
        let book = try WorkbookStream()
        try book.beginSheet("\(match.competition) \(match.opponent)")
        try book.row(
            [
                "first_name", "last_name", "date_of_birth", "nationality", "document_type", "document_number", "document_country", "sector", "row",
                "seat", "ticket_id",
            ].map { .text($0) })
        var count = 0
        try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            let holders = try await Orders.holders(connection, matchID: matchID, logger: self.logger)
            try await Tickets.eachValidCode(connection, matchID: matchID, changedAfter: nil, logger: self.logger) { code in
                guard let who = holders[code.ticketID] else { return }
                let document: [Spreadsheet.Cell] =
                    if let oib = who.oib {
                        [.text("oib"), .text(oib), .text("HR")]
                    } else {
                        [.text("passport"), .text(who.passportNumber ?? ""), .text(who.passportCountry ?? "")]
                    }
                try book.row(
                    [.text(who.firstName), .text(who.lastName), .text(who.dateOfBirth), .text(who.nationality)] + document + [
                        .text(code.sector), code.row.map { .text($0) } ?? .blank, code.seat.map { .text($0) } ?? .blank,
                        .text(code.ticketID.lowercased),
                    ])
                count += 1
            }
        }
        // Staff reading personal data is on the trail too.
        let entry = Audit.Entry(
            domain: .accessControl, action: "access.attendee_list", actor: actor, subjects: ["match:\(matchID)"],
            data: ["rows": .number(Double(count))])
        try await self.postgres.withConnection { try await Audit.write(entry, on: $0, logger: self.logger) }
        try book.finish()
        return book.take()
    }

    /// The match's exports, newest first.
    func exports(matchID: Int64) async throws -> [Export] {
        _ = try await self.matches.match(id: matchID)
        let rows = try await self.postgres.query(
            """
            SELECT version, since_version, format, holder_names, actor, started_at, completed_at, valid_rows, revoked_rows, sha256
            FROM access.exports WHERE match_id = \(matchID) ORDER BY version DESC
            """, logger: self.logger)
        var out: [Export] = []
        for try await (version, since, format, holder, actor, started, completed, valid, revoked, sha) in rows.decode(
            (Int, Int?, String, Bool, String, Date, Date?, Int?, Int?, String?).self)
        {
            out.append(
                Export(
                    version: version, sinceVersion: since, format: format, holderNames: holder, actor: actor, startedAt: started,
                    completedAt: completed, validRows: valid, revokedRows: revoked, sha256: sha))
        }
        return out
    }
}
