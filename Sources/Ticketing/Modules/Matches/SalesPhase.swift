import Foundation
import HNSBus
import HNSCore

/// A window in which some buyers may buy: loyalty early access by tier, then general sale.
struct SalesPhase: Codable, Sendable, Equatable {
    enum Eligibility: String, Codable, Sendable { case general, loyalty }

    var name: String
    var startsAt: Date
    var endsAt: Date
    var eligibility: Eligibility
    /// For `loyalty`: the lowest tier admitted.
    var minTier: String?

    enum CodingKeys: String, CodingKey {
        case name
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case eligibility
        case minTier = "min_tier"
    }

    static let tiers = ["none", "bronze", "silver", "gold"]

    func admits(tier: String) -> Bool {
        switch self.eligibility {
        case .general: true
        case .loyalty: (Self.tiers.firstIndex(of: tier) ?? 0) >= (Self.tiers.firstIndex(of: self.minTier ?? "bronze") ?? 1)
        }
    }

    static func validate(_ phases: [SalesPhase], field: String = "sales_phases") -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        for (i, phase) in phases.enumerated() {
            let at = "\(field)[\(i)]"
            if phase.name.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: "\(at).name", message: "is required")) }
            if phase.endsAt <= phase.startsAt { errors.append(.init(field: "\(at).ends_at", message: "must be after starts_at")) }
            switch phase.eligibility {
            case .loyalty:
                if let tier = phase.minTier, !Self.tiers.dropFirst().contains(tier) {
                    errors.append(.init(field: "\(at).min_tier", message: "must be one of bronze, silver, gold"))
                }
            case .general:
                if phase.minTier != nil { errors.append(.init(field: "\(at).min_tier", message: "applies only to loyalty phases")) }
            }
        }
        return errors
    }

    /// Which phase lets this buyer buy now; `nil` means no phase is open to them. With no phases
    /// configured the sale is open to everyone while the match is on sale.
    static func current(_ phases: [SalesPhase], at now: Date, tier: String) -> (open: Bool, detail: String?) {
        guard !phases.isEmpty else { return (true, nil) }
        let running = phases.filter { $0.startsAt <= now && now < $0.endsAt }
        if running.contains(where: { $0.admits(tier: tier) }) { return (true, nil) }
        if let phase = running.first {
            return (false, "The \(phase.name) phase is open only to loyalty members of tier \(phase.minTier ?? "bronze") or higher.")
        }
        if let next = phases.filter({ $0.startsAt > now }).min(by: { $0.startsAt < $1.startsAt }) {
            return (false, "Sales open at \(Envelope.rfc3339(next.startsAt)) (\(next.name)).")
        }
        return (false, "Sales for this match have ended.")
    }
}
