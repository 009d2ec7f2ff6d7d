import Foundation

/// Reads `HNS_*` settings once, collecting every problem instead of stopping at the first,
/// so an operator fixes a bad deployment in one round trip.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]
    private let problems: ProblemList

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
        self.problems = ProblemList()
    }

    /// A plain setting; empty counts as unset.
    public func string(_ name: String) -> String? {
        guard let value = self.values[name], !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String {
        self.string(name) ?? fallback
    }

    public func require(_ name: String, hint: String? = nil) -> String {
        if let value = self.string(name) { return value }
        self.problems.add("\(name) is not set" + (hint.map { " (\($0))" } ?? ""))
        return ""
    }

    /// A secret: the variable itself, or a file named by `<NAME>_FILE` (Docker/Kubernetes secrets).
    public func secret(_ name: String) -> Secret? {
        if let path = self.string(name + "_FILE") {
            do {
                let raw = try String(contentsOfFile: path, encoding: .utf8)
                return Secret(raw.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                self.problems.add("\(name)_FILE names \(path), which cannot be read")
                return nil
            }
        }
        return self.string(name).map(Secret.init)
    }

    public func requireSecret(_ name: String, minimumLength: Int = 1) -> Secret {
        guard let secret = self.secret(name) else {
            self.problems.add("\(name) (or \(name)_FILE) is not set")
            return Secret("")
        }
        if secret.value.utf8.count < minimumLength {
            self.problems.add("\(name) must be at least \(minimumLength) bytes")
        }
        return secret
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>? = nil) -> Int {
        guard let raw = self.string(name) else { return fallback }
        guard let value = Int(raw) else {
            self.problems.add("\(name)=\(raw) is not a whole number")
            return fallback
        }
        if let range, !range.contains(value) {
            self.problems.add("\(name)=\(raw) is outside \(range.lowerBound)...\(range.upperBound)")
            return fallback
        }
        return value
    }

    public func duration(_ name: String, default fallback: Duration) -> Duration {
        guard let raw = self.string(name) else { return fallback }
        guard let value = try? DurationParser.parse(raw) else {
            self.problems.add("\(name)=\(raw) is not a duration such as 500ms, 5s, 2m, 72h")
            return fallback
        }
        return value
    }

    public func url(_ name: String, schemes: Set<String>, required: Bool = true) -> URL? {
        guard let raw = required ? Optional(self.require(name)) : self.string(name), !raw.isEmpty else { return nil }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), schemes.contains(scheme), url.host != nil else {
            self.problems.add("\(name) is not a valid \(schemes.sorted().joined(separator: "/")) URL")
            return nil
        }
        return url
    }

    /// Lets a caller add its own check to the same list.
    public func problem(_ message: String) {
        self.problems.add(message)
    }

    /// Throws one error that names every problem found so far.
    public func validate(_ component: String) throws(ConfigurationError) {
        let all = self.problems.all
        if !all.isEmpty { throw ConfigurationError(component: component, problems: all) }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let component: String
    public let problems: [String]

    public var description: String {
        "invalid configuration for \(self.component):\n" + self.problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// A string that never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}

final class ProblemList: Sendable {
    private let storage = Locked<[String]>([])
    func add(_ problem: String) { self.storage.withLock { $0.append(problem) } }
    var all: [String] { self.storage.withLock { $0 } }
}

/// Parses `250ms`, `5s`, `2m`, `72h`, `1h30m`, `0`.
public enum DurationParser {
    public struct Invalid: Error {}

    public static func parse(_ text: String) throws -> Duration {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "0" { return .zero }
        var total = Duration.zero
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() throws {
            guard let n = Double(number), !unit.isEmpty else { throw Invalid() }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: throw Invalid()
            }
            total += .milliseconds(Int64((n * scale * 1000).rounded()))
            number = ""
            unit = ""
            sawAny = true
        }
        for ch in s {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { try flush() }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty else { throw Invalid() }
                unit.append(ch)
            } else {
                throw Invalid()
            }
        }
        if !number.isEmpty || !unit.isEmpty { try flush() }
        guard sawAny else { throw Invalid() }
        return total
    }
}

/// Parses `1MiB`, `512KiB`, `1024`, `2MB`.
public enum ByteSizeParser {
    public static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let digits = s.prefix { $0.isNumber }
        guard let n = Int(digits) else { return nil }
        switch s.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased() {
        case "", "b": return n
        case "k", "kb", "kib": return n * 1024
        case "m", "mb", "mib": return n * 1024 * 1024
        case "g", "gb", "gib": return n * 1024 * 1024 * 1024
        default: return nil
        }
    }
}

extension Duration {
    public var seconds: Double {
        let c = self.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    public var milliseconds: Int64 {
        let c = self.components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}
