import Foundation

/// Where the real servers of a test run are. `scripts/test` starts them and exports these.
public enum TestEnvironment {
    public static var databaseURL: String {
        guard let url = ProcessInfo.processInfo.environment["HNS_TEST_DATABASE_URL"], !url.isEmpty else {
            fatalError("HNS_TEST_DATABASE_URL is not set: run the tests through scripts/test, which starts PostgreSQL and Redis")
        }
        precondition(url.contains("@127.0.0.1") || url.contains("@localhost"), "tests only run against a local PostgreSQL")
        return url
    }

    public static var postgresBinDir: String {
        ProcessInfo.processInfo.environment["HNS_TEST_PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
    }

    /// The repository root, found from this file's location.
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var migrationsDir: String { repoRoot + "/Migrations" }

    /// A built executable of this package (`swift build` puts them beside the test bundle).
    public static func executable(_ name: String) -> String {
        let candidates = [
            repoRoot + "/.build/debug/" + name,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name).path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }
}

/// Polls `condition` until it holds or `timeout` passes (no sleeps-and-hope in tests).
public func eventually(
    timeout: Duration = .seconds(10), interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
