import Crypto
import Foundation
import HNSBus
import HNSCore
import HNSPostgres
import Logging
import PostgresNIO

/// The stadium's attendance export, imported after the match (scenario 6): all or nothing, each
/// scanned code marks its ticket used, loyalty points follow, and a report says what the gates saw
/// against what was sold — unknown codes, revoked codes that were scanned (a fraud signal), no-shows.
extension Access {
    /// Which header names hold the code, the scan time and the gate.
    struct Mapping: Sendable, Equatable {
        var barcode = "barcode"
        var scannedAt = "scanned_at"
        var gate: String? = "gate"
    }

    /// Columns named by the request; what is not named comes from the stadium's saved mapping.
    struct MappingQuery: Sendable {
        var barcode: String?
        var scannedAt: String?
        var gate: String?
        var isEmpty: Bool { self.barcode == nil && self.scannedAt == nil && self.gate == nil }
    }

    /// Errors listed at most, of a file with many bad rows.
    static let listedErrors = 100
    /// Unknown codes listed at most (all are counted).
    static let listedUnknown = 1000

    /// Imports one attendance file; `created` is false when the same file was imported before (its
    /// report is answered again and nothing changes).
    func importAttendance(matchID: Int64, body: [UInt8], query: MappingQuery, actor: Actor) async throws -> (created: Bool, report: JSONValue) {
        let match = try await self.matches.match(id: matchID)
        let sha = SHA256.hash(data: body).hexString
        if let report = try await self.storedReport(matchID: matchID, sha256: sha) { return (false, report) }
        let started = ContinuousClock.now
        let file: AttendanceFile
        do { file = try AttendanceFile.read(body) } catch AttendanceFile.Failure.unreadable(let why) {
            throw Problem.validation(field: "body", why)
        }
        var mapping = try await self.savedMapping(stadiumID: match.stadiumId) ?? Mapping()
        if let barcode = query.barcode { mapping.barcode = barcode }
        if let scannedAt = query.scannedAt { mapping.scannedAt = scannedAt }
        if let gate = query.gate { mapping.gate = gate.isEmpty ? nil : gate }
        let scans = try Self.scans(file, mapping: mapping)
        let parsed = ContinuousClock.now

        let outcome = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> (Bool, JSONValue, [Duration]) in
            let id = UUID.random()
            let claimed = try await connection.query(
                """
                INSERT INTO access.attendance_imports (id, match_id, sha256, format, rows, actor, report)
                VALUES (\(id), \(matchID), \(sha), \(file.format.rawValue), \(file.rows.count), \(actor.id), '{}')
                ON CONFLICT (match_id, sha256) DO NOTHING RETURNING 1
                """, logger: self.logger)
            // The same file, imported at this moment by someone else: theirs is the import.
            guard try await claimed.collect().count == 1 else { return (false, .null, []) }
            var laps = [ContinuousClock.now]
            let marking = try await Tickets.markUsed(connection, matchID: matchID, scans: scans, logger: self.logger)
            let marked = marking.marked
            laps.append(.now)
            let people = try await Orders.personKeys(connection, matchID: matchID, ticketIDs: marked.map(\.ticketID), logger: self.logger)
            let attended = marked.compactMap { t -> Loyalty.Attended? in
                guard let person = people[t.ticketID] else { return nil }
                return Loyalty.Attended(ticketID: t.ticketID, personKey: person, transferred: t.transferred, otherEmail: t.otherEmail)
            }
            laps.append(.now)
            let (awarded, tierChanges) = try await self.loyalty.award(connection, match: match, attended: attended, actor: actor)
            laps.append(.now)
            let sectors = try await Tickets.attendance(connection, matchID: matchID, logger: self.logger)
            let report = Self.report(
                id: id, matchID: matchID, file: file, scans: scans.count, marking: marking, sectors: sectors, awarded: awarded,
                tierChanges: tierChanges)
            var writes = PreparedWrites()
            writes.add("UPDATE access.attendance_imports SET report = \(String(decoding: report.encoded(), as: UTF8.self))::jsonb WHERE id = \(id)")
            if !query.isEmpty, let stadium = match.stadiumId {
                writes.add(
                    """
                    INSERT INTO access.attendance_mappings (stadium_id, barcode_column, scanned_at_column, gate_column)
                    VALUES (\(stadium), \(mapping.barcode), \(mapping.scannedAt), \(mapping.gate))
                    ON CONFLICT (stadium_id) DO UPDATE SET barcode_column = EXCLUDED.barcode_column,
                        scanned_at_column = EXCLUDED.scanned_at_column, gate_column = EXCLUDED.gate_column, updated_at = now()
                    """)
            }
            Audit.add(
                Audit.Entry(
                    domain: .accessControl, action: "attendance.imported", actor: actor,
                    subjects: ["attendance_import:\(id.lowercased)", "match:\(matchID)"],
                    data: [
                        "sha256": .string(sha), "rows": .number(Double(file.rows.count)), "marked_used": .number(Double(marked.count)),
                        "revoked_scanned": .number(Double(marking.revoked.count)), "unknown": .number(Double(marking.unknown.count)),
                    ]), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            laps.append(.now)
            return (true, report, zip(laps.dropFirst(), laps).map { $0 - $1 })
        }
        if outcome.0 {
            // Where an import's time goes (a stadium's file is tens of thousands of rows).
            func ms(_ d: Duration) -> Logger.MetadataValue { "\(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)" }
            let phases = ["mark_ms", "people_ms", "loyalty_ms", "report_ms"]
            var metadata: Logger.Metadata = ["match_id": "\(matchID)", "rows": "\(file.rows.count)", "parse_ms": ms(parsed - started)]
            for (name, d) in zip(phases, outcome.2) { metadata[name] = ms(d) }
            metadata["total_ms"] = ms(ContinuousClock.now - started)
            self.logger.info("attendance imported", metadata: metadata)
            return (true, outcome.1)
        }
        guard let report = try await self.storedReport(matchID: matchID, sha256: sha) else { throw Problem.unavailable("The import did not finish.") }
        return (false, report)
    }

