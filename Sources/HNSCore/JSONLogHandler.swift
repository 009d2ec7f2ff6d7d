import Foundation
import Logging

/// One JSON object per line on stdout: what Loki/Promtail and `jq` read without parsing rules.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        for (k, v) in self.metadata { fields[k] = Self.json(v) }
        if let provided = self.metadataProvider?.get() { for (k, v) in provided { fields[k] = Self.json(v) } }
        if let extra = event.metadata { for (k, v) in extra { fields[k] = Self.json(v) } }
        fields["ts"] = .string(Self.timestamp())
        fields["level"] = .string(event.level.rawValue)
        fields["msg"] = .string(event.message.description)
        fields["logger"] = .string(self.label)
        if event.level >= .error { fields["source"] = .string("\(event.file):\(event.line)") }
        var bytes = JSONValue.object(fields).encoded()
        bytes.append(0x0A)
        Self.output.withLock { _ in
            // Unbuffered write(2) on fd 1: a line is never split between two writers or lost in a buffer on crash.
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(1, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
    }

    private static let output = Locked<Void>(())

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let a): return .array(a.map(json))
        case .dictionary(let d): return .object(d.mapValues(json))
        }
    }

    static func timestamp() -> String {
        let f = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return Date().formatted(f)
    }
}

public enum LoggingBootstrap {
    private static let done = Locked(false)

    /// Installs JSON-lines logging once per process (later calls are ignored, which lets tests build
    /// several daemons in one process).
    public static func bootstrap(level: Logger.Level) {
        let first = self.done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }

    public static func parseLevel(_ raw: String?, reader: EnvironmentReader) -> Logger.Level {
        guard let raw else { return .info }
        if let level = Logger.Level(rawValue: raw.lowercased()) { return level }
        reader.problem("HNS_LOG_LEVEL=\(raw) is not one of trace, debug, info, notice, warning, error, critical")
        return .info
    }
}
