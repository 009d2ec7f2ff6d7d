import HNSPostgres
import PostgresNIO
import Testing

@Suite struct SQLScriptTests {
    @Test func splits_on_semicolons_outside_quotes_comments_and_dollar_bodies() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
            /* block; comment */ INSERT INTO t VALUES ('it''s; fine', 1);
            CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;
            SELECT $$;$$;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("\"we;ird\" int)"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[2].contains("RETURN 1; END $body$"))
        #expect(statements[3] == "SELECT $$;$$")
    }

    @Test func drops_empty_and_comment_only_statements() {
        #expect(SQLScript.statements(";;  -- nothing\n;").isEmpty)
        #expect(SQLScript.statements("SELECT 1") == ["SELECT 1"])
    }
}

@Suite struct PostgresURLTests {
    @Test func parses_a_full_url() throws {
        let config = try PostgresURL.configuration(from: "postgres://hns:s%40cret@db.local:6543/tickets?max_connections=7")
        #expect(config.host == "db.local")
        #expect(config.port == 6543)
        #expect(config.username == "hns")
        #expect(config.password == "s@cret")
        #expect(config.database == "tickets")
        #expect(config.options.maximumConnections == 7)
    }

    @Test func a_host_folder_means_the_unix_socket_in_it() throws {
        let config = try PostgresURL.configuration(from: "postgres://hns@/tickets?host=/run/pg")
        #expect(config.unixSocketPath == "/run/pg/.s.PGSQL.5432")
        #expect(config.host == nil)
        #expect(try PostgresURL.configuration(from: "postgres://hns@localhost:6543/tickets?host=/run/pg").unixSocketPath == "/run/pg/.s.PGSQL.6543")
        // As with libpq, "prefer" means no TLS on a socket.
        #expect(try PostgresURL.configuration(from: "postgres://hns@/tickets?host=/run/pg&sslmode=prefer").unixSocketPath != nil)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h", "postgres://u@h/db?sslmode=maybe",
        "postgres://u@/db?host=run/pg", "postgres://u@/db?host=/run/pg&sslmode=require",
    ])
    func rejects(_ url: String) {
        #expect(throws: PostgresURL.Invalid.self) { try PostgresURL.configuration(from: url) }
    }
}
