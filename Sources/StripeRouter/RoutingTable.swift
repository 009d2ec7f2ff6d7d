import Crypto
import Foundation
import HNSBus
import HNSCore
import Yams

/// `metadata.site` → subject, then event-type patterns for events Stripe sends without our metadata
/// (refunds, disputes, payouts), then the optional default.
public struct RoutingTable: Sendable, Equatable {
    public var sites: [String: String]
    /// In file order; the first matching pattern wins.
    public var eventTypes: [(pattern: String, subject: String)]
    public var defaultSubject: String?
    public var version: String
    public var loadedAt: Date

    public static func == (a: RoutingTable, b: RoutingTable) -> Bool { a.version == b.version }

    public enum Route: Equatable, Sendable {
        case site(String, subject: String)
        case eventType(String, subject: String)
        case fallback(subject: String)
        case unroutable

        public var subject: String? {
            switch self {
            case .site(_, let s), .eventType(_, let s), .fallback(let s): return s
            case .unroutable: return nil
            }
        }
    }

    public func route(site: String?, eventType: String?) -> Route {
        if let site, let subject = self.sites[site] { return .site(site, subject: subject) }
        if let eventType, let hit = self.eventTypes.first(where: { Subject.matches(eventType, filter: $0.pattern) }) {
            return .eventType(hit.pattern, subject: hit.subject)
        }
        if let subject = self.defaultSubject { return .fallback(subject: subject) }
        return .unroutable
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "invalid routing table: " + self.problems.joined(separator: "; ") }
    }

    public static func parse(_ text: String, loadedAt: Date = Date()) throws -> RoutingTable {
        var problems: [String] = []
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw Invalid(problems: ["not valid YAML: \(error)"]) }
        guard let map = root as? [String: Any] else { throw Invalid(problems: ["top level must be a mapping"]) }
        for key in map.keys where !["routes", "event_types", "default"].contains(key) { problems.append("unknown key '\(key)'") }
        func subject(_ v: Any?, at path: String) -> String? {
            guard let s = v as? String else {
                problems.append("\(path) must be a subject string")
                return nil
            }
            guard Subject.isValidLiteral(s) else {
                problems.append("\(path): '\(s)' is not a literal subject")
                return nil
            }
            return s
        }
        var sites: [String: String] = [:]
        if let routes = map["routes"] {
            if let m = routes as? [String: Any] {
                for (site, v) in m { if let s = subject(v, at: "routes.\(site)") { sites[site] = s } }
            } else if !(routes is NSNull) {
                problems.append("routes must be a mapping of site → subject")
            }
        }
        var types: [(String, String)] = []
        if let raw = map["event_types"] {
            // A list keeps the order explicit (YAML mappings are unordered): the first match wins.
            if let list = raw as? [Any] {
                for (i, item) in list.enumerated() {
                    guard let m = item as? [String: Any], Set(m.keys) == ["pattern", "subject"], let pattern = m["pattern"] as? String else {
                        problems.append("event_types[\(i)] must be {pattern: <event type pattern>, subject: <subject>}")
                        continue
                    }
                    guard Subject.isValidFilter(pattern) else {
                        problems.append("event_types[\(i)]: '\(pattern)' is not a valid pattern")
                        continue
                    }
                    if let s = subject(m["subject"], at: "event_types[\(i)].subject") { types.append((pattern, s)) }
                }
            } else {
                problems.append("event_types must be a list of {pattern, subject} entries")
            }
        }
        var fallback: String?
        if let d = map["default"], !(d is NSNull) { fallback = subject(d, at: "default") }
        if !problems.isEmpty { throw Invalid(problems: problems.sorted()) }
        let digest = SHA256.hash(data: Data(text.utf8)).prefix(8).hexString
        return RoutingTable(sites: sites, eventTypes: types, defaultSubject: fallback, version: digest, loadedAt: loadedAt)
    }

    public static func load(path: String) throws -> RoutingTable {
        try self.parse(try String(contentsOfFile: path, encoding: .utf8))
    }
}
