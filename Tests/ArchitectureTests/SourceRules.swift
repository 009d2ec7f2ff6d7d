import Foundation

/// The package's boundaries, checked over the source text: the rules are plain functions of
/// (path, text), so a test can show each one reporting a crossing in a fixture.
enum SourceRules {
    struct SourceFile {
        /// Relative to the package root, e.g. `Sources/Ticketing/Modules/Orders/Orders.swift`.
        let path: String
        let text: String
    }

    struct Violation: CustomStringConvertible, Equatable {
        let rule: String
        let path: String
        let detail: String
        var description: String { "[\(self.rule)] \(self.path): \(self.detail)" }
    }

    // MARK: Which module owns which schema

    /// The monolith's modules and the PostgreSQL schemas each owns (`Sources/Ticketing/Modules/<module>/`).
    static let ticketingSchemas: [String: Set<String>] = [
        "Audit": ["audit"], "Idempotency": ["idempotency"], "Inventory": ["inventory"], "Matches": ["matches"], "Orders": ["orders"],
        "Outbox": ["outbox"], "Payments": ["payments"], "Profiles": ["profiles"], "Security": ["security"], "Stadiums": ["stadiums"],
        "Tickets": ["tickets"], "Quotas": ["quotas"], "Support": ["support"], "Invoicing": ["invoicing"], "Petrol": ["petrol"], "Access": ["access"],
        "Loyalty": ["loyalty"],
        // E14 reads through the other modules' facades; its own tables (reports) come with it.
        "Reporting": ["reporting"],
    ]
    /// The event bus daemon's schema.
    static let eventBusSchemas: Set<String> = ["eventbus"]
    static var allSchemas: Set<String> { Set(Self.ticketingSchemas.values.joined()).union(Self.eventBusSchemas) }

    /// Read-model statements that deliberately name another module's schema: each with the reason,
    /// as `"<path>|<schema>": "why"`. Empty: no statement crosses today.
    static let allowedCrossings: [String: String] = [:]

    /// The schemas a file may name in SQL.
    static func ownedSchemas(of path: String) -> Set<String> {
        let parts = path.split(separator: "/").map(String.init)
        if parts.count >= 4, parts[0] == "Sources", parts[1] == "Ticketing", parts[2] == "Modules" {
            return Self.ticketingSchemas[parts[3]] ?? []
        }
        if parts.count >= 2, parts[0] == "Sources", parts[1] == "EventBus" { return Self.eventBusSchemas }
        return []
    }

    /// SQL names only the schema its module owns: a `schema.table` inside a string literal of a file
    /// outside that module is a crossing (the audit trail and the outbox are reached through their facades).
    static func schemaOwnership(_ file: SourceFile) -> [Violation] {
        guard file.path.hasPrefix("Sources/"), !file.path.hasPrefix("Sources/HNSTestSupport/") else { return [] }
        let owned = Self.ownedSchemas(of: file.path)
        var found: [Violation] = []
        for literal in Self.stringLiterals(file.text) {
            for schema in Self.schemasNamed(in: literal) where !owned.contains(schema) {
                guard Self.allowedCrossings["\(file.path)|\(schema)"] == nil else { continue }
                let excerpt = literal.trimmingCharacters(in: .whitespacesAndNewlines).prefix(80)
                found.append(Violation(rule: "schema-ownership", path: file.path, detail: "names schema \(schema) in SQL: \(excerpt)"))
            }
        }
        return found
    }

    /// `schema.table` references in a piece of SQL (identifiers after a known schema and a dot).
    static func schemasNamed(in sql: String) -> Set<String> {
        var found = Set<String>()
        // A name not preceded by a name character, a dot, a colon or a slash (so `hns.order.id`,
        // `x:orders.y` and the host of `https://support.stripe.com` are not schemas).
        let pattern = /(?:^|[^A-Za-z0-9_.:\/])([a-z_]+)\.([a-z_][a-z0-9_]*)/
        for match in sql.matches(of: pattern) where Self.allSchemas.contains(String(match.output.1)) {
            found.insert(String(match.output.1))
        }
        return found
    }

    // MARK: Imports

    /// The daemon libraries: none imports another.
    static let daemonLibraries: Set<String> = ["Ticketing", "WaitingRoom", "StripeRouter", "EventBus", "StripeSimulator"]
    /// Daemons that keep no state in PostgreSQL.
    static let withoutPostgres: Set<String> = ["WaitingRoom", "StripeRouter"]

