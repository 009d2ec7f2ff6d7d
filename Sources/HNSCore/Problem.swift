import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: the one shape every HTTP error of every daemon takes.
public struct Problem: Error, HTTPResponseError, Encodable, Sendable, CustomStringConvertible {
    public struct FieldError: Encodable, Sendable, Equatable {
        public let field: String
        public let message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let type: String
    public let title: String
    public let statusCode: Int
    public let detail: String?
    public let errors: [FieldError]?
    public var extraHeaders: HTTPFields = [:]
    /// Extra members, e.g. `conflicts` for a refused seat-map edit.
    public var extensions: [String: JSONValue]

    public static let typeBase = "https://hns.hr/problems/"

    public init(
        status: HTTPResponse.Status, slug: String? = nil, title: String? = nil, detail: String? = nil,
        errors: [FieldError]? = nil, extensions: [String: JSONValue] = [:]
    ) {
        self.statusCode = status.code
        self.type = slug.map { Problem.typeBase + $0 } ?? "about:blank"
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.extensions = extensions
    }

    public var status: HTTPResponse.Status { .init(code: self.statusCode) }

    public var description: String {
        "Problem(\(self.statusCode) \(self.type): \(self.detail ?? self.title))"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        self.response()
    }

    public func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        headers.append(contentsOf: self.extraHeaders)
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: self.jsonBytes())))
    }

    public func jsonBytes() -> [UInt8] {
        var object: [String: JSONValue] = self.extensions
        object["type"] = .string(self.type)
        object["title"] = .string(self.title)
        object["status"] = .number(Double(self.statusCode))
        if let detail { object["detail"] = .string(detail) }
        if let errors {
            object["errors"] = .array(errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        return JSONValue.object(object).encoded()
    }

    private enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(self.type, forKey: .type)
        try c.encode(self.title, forKey: .title)
        try c.encode(self.statusCode, forKey: .status)
        try c.encodeIfPresent(self.detail, forKey: .detail)
        try c.encodeIfPresent(self.errors, forKey: .errors)
    }
}

/// One entry of a daemon's catalogue of problem types: the `type` URI (made from the slug), its title
/// and its status. Each daemon lists its own in one file (`TicketingProblems`, `QueueProblems`, …),
/// starting from `ProblemType.common`, and its OpenAPI document lists them too.
public struct ProblemType: Sendable, Hashable, CustomStringConvertible {
    public let slug: String
    public let title: String
    public let statusCode: Int

    public init(_ slug: String, _ status: HTTPResponse.Status, _ title: String) {
        self.slug = slug
        self.title = title
        self.statusCode = status.code
    }

    public var status: HTTPResponse.Status { .init(code: self.statusCode) }
    /// The problem's `type` member.
    public var uri: String { Problem.typeBase + self.slug }
    public var description: String { "\(self.statusCode) \(self.slug)" }

    /// Problems every daemon answers with (from HNSCore's middleware and helpers, and the identity check).
    public static let validation = ProblemType("validation", .unprocessableContent, "Validation failed")
    public static let malformedJSON = ProblemType("malformed-json", .badRequest, "Malformed JSON")
    public static let badRequest = ProblemType("bad-request", .badRequest, "Bad Request")
    public static let notFound = ProblemType("not-found", .notFound, "Not Found")
    public static let methodNotAllowed = ProblemType("method-not-allowed", .methodNotAllowed, "Method Not Allowed")
    public static let tooLarge = ProblemType("too-large", .contentTooLarge, "Content Too Large")
    public static let unauthorized = ProblemType("unauthorized", .unauthorized, "Unauthorized")
    public static let forbidden = ProblemType("forbidden", .forbidden, "Forbidden")
    public static let unavailable = ProblemType("unavailable", .serviceUnavailable, "Service Unavailable")
    public static let `internal` = ProblemType("internal", .internalServerError, "Internal Server Error")

    public static let common: [ProblemType] = [
        .validation, .malformedJSON, .badRequest, .notFound, .methodNotAllowed, .tooLarge, .unauthorized, .forbidden, .unavailable, .internal,
    ]
}

extension Problem {
    /// A problem of a catalogued type.
    public init(_ type: ProblemType, detail: String? = nil, errors: [FieldError]? = nil, extensions: [String: JSONValue] = [:]) {
        self.init(status: type.status, slug: type.slug, title: type.title, detail: detail, errors: errors, extensions: extensions)
    }

    public static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, detail: detail)
    }

    public static func validation(_ errors: [FieldError], detail: String = "The request has invalid fields.") -> Problem {
        Problem(.validation, detail: detail, errors: errors)
    }

    public static func validation(field: String, _ message: String) -> Problem {
        .validation([FieldError(field: field, message: message)])
    }

    public static func notFound(_ detail: String = "No such resource.") -> Problem {
        Problem(.notFound, detail: detail)
    }

    public static func unauthorized(_ detail: String) -> Problem {
        var p = Problem(.unauthorized, detail: detail)
        p.extraHeaders[.wwwAuthenticate] = "Bearer"
        return p
    }

    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, detail: detail)
    }

    public static func unavailable(_ detail: String) -> Problem {
        Problem(.unavailable, detail: detail)
    }
}

/// Minimal JSON value used for problem extensions and envelopes whose payload we must not reshape.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The JSON text, keys sorted and slashes unescaped: what a `JSONEncoder` with those options writes
    /// (tested side by side), without its boxing (the monolith encodes every outbox payload). Where the
    /// encoder would throw (a NaN or infinite number) that number is written as null.
    public func encoded() -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        self.write(to: &w)
        return w.bytes
    }

    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .number(let n):
            if n.rounded(.towardZero) == n, abs(n) < 9_007_199_254_740_992, !(n == 0 && n.sign == .minus) {
                w.int(Int64(n))
            } else {
                // Fractions, -0, huge values as the encoder writes them; NaN and infinity, which it
                // refuses, as null.
                w.raw((try? JSONEncoder().encode(n)).map { Array($0) } ?? Array("null".utf8))
            }
        case .string(let s): w.string(s)
        case .array(let a):
            w.beginArray()
            for v in a { v.write(to: &w) }
            w.endArray()
        case .object(let o):
            w.beginObject()
            // In the order of the keys' UTF-8 bytes, as the encoder sorts them.
            for (key, value) in o.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                w.key(key)
                value.write(to: &w)
            }
            w.endObject()
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