    private func storedReport(matchID: Int64, sha256: String) async throws -> JSONValue? {
        let rows = try await self.postgres.query(
            "SELECT report::text FROM access.attendance_imports WHERE match_id = \(matchID) AND sha256 = \(sha256)", logger: self.logger)
        for try await text in rows.decode(String.self) {
            guard case .object(var report) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
            report["replayed"] = .bool(true)
            return .object(report)
        }
        return nil
    }

    func savedMapping(stadiumID: Int64?) async throws -> Mapping? {
        guard let stadiumID else { return nil }
        let rows = try await self.postgres.query(
            "SELECT barcode_column, scanned_at_column, gate_column FROM access.attendance_mappings WHERE stadium_id = \(stadiumID)",
            logger: self.logger)
        for try await (barcode, scannedAt, gate) in rows.decode((String, String, String?).self) {
            return Mapping(barcode: barcode, scannedAt: scannedAt, gate: gate)
        }
        return nil
    }

    /// The file's scans, or a problem naming every bad row (`rows[n].field`, n the file's row number)
    /// and any mapped column the header lacks.
    static func scans(_ file: AttendanceFile, mapping: Mapping) throws -> [Tickets.Scan] {
        let names = file.header.map { $0.lowercased() }
        var errors: [Problem.FieldError] = []
        func column(_ name: String, field: String) -> Int? {
            guard let i = names.firstIndex(of: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                errors.append(.init(field: field, message: "names no column of the file's header (\(file.header.joined(separator: ", ")))"))
                return nil
            }
            return i
        }
        let barcode = column(mapping.barcode, field: "barcode_column")
        let scannedAt = column(mapping.scannedAt, field: "scanned_at_column")
        let g = mapping.gate.flatMap { column($0, field: "gate_column") }
        guard let b = barcode, let t = scannedAt, errors.isEmpty else { throw Problem.validation(errors) }
        if file.rows.isEmpty { throw Problem.validation(field: "body", "The file has no rows under its header.") }
        var times = ScanTimes()
        var scans: [Tickets.Scan] = []
        scans.reserveCapacity(file.rows.count)
        var bad = 0
        func fail(_ row: Int, _ field: String, _ message: String) {
            bad += 1
            if errors.count < Self.listedErrors { errors.append(.init(field: "rows[\(row)].\(field)", message: message)) }
        }
        for (number, cells) in file.rows {
            let code = b < cells.count ? Self.trimmed(cells[b]) : ""
            let time = t < cells.count ? Self.trimmed(cells[t]) : ""
            let gateName = g.flatMap { $0 < cells.count ? Self.trimmed(cells[$0]) : nil }
            if code.isEmpty {
                fail(number, "barcode", "is empty")
            } else if code.utf8.count > 200 || code.unicodeScalars.contains(where: JSONBodyRules.isRefused) {
                fail(number, "barcode", "is not a ticket code")
            }
            if let gateName, gateName.utf8.count > 200 || gateName.unicodeScalars.contains(where: JSONBodyRules.isRefused) {
                fail(number, "gate", "is not a gate name")
            }
            guard let at = times.parse(time) else {
                fail(number, "scanned_at", time.isEmpty ? "is empty" : "is not a time (RFC 3339, YYYY-MM-DD HH:MM[:SS] or DD.MM.YYYY HH:MM[:SS])")
                continue
            }
            if bad == 0 { scans.append(Tickets.Scan(barcode: code, at: at, gate: gateName.flatMap { $0.isEmpty ? nil : $0 })) }
        }
        if bad > 0 {
            throw Problem.validation(errors, detail: "\(bad) row(s) of the file are invalid; nothing was imported.")
        }
        return scans
    }

