import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Outermost middleware: whatever goes wrong below — a 404 from the router, a body over the limit,
/// a decoding failure, a bug — leaves as `application/problem+json`, and 5xx are logged with the cause
/// (the response itself never carries internals).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.statusCode >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "status": "\(problem.statusCode)"])
            } else {
                context.logger.debug("request refused", metadata: ["status": "\(problem.statusCode)", "type": "\(problem.type)"])
            }
            return problem.response()
        }
    }

    public static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let convertible as any ProblemConvertible:
            return convertible.problem
        case let decoding as DecodingError:
            return Self.problem(for: decoding)
        case is NIOTooManyBytesError:
            return Problem(.tooLarge, detail: "The request body is larger than this endpoint accepts.")
        case let http as HTTPError:
            switch http.status {
            case .notFound: return .notFound("No route for this method and path.")
            case .methodNotAllowed: return Problem(.methodNotAllowed, detail: "This path does not accept that method.")
            case .badRequest where http.body != nil:
                return .badRequest(http.body ?? "Bad request.")
            default:
                return Problem(status: http.status, detail: http.body)
            }
        case let other as any HTTPResponseError:
            return Problem(status: other.status)
        default:
            return Problem(.internal, detail: "An internal error occurred; it has been logged.")
        }
    }

    static func problem(for error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .reduce(into: "") { acc, part in acc += (part.hasPrefix("[") || acc.isEmpty) ? part : "." + part }
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let field = path(ctx.codingPath + [key])
            return .validation(field: field, "is required")
        case .typeMismatch(let type, let ctx):
            return .validation(field: path(ctx.codingPath), "must be of type \(type)")
        case .valueNotFound(let type, let ctx):
            return .validation(field: path(ctx.codingPath), "must not be null (expected \(type))")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return Problem(.malformedJSON, detail: "The body is not valid JSON.")
            }
            return .validation(field: path(ctx.codingPath), ctx.debugDescription)
        @unknown default:
            return .badRequest("The body could not be decoded.")
        }
    }
}

/// A domain error that knows its problem+json form (status, slug, detail, headers), so handlers can
/// simply throw it.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

/// Gives each request an id (taken from `X-Request-Id` when a proxy set one), puts it in every log
/// line of the request and echoes it back, so a support case can be traced through the logs.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let incoming = request.headers[.requestID].flatMap { $0.count <= 128 ? $0 : nil }
        let id = incoming ?? Self.newID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    static func newID() -> String {
        var g = SystemRandomNumberGenerator()
        return String(g.next(), radix: 16) + String(g.next() & 0xffff_ffff, radix: 16)
    }
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-Id")!
}

extension Request {
    /// Decodes a JSON body, turning decoding failures into problems that name the field at fault
    /// (Hummingbird's own `decode` flattens them into a message string).
    public func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext, limit: Int? = nil) async throws -> T {
        try Self.decodeJSON(as: type, from: try await self.body.collect(upTo: limit ?? context.maxUploadSize))
    }

    /// The same for a body already collected (e.g. kept to hash for an `Idempotency-Key`).
    public static func decodeJSON<T: Decodable>(as type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw ProblemMiddleware<BasicRequestContext>.problem(for: error)
        }
    }
}
