import Foundation
import HNSCore
import Testing

@Suite struct EnvironmentTests {
    @Test func lists_every_problem_in_one_error() throws {
        let env = EnvironmentReader(["HNS_PORT": "eighty", "HNS_TIMEOUT": "soon"])
        _ = env.require("HNS_DATABASE_URL")
        _ = env.int("HNS_PORT", default: 1)
        _ = env.duration("HNS_TIMEOUT", default: .seconds(1))
        _ = env.requireSecret("HNS_SECRET")
        do {
            try env.validate("demo")
            Issue.record("validate should throw")
        } catch {
            #expect(error.problems.count == 4)
            #expect(error.description.contains("HNS_DATABASE_URL is not set"))
            #expect(error.description.contains("HNS_PORT=eighty"))
            #expect(error.description.contains("HNS_TIMEOUT=soon"))
            #expect(error.description.contains("HNS_SECRET"))
        }
    }

    @Test func reads_secrets_from_files_and_never_prints_them() throws {
        let path = NSTemporaryDirectory() + "secret-\(UUID().uuidString)"
        try "s3cr3t-value-from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        let env = EnvironmentReader(["HNS_TOKEN_FILE": path, "HNS_OTHER": "inline-secret"])
        let fromFile = env.secret("HNS_TOKEN")
        #expect(fromFile?.value == "s3cr3t-value-from-file")
        #expect("\(fromFile!)" == "<redacted>")
        #expect(String(reflecting: env.secret("HNS_OTHER")!) == "<redacted>")
        #expect(!"\(["token": fromFile!])".contains("s3cr3t"))
        try env.validate("demo")
    }

    @Test func enforces_minimum_secret_length() {
        let env = EnvironmentReader(["HNS_KEY": "short"])
        _ = env.requireSecret("HNS_KEY", minimumLength: 32)
        #expect(throws: ConfigurationError.self) { try env.validate("demo") }
    }

    @Test func parses_durations_and_sizes() throws {
        #expect(try DurationParser.parse("250ms") == .milliseconds(250))
        #expect(try DurationParser.parse("72h") == .seconds(72 * 3600))
        #expect(try DurationParser.parse("1h30m") == .seconds(5400))
        #expect(try DurationParser.parse("0") == .zero)
        #expect(throws: DurationParser.Invalid.self) { try DurationParser.parse("5 parsecs") }
        #expect(throws: DurationParser.Invalid.self) { try DurationParser.parse("h") }
        #expect(ByteSizeParser.parse("1MiB") == 1 << 20)
        #expect(ByteSizeParser.parse("512KiB") == 512 * 1024)
        #expect(ByteSizeParser.parse("lots") == nil)
    }

    @Test func backoff_grows_caps_and_jitters_within_bounds() {
        let fixed = Backoff(base: .milliseconds(10), maximum: .milliseconds(100), jitter: false)
        #expect(fixed.delay(attempt: 1) == .milliseconds(10))
        #expect(fixed.delay(attempt: 3) == .milliseconds(40))
        #expect(fixed.delay(attempt: 10) == .milliseconds(100))
        let jittered = Backoff(base: .milliseconds(100), maximum: .seconds(1))
        for attempt in 1...6 {
            let d = jittered.delay(attempt: attempt)
            let cap = min(100 << (attempt - 1), 1000)
            #expect(d >= .milliseconds(cap / 2) && d <= .milliseconds(cap))
        }
    }
}
