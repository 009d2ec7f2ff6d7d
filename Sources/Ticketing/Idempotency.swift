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
/// buyer, kept in `orders.idempotency_keys` with the first answer.
struct Idempotency: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    /// Runs `work` once per `Idempotency-Key` and buyer: a retry with the same key and body gets the
    /// first answer again (also a 4xx); the same key with another body is refused. A 5xx is not
    /// kept, so the retry runs again.
    func run(
        request: Request, buyer: String, route: String, body: ByteBuffer,
        _ work: () async throws -> (HTTPResponse.Status, [UInt8])
    ) async throws -> Response {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            let (status, bytes) = try await work()
            return Self.response(status, bytes)
        }
        guard (1...255).contains(key.count) else { throw Problem.validation(field: "Idempotency-Key", "must be 1 to 255 characters") }
        let hash = SHA256.hash(data: Array(route.utf8) + [0] + Array(body.readableBytesView)).hexString
        let inserted = try await self.postgres.prepared(
            """
            INSERT INTO orders.idempotency_keys (buyer_id, key, route, request_hash) VALUES (\(buyer), \(key), \(route), \(hash))
            ON CONFLICT (buyer_id, key) DO NOTHING RETURNING 1
            """, logger: self.logger)
        var fresh = false
        for try await _ in inserted.decode(Int.self) { fresh = true }
        if !fresh {
            let rows = try await self.postgres.prepared(
                "SELECT route, request_hash, status, body FROM orders.idempotency_keys WHERE buyer_id = \(buyer) AND key = \(key)",
                logger: self.logger)
            for try await (oldRoute, oldHash, status, stored) in rows.decode((String, String, Int?, ByteBuffer?).self) {
                guard oldRoute == route, oldHash == hash else {
                    throw Problem(status: .unprocessableContent, slug: "idempotency-key-reused",
                                  detail: "This Idempotency-Key was used for a different request.",
                                  errors: [.init(field: "Idempotency-Key", message: "was used for a different request")])
                }
                guard let status else {
                    throw Problem(status: .conflict, slug: "request-in-progress", detail: "The first request with this Idempotency-Key is still running; retry shortly.")
                }
                return Self.response(HTTPResponse.Status(code: status), stored.map { Array($0.readableBytesView) } ?? [], replayed: true)
            }
            throw Problem.unavailable("Idempotency-Key could not be read; retry.")
        }
        let status: HTTPResponse.Status
        let bytes: [UInt8]
        do {
            (status, bytes) = try await work()
        } catch {
            let problem: Problem? = (error as? Problem) ?? (error as? any ProblemConvertible)?.problem
            guard let problem, problem.statusCode < 500 else {
                _ = try? await self.postgres.prepared(
                    "DELETE FROM orders.idempotency_keys WHERE buyer_id = \(buyer) AND key = \(key)", logger: self.logger)
                throw error
            }
            (status, bytes) = (problem.status, problem.jsonBytes())
        }
        try await self.postgres.prepared(
            """
            UPDATE orders.idempotency_keys SET status = \(Int(status.code)), body = \(ByteBuffer(bytes: bytes))
            WHERE buyer_id = \(buyer) AND key = \(key)
            """, logger: self.logger)
        return Self.response(status, bytes)
    }

    static func response(_ status: HTTPResponse.Status, _ body: [UInt8], replayed: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: status.code >= 400 ? "application/problem+json" : "application/json"]
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
