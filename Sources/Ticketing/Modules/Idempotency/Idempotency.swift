import Crypto
import Foundation
import HNSCore
import HNSPostgres
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// `Idempotency-Key` for the POSTs that create or pay (holds, orders, payments): a mobile app on a
/// stadium's crowded network retries, and a retry must not hold, order or pay twice. Keys are per
/// buyer, kept in `idempotency.answers` with the first answer.
///
/// The answer is stored by the request's own transaction, as a part of its closing statement
/// (`Key.record`), so the key and what the request did commit together or not at all: there is no
/// "in progress" state that a crash could leave behind, and no commit of its own. A concurrent
/// request with the same key waits on the key's row and is then answered from it (or, if the first
/// rolled back, runs itself). Work that does not record its answer in its transaction has it stored
/// right after.
struct Idempotency: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    /// The key of a request that is not known to have run before. The answer goes with the request's writes.
    final class Key: Sendable {
        let buyer: String
        let key: String
        let route: String
        let hash: String
        fileprivate let recorded = Locked(false)
        fileprivate let store: Idempotency?

        init(buyer: String, key: String, route: String, hash: String, store: Idempotency? = nil) {
            (self.buyer, self.key, self.route, self.hash, self.store) = (buyer, key, route, hash, store)
        }

        /// Whether an answer is stored for this key already (this request is a retry): for work that
        /// has an effect outside its transaction on a refusal, so that a retry does not repeat it.
        /// Throws the 422 when the key was used for another request.
        func answered() async throws -> Bool {
            guard let store else { return false }
            return try await store.stored(self) != nil
        }

        /// Stores the answer as a part of `writes`. Call it in the request's last transaction.
        func record(_ status: HTTPResponse.Status, _ body: [UInt8], to writes: inout PreparedWrites) {
            writes.add(
                """
                INSERT INTO idempotency.answers (buyer_id, key, route, request_hash, status, body)
                VALUES (\(self.buyer), \(self.key), \(self.route), \(self.hash), \(Int(status.code)), \(ByteBuffer(bytes: body)))
                """)
            self.recorded.withLock { $0 = true }
        }
    }

    /// Runs `work` once per `Idempotency-Key` and buyer: a retry with the same key and body gets the
    /// first answer again (also a 4xx); the same key with another body is refused. A 5xx is not
    /// kept, so the retry runs again. `work` gets the key (nil without the header) to record its answer.
    ///
    /// `recordsInTransaction`: the work always records its answer in its one transaction, and a retry
    /// of it is refused before it writes anything (an order: "this hold has its order"). Then the key
    /// is not looked up first: a first request, nearly every one, saves that read. A retry runs the
    /// work, which refuses (or fails on the key's row), rolls back, and the stored answer is replayed.
    /// Not for holds: a retried hold would take seats and the sector's counter lock before failing.
    func run(
        request: Request, buyer: String, route: String, body: ByteBuffer, recordsInTransaction: Bool = false,
        _ work: (Key?) async throws -> (HTTPResponse.Status, [UInt8])
    ) async throws -> Response {
        guard let header = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            let (status, bytes) = try await work(nil)
            return Self.response(status, bytes)
        }
        guard (1...255).contains(header.count) else { throw Problem.validation(field: "Idempotency-Key", "must be 1 to 255 characters") }
        let key = Key(
            buyer: buyer, key: header, route: route,
            hash: SHA256.hash(data: Array(route.utf8) + [0] + Array(body.readableBytesView)).hexString, store: self)
        if !recordsInTransaction, let replay = try await self.stored(key) { return replay }
        let status: HTTPResponse.Status
        let bytes: [UInt8]
        do {
            (status, bytes) = try await work(key)
        } catch  where SQLState.isUniqueViolation(error) && key.recorded.withLock({ $0 }) {
            // A request with this key committed first (earlier, or concurrently): its answer is the answer.
            if let replay = try await self.stored(key) { return replay }
            throw error
        } catch {
            // Not looked up first: a refusal may be this retry's, not the first request's answer.
            if recordsInTransaction, let replay = try await self.stored(key) { return replay }
            let problem: Problem? = (error as? Problem) ?? (error as? any ProblemConvertible)?.problem
            guard let problem, problem.statusCode < 500 else { throw error }
            // The work's transaction rolled back with the refusal; the refusal is the first answer.
            return try await self.storeAfterwards(key, problem.status, problem.jsonBytes())
        }
        if key.recorded.withLock({ $0 }) { return Self.response(status, bytes) }
        return try await self.storeAfterwards(key, status, bytes)
    }

    /// The stored answer for `key`, as a replay; nil when there is none.
    fileprivate func stored(_ key: Key) async throws -> Response? {
        let rows = try await self.postgres.prepared(
            "SELECT route, request_hash, status, body FROM idempotency.answers WHERE buyer_id = \(key.buyer) AND key = \(key.key)",
            logger: self.logger)
        for try await (route, hash, status, stored) in rows.decode((String, String, Int, ByteBuffer).self) {
            guard route == key.route, hash == key.hash else {
                throw Problem(
                    TicketingProblems.idempotencyKeyReused,
                    detail: "This Idempotency-Key was used for a different request.",
                    errors: [.init(field: "Idempotency-Key", message: "was used for a different request")])
            }
            return Self.response(HTTPResponse.Status(code: status), Array(stored.readableBytesView), replayed: true)
        }
        return nil
    }

    /// Stores an answer the work did not record in its transaction; a concurrent first answer wins.
    private func storeAfterwards(_ key: Key, _ status: HTTPResponse.Status, _ bytes: [UInt8]) async throws -> Response {
        let rows = try await self.postgres.prepared(
            """
            INSERT INTO idempotency.answers (buyer_id, key, route, request_hash, status, body)
            VALUES (\(key.buyer), \(key.key), \(key.route), \(key.hash), \(Int(status.code)), \(ByteBuffer(bytes: bytes)))
            ON CONFLICT (buyer_id, key) DO NOTHING
            RETURNING 1
            """, logger: self.logger)
        var stored = false
        for try await _ in rows.decode(Int.self) { stored = true }
        if !stored, let replay = try await self.stored(key) { return replay }
        return Self.response(status, bytes)
    }

    static func response(_ status: HTTPResponse.Status, _ body: [UInt8], replayed: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: status.code >= 400 ? "application/problem+json" : "application/json"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
