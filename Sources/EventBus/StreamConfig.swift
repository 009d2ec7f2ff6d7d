import Foundation
import HNSBus
import HNSCore
import Yams

/// `stream-config/*.yaml`: the stream, its publishers and subscriptions. Validated whole at start:
/// every problem is reported at once, and unknown keys are errors (a typo must not silently
/// become a default).
public struct StreamConfig: Sendable, Equatable {
    public struct Publisher: Sendable, Equatable {
        public var name: String
        public var token: Secret
        public var allow: [String]
    }

    public enum DeliverPolicy: Sendable, Equatable {
        case all, new
        case startSeq(Int64)
        case startTime(Date)
    }

    public struct Subscription: Sendable, Equatable {
        public var name: String
        public var filters: [String]
        public var url: String
        public var token: Secret
        public var deliver: DeliverPolicy
        public var timeout: Duration
        public var backoff: [Duration]
        public var maxDeliver: Int
        public var maxInFlight: Int

        public func matches(_ subject: String) -> Bool {
            self.filters.contains { Subject.matches(subject, filter: $0) }
        }

        /// Delay before attempt `n + 1` after `n` failures; the last step repeats.
        public func backoff(afterFailures n: Int) -> Duration {
            guard !self.backoff.isEmpty else { return .seconds(1) }
            return self.backoff[min(max(n - 1, 0), self.backoff.count - 1)]
        }
    }

    public var name: String
    public var subjects: [String]
    public var maxAge: Duration
    public var duplicateWindow: Duration
    public var maxMessageSize: Int
    public var publishers: [Publisher]
    public var subscriptions: [Subscription]

    public func publisher(forToken token: String) -> Publisher? {
        // Constant-time comparison per candidate so a token cannot be guessed byte by byte.
        self.publishers.first { ConstantTime.equal($0.token.value, token) }
    }

    public func acceptsSubject(_ subject: String) -> Bool {
        self.subjects.contains { Subject.matches(subject, filter: $0) }
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "invalid stream config:\n" + self.problems.map { "  - \($0)" }.joined(separator: "\n") }
    }

    /// Loads a YAML file, or every `*.yaml`/`*.yml` in a folder (merged; exactly one may define `stream`).
    public static func load(path: String, environment: [String: String]) throws -> StreamConfig {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw Invalid(problems: ["\(path) does not exist"])
        }
        var texts: [(String, String)] = []
        if isDir.boolValue {
            let files = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            for f in files { texts.append((f, try String(contentsOfFile: path + "/" + f, encoding: .utf8))) }
            if texts.isEmpty { throw Invalid(problems: ["\(path) has no .yaml files"]) }
        } else {
            texts.append(((path as NSString).lastPathComponent, try String(contentsOfFile: path, encoding: .utf8)))
        }
        return try self.parse(texts, environment: environment)
    }

    public static func parse(_ yaml: String, environment: [String: String]) throws -> StreamConfig {
        try self.parse([("config", yaml)], environment: environment)
    }

    static func parse(_ files: [(String, String)], environment: [String: String]) throws -> StreamConfig {
        var p = Parser(environment: environment)
        for (file, text) in files {
            p.file = file
            let root: Any?
            do { root = try Yams.load(yaml: text) } catch {
                p.problems.append("\(file): not valid YAML: \(error)")
                continue
            }
            guard let map = root as? [String: Any] else {
                p.problems.append("\(file): top level must be a mapping")
                continue
            }
            p.top(map)
        }
        return try p.finish()
    }
}

private struct Parser {
    let environment: [String: String]
    var file = ""
    var problems: [String] = []
    var stream: (name: String, subjects: [String], maxAge: Duration, window: Duration, size: Int)?
    var publishers: [StreamConfig.Publisher] = []
    var subscriptions: [StreamConfig.Subscription] = []

    init(environment: [String: String]) { self.environment = environment }

    mutating func problem(_ where_: String, _ message: String) { self.problems.append("\(self.file): \(where_): \(message)") }

    mutating func unknownKeys(_ map: [String: Any], allowed: Set<String>, at path: String) {
        for key in map.keys.sorted() where !allowed.contains(key) { self.problem(path, "unknown key '\(key)'") }
    }

    mutating func top(_ map: [String: Any]) {
        self.unknownKeys(map, allowed: ["stream", "publishers", "subscriptions"], at: "top level")
        if let s = map["stream"] {
            if self.stream != nil { self.problem("stream", "defined more than once") }
            self.parseStream(s)
        }
        if let list = map["publishers"] {
            guard let items = list as? [Any] else { return self.problem("publishers", "must be a list") }
            for (i, item) in items.enumerated() { self.parsePublisher(item, at: "publishers[\(i)]") }
        }
        if let list = map["subscriptions"] {
            guard let items = list as? [Any] else { return self.problem("subscriptions", "must be a list") }
            for (i, item) in items.enumerated() { self.parseSubscription(item, at: "subscriptions[\(i)]") }
        }
    }

