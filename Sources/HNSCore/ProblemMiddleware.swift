import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Outermost middleware: whatever goes wrong below — a 404 from the router, a body over the limit,
/// a decoding failure, a bug — leaves as `application/problem+json`, and 5xx are logged with the cause
/// (the response itself never carries internals).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's paths and their methods: a 404 of the router for a path that exists is a 405.
    let routes: RouteTable?

    public init(routes: RouteTable? = nil) { self.routes = routes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            let allowed = self.routes?.methods(for: request.uri.path) ?? []
            guard !allowed.isEmpty else { return Self.problem(for: error).response() }
            var problem = Problem(.methodNotAllowed, detail: "This path does not accept \(request.method.rawValue).")
            problem.extraHeaders[.allow] = allowed.joined(separator: ", ")
            return problem.response()
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

    /// A Swift type as a reader of the API knows it.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is Int8.Type, is UInt.Type, is UInt64.Type, is UInt32.Type,
            is UInt16.Type, is UInt8.Type:
            return "a whole number"
        case is Double.Type, is Float.Type, is Decimal.Type: return "a number"
        case is UUID.Type: return "a UUID"
        case is Date.Type: return "an RFC 3339 date-time"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array<") || name.hasPrefix("[") && !name.contains(":") ? "a list" : "an object"
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
            return .validation(field: path(ctx.codingPath), "must be \(Self.kind(type))")
        case .valueNotFound(let type, let ctx):
            return .validation(field: path(ctx.codingPath), "must not be null (it must be \(Self.kind(type)))")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return Problem(.malformedJSON, detail: "The body is not valid JSON.")
            }
            // A number that does not fit (a fraction or a huge value where a whole number belongs), a
            // date or an id in the wrong form: the decoders' own words name Swift types, ours do not.
            let text = ctx.debugDescription
            let message =
                text.contains("number") || text.contains("Number")
                ? "must be a whole number within range"
                : text.contains("UUID") ? "must be a UUID" : text.contains("date") ? "must be an RFC 3339 date-time" : "has an invalid value"
            return .validation(field: path(ctx.codingPath), message)
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

    /// Dates are RFC 3339 date-times, every form of them (`RFC3339`).
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date-time")
            }
            return date
        }
        return decoder
    }

    /// The same for a body already collected (e.g. kept to hash for an `Idempotency-Key`). The body
    /// meets `JSONBodyRules` first.
    public static func decodeJSON<T: Decodable>(as type: T.Type, from buffer: ByteBuffer) throws -> T {
        let violations = JSONBodyRules.violations(in: buffer.readableBytesView)
        if !violations.isEmpty { throw Problem.validation(violations) }
        do {
            return try Self.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            // Foundation reports a number that does not fit its field (2.5 or 1e20 for an Int) as a body
            // that is not JSON, without the field: when the body is JSON, name the numbers that are not
            // whole or not in range.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
            {
                let fields = JSONBodyRules.numbersThatAreNotWhole(in: value)
                // Whole numbers written with a fraction (`3.0`) are whole numbers, as JSON Schema has
                // it: read the body again as it would be written without them.
                if fields.isEmpty, JSONBodyRules.allNumbersExact(in: value), let again = try? Self.decoder.decode(T.self, from: Data(value.encoded()))
                {
                    return again
                }
                throw Problem.validation(
                    fields.isEmpty
                        ? [Problem.FieldError(field: "body", message: "has a value of the wrong kind")]
                        : fields.map { Problem.FieldError(field: $0, message: "must be a whole number within range") })
            }
            throw ProblemMiddleware<BasicRequestContext>.problem(for: error)
        }
    }
}
