import Foundation
import HNSCore
import HNSIdentity
import Hummingbird

/// The request context of every `hns-ticketing` route: JSON in snake_case with ISO 8601 dates.
public struct TicketingContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    public var responseEncoder: JSONEncoder { TicketingJSON.encoder() }
    /// Stadium templates of 35,000 seats are several MiB of JSON.
    public var maxUploadSize: Int { 16 << 20 }
}

enum TicketingJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Who may call what: every route asks this first, so the rule sits beside the route.
struct Authenticator: Sendable {
    let verifier: IdentityVerifier

    /// Any signed-in Drupal user.
    func user(_ request: Request) async throws -> Identity {
        try await self.verifier.verify(authorizationHeader: request.headers[.authorization])
    }

    /// An admin whose session passed MFA.
    func admin(_ request: Request) async throws -> Identity {
        let identity = try await self.user(request)
        try identity.requireAdminWithMFA()
        return identity
    }
}

extension Parameters {
    /// A numeric path id, or 404 (an id that cannot exist is simply not found).
    func id(_ name: String) throws -> Int64 {
        guard let raw = self.get(name), let value = Int64(raw), value > 0 else { throw Problem.notFound() }
        return value
    }
}

/// A Codable body sent with an explicit status (201 for creations).
struct Created<Body: ResponseEncodable>: ResponseGenerator {
    let body: Body
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try self.body.response(from: request, context: context)
        response.status = .created
        return response
    }
}