    mutating func string(_ map: [String: Any], _ key: String, at path: String, required: Bool = true) -> String? {
        guard let v = map[key] else {
            if required { self.problem(path, "'\(key)' is required") }
            return nil
        }
        if let s = v as? String { return s }
        if let i = v as? Int { return String(i) }
        self.problem(path, "'\(key)' must be a string")
        return nil
    }

    mutating func stringList(_ v: Any?, at path: String) -> [String]? {
        if let s = v as? String { return [s] }
        if let list = v as? [Any] {
            let strings = list.compactMap { $0 as? String }
            if strings.count == list.count { return strings }
        }
        self.problem(path, "must be a string or a list of strings")
        return nil
    }

    mutating func duration(_ v: Any?, at path: String, default fallback: Duration) -> Duration {
        guard let v else { return fallback }
        if let i = v as? Int { return .seconds(i) }
        if let s = v as? String, let d = try? DurationParser.parse(s) { return d }
        self.problem(path, "'\(v)' is not a duration such as 500ms, 10s, 2m, 72h")
        return fallback
    }

    mutating func int(_ v: Any?, at path: String, default fallback: Int, min: Int) -> Int {
        guard let v else { return fallback }
        guard let i = v as? Int, i >= min else {
            self.problem(path, "must be a whole number ≥ \(min)")
            return fallback
        }
        return i
    }

    mutating func token(_ map: [String: Any], at path: String) -> Secret {
        guard let name = self.string(map, "token_env", at: path) else { return Secret("") }
        let fileValue = self.environment[name + "_FILE"].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        guard let value = fileValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? self.environment[name], !value.isEmpty else {
            self.problem(path, "token_env \(name) is not set in the environment")
            return Secret("")
        }
        if value.utf8.count < 16 { self.problem(path, "token in \(name) is shorter than 16 bytes") }
        return Secret(value)
    }

