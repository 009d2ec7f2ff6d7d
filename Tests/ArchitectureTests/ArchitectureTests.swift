import Foundation
import Testing

@Suite struct ArchitectureTests {
    /// The package root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sources() throws -> [SourceRules.SourceFile] {
        let base = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { url in
            let relative = "Sources/" + url.path.dropFirst(base.path.count + 1)
            return SourceRules.SourceFile(path: relative, text: try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.path < $1.path }
    }

    @Test func the_tree_keeps_every_rule() throws {
        // given
        let files = try Self.sources()
        #expect(files.count > 100, "the sources were not found under \(Self.root.path)")
        #expect(files.contains { $0.path.hasPrefix("Sources/Ticketing/Modules/Orders/") })
        // when
        let violations = files.flatMap(SourceRules.all)
        // then
        #expect(violations.isEmpty, "\(violations.map(\.description).joined(separator: "\n"))")
    }

    @Test func every_module_folder_has_its_schema() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources/Ticketing/Modules").path)
        for module in modules where !module.hasPrefix(".") {
            #expect(SourceRules.ticketingSchemas[module] != nil, "Modules/\(module) has no schema in SourceRules.ticketingSchemas")
        }
    }

    // MARK: Each rule reports a crossing

    @Test func sql_naming_another_modules_schema_is_reported() {
        let crossing = SourceRules.SourceFile(
            path: "Sources/Ticketing/Modules/Inventory/Prices.swift",
            text: #"""
                // inventory.units is ours; matches.matches in a comment is not SQL
                let rows = try await connection.query("""
                    SELECT s.code FROM inventory.sectors s
                    JOIN matches.config_versions v ON v.match_id = s.match_id WHERE s.match_id = \(matchID)
                    """, logger: logger)
                let other = "SELECT 1 FROM audit.entries WHERE id = \(id)"
                let fine = "hold.\(reason.rawValue)"
                """#)
        let found = SourceRules.schemaOwnership(crossing)
        #expect(found.map(\.detail).contains { $0.contains("names schema matches") })
        #expect(found.map(\.detail).contains { $0.contains("names schema audit") })
        #expect(found.count == 2, "\(found)")
        let outside = SourceRules.SourceFile(path: "Sources/Ticketing/TicketingApp.swift", text: #"let q = "SELECT id FROM orders.orders""#)
        #expect(SourceRules.schemaOwnership(outside).count == 1)
        let owner = SourceRules.SourceFile(path: "Sources/Ticketing/Modules/Matches/M.swift", text: #"let q = "SELECT id FROM matches.matches""#)
        #expect(SourceRules.schemaOwnership(owner).isEmpty)
    }

    @Test func interpolations_and_raw_strings_are_read_as_swift_does() {
        let literals = SourceRules.stringLiterals(
            #"""
            let a = "x \("inner") y"
            let b = #"raw "quoted" orders.orders"#
            let c = "escaped \" quote"
            """#)
        #expect(literals.contains("x   y"))
        #expect(literals.contains(#"raw "quoted" orders.orders"#))
        #expect(literals.contains("escaped \" quote"))
    }

    @Test func a_daemon_library_importing_another_is_reported() {
        let file = SourceRules.SourceFile(
            path: "Sources/WaitingRoom/Q.swift", text: "import HNSCore\nimport Ticketing\n@testable import EventBus\nimport PostgresNIO\n")
        let found = SourceRules.libraryImports(file)
        #expect(found.filter { $0.rule == "daemon-imports" }.count == 2)
        #expect(found.filter { $0.rule == "no-postgres" }.count == 1)
        let router = SourceRules.SourceFile(path: "Sources/StripeRouter/R.swift", text: "import HNSPostgres\n")
        #expect(SourceRules.libraryImports(router).map(\.rule) == ["no-postgres"])
        let ticketing = SourceRules.SourceFile(path: "Sources/Ticketing/T.swift", text: "import HNSPostgres\nimport PostgresNIO\n")
        #expect(SourceRules.libraryImports(ticketing).isEmpty)
    }

    @Test func a_route_outside_its_role_group_is_reported() {
        let file = SourceRules.SourceFile(
            path: "Sources/Ticketing/Modules/Quotas/Quotas+Routes.swift",
            text: #"""
                groups.customer.get("me/quotas") { _, _ in "" }
                groups.customer.post("admin/quotas") { _, _ in "" }
                groups.admin.get("quotas") { _, _ in "" }
                api.get("quotas/:id") { _, _ in "" }
                router.post("webhooks/x") { _, _ in "" }
                let me = try await verifier.verify(authorizationHeader: nil)
                let id = context.parameters.get("id")
                """#)
        let found = SourceRules.routeGroupsRule(file).map(\.detail)
        #expect(found.count == 5, "\(found)")
        #expect(found.contains { $0.contains("\"admin/quotas\" is in groups.customer") })
        #expect(found.contains { $0.contains("\"quotas\" is in groups.admin") })
        #expect(found.contains { $0.contains("registered on api") })
        #expect(found.contains { $0.contains("registered on router") })
        #expect(found.contains { $0.contains("checks identity by hand") })
    }

    @Test func a_problem_type_outside_the_catalogue_is_reported() {
        let module = SourceRules.SourceFile(
            path: "Sources/Ticketing/Modules/Quotas/Quotas.swift",
            text: #"""
                throw Problem(status: .conflict, slug: "quota-full", detail: "Full.")
                static let full = ProblemType("quota-full", .conflict, "Quota full")
                """#)
        #expect(SourceRules.problemCatalogue(module).count == 2)
        let catalogue = SourceRules.SourceFile(
            path: "Sources/Ticketing/TicketingProblems.swift",
            text: #"static let full = ProblemType("quota-full", .conflict, "Quota full")"#)
        #expect(SourceRules.problemCatalogue(catalogue).isEmpty)
    }

    @Test func a_fat_executable_is_reported() {
        let body = (1...20).map { "let x\($0) = \($0)" }.joined(separator: "\n")
        #expect(SourceRules.thinExecutables(.init(path: "Sources/hns-queue/Entrypoint.swift", text: body)).count == 1)
        #expect(SourceRules.thinExecutables(.init(path: "Sources/hns-queue/Entrypoint.swift", text: "import WaitingRoom\n")).isEmpty)
    }
}