    static func imports(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                words[..<i].allSatisfy({ ["@testable", "@_exported", "public", "internal", "package", "private"].contains($0) })
            else { return nil }
            return String(words[i + 1])
        }
    }

    static func libraryImports(_ file: SourceFile) -> [Violation] {
        let parts = file.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "Sources", Self.daemonLibraries.contains(parts[1]) else { return [] }
        let library = parts[1]
        var found: [Violation] = []
        for module in Self.imports(file.text) {
            if module != library, Self.daemonLibraries.contains(module) {
                found.append(Violation(rule: "daemon-imports", path: file.path, detail: "daemon library \(library) imports daemon library \(module)"))
            }
            if Self.withoutPostgres.contains(library), ["HNSPostgres", "PostgresNIO"].contains(module) {
                found.append(Violation(rule: "no-postgres", path: file.path, detail: "\(library) must not import \(module)"))
            }
        }
        return found
    }

    // MARK: Routes

    /// The route groups of `RouteGroups`, by role.
    static let routeGroups: Set<String> = ["anyone", "customer", "purchase", "admin", "support", "quotaOwner", "petrolStaff", "bus"]

    /// In the monolith's modules, every route is registered on `groups.<role>`; admin paths only on
    /// `groups.admin`, and `groups.admin` only with admin paths.
    static func routeGroupsRule(_ file: SourceFile) -> [Violation] {
        guard file.path.hasPrefix("Sources/Ticketing/Modules/") else { return [] }
        var found: [Violation] = []
        let registration = /([A-Za-z_][A-Za-z0-9_.]*)\.(get|post|put|patch|delete|head|on)\(\s*"([^"]*)"/
        for match in file.text.matches(of: registration) {
            let receiver = String(match.output.1)
            let path = String(match.output.3)
            let parts = receiver.split(separator: ".")
            // Reading a path parameter, query item or header (`context.parameters.get("id")`) registers nothing.
            if let last = parts.last, ["parameters", "queryParameters", "headers"].contains(last) { continue }
            guard parts.count == 2, parts[0] == "groups", Self.routeGroups.contains(String(parts[1])) else {
                found.append(
                    Violation(rule: "route-groups", path: file.path, detail: "route \"\(path)\" is registered on \(receiver), not on a role group"))
                continue
            }
            let group = String(parts[1])
            if path.hasPrefix("admin/") != (group == "admin") {
                found.append(Violation(rule: "route-groups", path: file.path, detail: "route \"\(path)\" is in groups.\(group)"))
            }
        }
        // A handler must not check identity itself: the group's context does.
        for needle in ["verify(authorizationHeader:", "requireAdminWithMFA(", "Authenticator("] where file.text.contains(needle) {
            found.append(Violation(rule: "route-groups", path: file.path, detail: "checks identity by hand (\(needle)); use the role group"))
        }
        return found
    }

    // MARK: Problem catalogues

    /// A daemon's problem types are declared in its one catalogue (`…Problems.swift`); elsewhere a
    /// problem is made from a catalogued type, never from a slug of its own.
    static func problemCatalogue(_ file: SourceFile) -> [Violation] {
        let parts = file.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[0] == "Sources", Self.daemonLibraries.contains(parts[1]) else { return [] }
        let catalogue = parts.last?.hasSuffix("Problems.swift") == true
        var found: [Violation] = []
        if !catalogue, file.text.contains("ProblemType(") {
            found.append(Violation(rule: "problem-catalogue", path: file.path, detail: "declares a problem type outside the daemon's catalogue"))
        }
        if file.text.contains("slug: \"") || file.text.contains("slug: String") {
            found.append(Violation(rule: "problem-catalogue", path: file.path, detail: "makes a problem from a slug of its own"))
        }
        return found
    }

    // MARK: Executables

    /// Executables stay a few lines: their logic lives in the daemon library, where tests reach it.
    static func thinExecutables(_ file: SourceFile) -> [Violation] {
        let parts = file.path.split(separator: "/")
        guard parts.count >= 3, parts[0] == "Sources", parts[1].hasPrefix("hns-") else { return [] }
        let lines = file.text.split(separator: "\n", omittingEmptySubsequences: true).filter {
            !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//")
        }
        return lines.count > 15 ? [Violation(rule: "thin-executables", path: file.path, detail: "\(lines.count) lines (at most 15)")] : []
    }

    static func all(_ file: SourceFile) -> [Violation] {
        Self.schemaOwnership(file) + Self.libraryImports(file) + Self.routeGroupsRule(file) + Self.problemCatalogue(file) + Self.thinExecutables(file)
    }

    // MARK: Swift string literals

    /// The contents of every string literal in Swift source (plain, multi-line and raw), with
    /// interpolations removed; comments are skipped.
    static func stringLiterals(_ source: String) -> [String] {
        let s = Array(source.unicodeScalars)
        var i = 0
        var out: [String] = []
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        while i < s.count {
            let c = s[i]
            if c == "/", at(i + 1) == "/" {
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", at(i + 1) == "*" {
                i += 2
                while i < s.count, !(s[i] == "*" && at(i + 1) == "/") { i += 1 }
                i += 2
                continue
            }
            if c == "#" || c == "\"" {
                var hashes = 0
                var j = i
                while at(j) == "#" {
                    hashes += 1
                    j += 1
                }
                guard at(j) == "\"" else {
                    i += 1
                    continue
                }
                let multi = at(j + 1) == "\"" && at(j + 2) == "\""
                j += multi ? 3 : 1
                var text = ""
                var depth = 0
                while j < s.count {
                    if depth == 0 {
                        // The closing delimiter: quotes followed by the same number of hashes.
                        if s[j] == "\"", !multi || (at(j + 1) == "\"" && at(j + 2) == "\"") {
                            let end = j + (multi ? 3 : 1)
                            if (0..<hashes).allSatisfy({ at(end + $0) == "#" }) {
                                j = end + hashes
                                break
                            }
                        }
                        if s[j] == "\\", (0..<hashes).allSatisfy({ at(j + 1 + $0) == "#" }) {
                            let k = j + 1 + hashes
                            if at(k) == "(" {
                                depth = 1
                                j = k + 1
                                continue
                            }
                            text.unicodeScalars.append(at(k) ?? " ")
                            j = k + 1
                            continue
                        }
                        text.unicodeScalars.append(s[j])
                    } else {
                        // Inside \( … ): skip, counting parentheses (a nested string counts as text of Swift).
                        if s[j] == "(" { depth += 1 } else if s[j] == ")" { depth -= 1 }
                        if depth == 0 { text += " " }
                    }
                    j += 1
                }
                out.append(text)
                i = j
                continue
            }
            i += 1
        }
        return out
    }
}