    mutating func parseStream(_ raw: Any) {
        guard let map = raw as? [String: Any] else { return self.problem("stream", "must be a mapping") }
        self.unknownKeys(map, allowed: ["name", "subjects", "max_age", "duplicate_window", "max_msg_size"], at: "stream")
        let name = self.string(map, "name", at: "stream") ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            self.problem("stream.name", "may contain only letters, digits, _ and -")
        }
        let subjects = self.stringList(map["subjects"], at: "stream.subjects") ?? []
        if subjects.isEmpty { self.problem("stream.subjects", "must list at least one subject") }
        for s in subjects where !Subject.isValidFilter(s) { self.problem("stream.subjects", "'\(s)' is not a valid subject") }
        let maxAge = self.duration(map["max_age"], at: "stream.max_age", default: .seconds(72 * 3600))
        let window = self.duration(map["duplicate_window"], at: "stream.duplicate_window", default: .seconds(120))
        if window > maxAge { self.problem("stream.duplicate_window", "is longer than max_age") }
        var size = 1 << 20
        if let raw = map["max_msg_size"] {
            if let i = raw as? Int {
                size = i
            } else if let s = raw as? String, let n = ByteSizeParser.parse(s) {
                size = n
            } else {
                self.problem("stream.max_msg_size", "'\(raw)' is not a size such as 1MiB")
            }
        }
        self.stream = (name, subjects, maxAge, window, size)
    }

    mutating func parsePublisher(_ raw: Any, at path: String) {
        guard let map = raw as? [String: Any] else { return self.problem(path, "must be a mapping") }
        self.unknownKeys(map, allowed: ["name", "token_env", "allow"], at: path)
        let name = self.string(map, "name", at: path) ?? ""
        let token = self.token(map, at: path)
        let allow = self.stringList(map["allow"], at: "\(path).allow") ?? []
        if allow.isEmpty { self.problem("\(path).allow", "must list at least one subject pattern") }
        for a in allow where !Subject.isValidFilter(a) { self.problem("\(path).allow", "'\(a)' is not a valid subject pattern") }
        if self.publishers.contains(where: { $0.name == name }) { self.problem(path, "publisher '\(name)' is defined twice") }
        self.publishers.append(.init(name: name, token: token, allow: allow))
    }

    mutating func parseSubscription(_ raw: Any, at path: String) {
        guard let map = raw as? [String: Any] else { return self.problem(path, "must be a mapping") }
        self.unknownKeys(
            map, allowed: ["name", "filter", "filters", "url", "token_env", "deliver", "timeout", "backoff", "max_deliver", "max_in_flight"],
            at: path)
        let name = self.string(map, "name", at: path) ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            self.problem("\(path).name", "may contain only letters, digits, _ and -")
        }
        var filters: [String] = []
        switch (map["filter"], map["filters"]) {
        case (nil, nil): self.problem(path, "needs 'filter' or 'filters'")
        case (.some, .some): self.problem(path, "has both 'filter' and 'filters'")
        case (let one?, nil): filters = self.stringList(one, at: "\(path).filter") ?? []
        case (nil, let many?): filters = self.stringList(many, at: "\(path).filters") ?? []
        }
        for f in filters where !Subject.isValidFilter(f) { self.problem("\(path).filter", "'\(f)' is not a valid subject filter") }
        let rawURL = self.string(map, "url", at: path) ?? ""
        let url = self.expand(rawURL, at: "\(path).url")
        if !rawURL.isEmpty, URL(string: url)?.host == nil || !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            self.problem("\(path).url", "'\(url)' is not an http(s) URL")
        }
        let token = self.token(map, at: path)
        var deliver = StreamConfig.DeliverPolicy.all
        switch map["deliver"] {
        case nil: break
        case let s as String where s == "all": deliver = .all
        case let s as String where s == "new": deliver = .new
        case let m as [String: Any]:
            if let seq = m["start_seq"] as? Int, seq >= 1, m.count == 1 {
                deliver = .startSeq(Int64(seq))
            } else if let t = m["start_time"] as? String, m.count == 1, let date = RFC3339.parse(t) {
                deliver = .startTime(date)
            } else if let d = m["start_time"] as? Date, m.count == 1 {
                deliver = .startTime(d)
            } else {
                self.problem("\(path).deliver", "must be all, new, {start_seq: N ≥ 1} or {start_time: RFC 3339}")
            }
        default: self.problem("\(path).deliver", "must be all, new, {start_seq: N} or {start_time: RFC 3339}")
        }
        let timeout = self.duration(map["timeout"], at: "\(path).timeout", default: .seconds(10))
        if timeout <= .zero { self.problem("\(path).timeout", "must be positive") }
        var backoff: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)]
        if let raw = map["backoff"] {
            if let list = raw as? [Any], !list.isEmpty {
                backoff = list.enumerated().map { self.duration($0.element, at: "\(path).backoff[\($0.offset)]", default: .seconds(1)) }
            } else {
                self.problem("\(path).backoff", "must be a non-empty list of durations")
            }
        }
        let maxDeliver = self.int(map["max_deliver"], at: "\(path).max_deliver", default: 0, min: 0)
        let maxInFlight = self.int(map["max_in_flight"], at: "\(path).max_in_flight", default: 1, min: 1)
        if self.subscriptions.contains(where: { $0.name == name }) { self.problem(path, "subscription '\(name)' is defined twice") }
        self.subscriptions.append(
            .init(
                name: name, filters: filters, url: url, token: token, deliver: deliver, timeout: timeout,
                backoff: backoff, maxDeliver: maxDeliver, maxInFlight: maxInFlight))
    }

    /// `${NAME}` and `${NAME:-default}` from the environment, so one config serves every deployment.
    mutating func expand(_ text: String, at path: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                self.problem(path, "unclosed ${ in '\(text)'")
                return text
            }
            let expr = rest[start.upperBound..<end]
            let parts = expr.components(separatedBy: ":-")
            let name = parts[0]
            if let v = self.environment[name], !v.isEmpty {
                out += v
            } else if parts.count > 1 {
                out += parts.dropFirst().joined(separator: ":-")
            } else {
                self.problem(path, "environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    func finish() throws -> StreamConfig {
        var problems = self.problems
        guard let stream = self.stream else {
            throw StreamConfig.Invalid(problems: problems + ["no 'stream' section"])
        }
        for p in self.publishers {
            for a in p.allow where Subject.isValidFilter(a) && !stream.subjects.contains(where: { Subject.overlaps(a, $0) }) {
                problems.append("publisher \(p.name): allow '\(a)' matches no subject of the stream")
            }
        }
        for s in self.subscriptions {
            for f in s.filters where Subject.isValidFilter(f) && !stream.subjects.contains(where: { Subject.overlaps(f, $0) }) {
                problems.append("subscription \(s.name): filter '\(f)' matches no subject of the stream")
            }
        }
        if !problems.isEmpty { throw StreamConfig.Invalid(problems: problems) }
        return StreamConfig(
            name: stream.name, subjects: stream.subjects, maxAge: stream.maxAge, duplicateWindow: stream.window,
            maxMessageSize: stream.size, publishers: self.publishers, subscriptions: self.subscriptions)
    }
}

/// RFC 3339 with or without fractional seconds (the envelope's `timestamp` has milliseconds).
