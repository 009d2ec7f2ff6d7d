import HNSPostgres
import HNSTestSupport
import Logging
import PostgresNIO
import Testing

@Suite struct UnixSocketTests {
    @Test func a_host_folder_url_connects_through_the_servers_unix_socket() async throws {
        let server = try await PostgresTestServer.start()
        defer { Task { await server.destroy() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // The URL's host is a decoy: `host=` wins, as with libpq.
        let config = try PostgresURL.configuration(from: "postgres://postgres@192.0.2.1:\(server.port)/postgres?host=\(server.directory)")
        let postgres = PostgresClient(configuration: config, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            // A unix-socket session has no client address.
            let rows = try await postgres.query("SELECT inet_client_addr() IS NULL, current_setting('port')::int", logger: logger)
            var seen: [(Bool, Int)] = []
            for try await row in rows.decode((Bool, Int).self) { seen.append(row) }
            #expect(seen.count == 1)
            #expect(seen.first?.0 == true)
            #expect(seen.first?.1 == server.port)
            group.cancelAll()
        }
    }
}
