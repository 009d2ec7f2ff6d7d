import Foundation

/// What `seed-demo` creates: enough to walk through a sale with curl.
enum DemoData {
    static let competition = "UEFA Nations League"
    static let opponent = "Italija"

    static func seed(_ modules: TicketingModules) async throws -> String {
        let ids = try await modules.stadiums.importDemoStadiums()
        let existing = try await modules.matches.list(includeDrafts: true)
        if let match = existing.first(where: { $0.competition == Self.competition && $0.opponent == Self.opponent }) {
            return
                "demo data present: stadiums \(ids.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), match \(match.id) (\(match.state.rawValue))"
        }
        let kickoff = Date().addingTimeInterval(21 * 86_400)
        let body = Matches.Create(
            competition: Self.competition, opponent: Self.opponent, venueKind: "home", venue: "Stadion Maksimir, Zagreb",
            stadiumId: ids[DemoStadiums.maksimir.code], kickoff: ISO8601DateFormatter().string(from: kickoff),
            maxTicketsPerBuyer: 4, salesPhases: nil,
            prices: ["CAT1": 60_00, "CAT2": 45_00, "CAT3": 30_00, "CAT4": 20_00], awaySectors: nil)
        let match = try await modules.matches.create(body, actor: .service("system:seed-demo"))
        _ = try await modules.matches.transition(id: match.id, to: .published, actor: .service("system:seed-demo"), reason: "demo")
        _ = try await modules.matches.transition(id: match.id, to: .onSale, actor: .service("system:seed-demo"), reason: "demo")
        return
            "demo data created: stadiums \(ids.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), match \(match.id) on sale"
    }
}