    /// Without surrounding spaces and tabs; the string itself when it has none (most cells).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        guard let first = utf8.first, let last = utf8.last, blank(first) || blank(last) else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    static func report(
        id: UUID, matchID: Int64, file: AttendanceFile, scans: Int, marking: Tickets.Marking, sectors: [(sector: String, sold: Int, used: Int)],
        awarded: Int, tierChanges: Int
    ) -> JSONValue {
        func n(_ v: Int) -> JSONValue { .number(Double(v)) }
        let sold = sectors.reduce(0) { $0 + $1.sold }
        let used = sectors.reduce(0) { $0 + $1.used }
        return .object([
            "import_id": .string(id.lowercased), "match_id": n(Int(matchID)), "format": .string(file.format.rawValue), "rows": n(file.rows.count),
            "codes": n(marking.codes), "repeated_scans": n(scans - marking.codes), "marked_used": n(marking.marked.count),
            "already_used": n(marking.alreadyUsed),
            "unknown": .object([
                "count": n(marking.unknown.count), "codes": .array(marking.unknown.prefix(Self.listedUnknown).map { .string($0) }),
            ]),
            "revoked_scanned": .array(
                marking.revoked.map { r in
                    .object([
                        "barcode": .string(r.barcode), "ticket_id": .string(r.ticketID.lowercased), "reason": .string(r.reason),
                        "revoked_at": .string(Envelope.rfc3339(r.revokedAt)), "scanned_at": .string(Envelope.rfc3339(r.scannedAt)),
                        "gate": r.gate.map(JSONValue.string) ?? .null,
                    ])
                }),
            "sectors": .array(
                sectors.map { s in .object(["sector": .string(s.sector), "sold": n(s.sold), "scanned": n(s.used), "no_shows": n(s.sold - s.used)]) }),
            "sold": n(sold), "scanned": n(used), "no_shows": n(sold - used),
            "loyalty": .object(["people_awarded": n(awarded), "tier_changes": n(tierChanges)]),
            "replayed": .bool(false),
        ])
    }
}

/// Scan times as stadium exports write them: RFC 3339; `YYYY-MM-DD HH:MM[:SS]` or
/// `DD.MM.YYYY HH:MM[:SS]` in Zagreb's time; or an Excel day serial (a date cell), also Zagreb's.
struct ScanTimes {
    private var hours: [Int: Date] = [:]
    private let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Europe/Zagreb")!
        return c
    }()

    mutating func parse(_ text: String) -> Date? {
        if text.isEmpty { return nil }
        if text.contains("T") || text.hasSuffix("Z") { return RFC3339.parse(text) }
        if let serial = Double(text) {
            // Days since 1899-12-30 (Excel's epoch, after its 1900 leap-year bug), local time.
            guard serial > 1, serial < 2_958_466 else { return nil }
            let seconds = Int((serial * 86_400).rounded())
            let days = seconds / 86_400
            let rest = seconds % 86_400
            return self.local(
                year: 1899, month: 12, day: 30 + days, hour: rest / 3600, minute: rest % 3600 / 60, second: rest % 60, strict: false)
        }
        var numbers: [Int] = []
        var current = 0
        var digits = 0
        var separators: [UInt8] = []
        for b in text.utf8 {
            if b >= 48 && b <= 57 {
                current = current * 10 + Int(b - 48)
                digits += 1
                if digits > 4 { return nil }
            } else {
                guard b == 0x2d || b == 0x2e || b == 0x3a || b == 0x20 else { return nil }
                // `01.05.2030. 20:15`: a separator right after another (the date's closing dot) is skipped.
                if digits == 0 {
                    if numbers.isEmpty { return nil }
                    continue
                }
                numbers.append(current)
                separators.append(b)
                current = 0
                digits = 0
            }
        }
        if digits > 0 { numbers.append(current) }
        guard numbers.count == 5 || numbers.count == 6 else { return nil }
        let (year, month, day) = separators.first == 0x2e ? (numbers[2], numbers[1], numbers[0]) : (numbers[0], numbers[1], numbers[2])
        let second = numbers.count == 6 ? numbers[5] : 0
        guard (2000...2200).contains(year), (1...12).contains(month), (1...31).contains(day), numbers[3] < 24, numbers[4] < 60, second < 60
        else { return nil }
        return self.local(year: year, month: month, day: day, hour: numbers[3], minute: numbers[4], second: second, strict: true)
    }

    /// One calendar computation per hour of the file; minutes and seconds are added to it. `strict`:
    /// a day the month does not have (31 April) is refused, not rolled over.
    private mutating func local(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, strict: Bool) -> Date? {
        let key = ((year * 13 + month) * 32 + day) * 24 + hour
        if let base = self.hours[key] { return base.addingTimeInterval(Double(minute * 60 + second)) }
        guard let base = self.calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour)),
            !strict || self.calendar.component(.day, from: base) == day
        else { return nil }
        self.hours[key] = base
        return base.addingTimeInterval(Double(minute * 60 + second))
    }
}
