import Foundation
import HNSCore
import HNSIdentity
import Hummingbird
import Logging
import NIOCore

/// The request context of every `hns-ticketing` route: JSON in snake_case with ISO 8601 dates, and
/// the caller's identity once `AuthenticationMiddleware` has checked their bearer token.
public struct TicketingContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The verified identity, or why the token was refused; nil when the request sent none. Routes
    /// never read it: the role groups (`RoleContext`) do.
    var authentication: Result<Identity, IdentityError>?
    /// The peer of the connection (a proxy's, behind one: see `PurchaseRateLimits.addressHeader`).
    let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    public var responseEncoder: JSONEncoder { TicketingJSON.encoder() }
    public var maxUploadSize: Int { Self.maxUpload }
    /// Stadium templates of 35,000 seats are several MiB of JSON.
    static let maxUpload = 16 << 20
}

extension RequestContext {
    /// The request's id (`X-Request-Id`), as `RequestIDMiddleware` put it in the logger.
    var requestID: String? { self.logger[metadataKey: "request_id"].map { "\($0)" } }
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

/// Verifies a bearer token when the request sends one and records the outcome on the context;
/// what a route requires is its group's business (`RoleContext`), so public routes stay public.
struct AuthenticationMiddleware: RouterMiddleware {
    let verifier: IdentityVerifier

    func handle(_ request: Request, context: TicketingContext, next: (Request, TicketingContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        do {
            context.authentication = .success(try await self.verifier.verify(authorizationHeader: header))
        } catch {
            context.authentication = .failure(error)
        }
        return try await next(request, context)
    }
}

/// Who may use a role group: the role a caller must hold (and, for admins, MFA).
protocol AccessRule: Sendable {
    static var role: Role { get }
    static func check(_ identity: Identity) throws(IdentityError)
}

extension AccessRule {
    static func check(_ identity: Identity) throws(IdentityError) { try identity.require(Self.role) }
}

enum CustomerAccess: AccessRule { static let role = Role.customer }
enum SupportAccess: AccessRule { static let role = Role.support }
enum QuotaOwnerAccess: AccessRule {
    static let role = Role.quotaOwner
    /// A quota is offered to an email, and whoever signs in with it owns it: in the quota portal (role
    /// `quota_owner`) or in the app (a customer). Which quotas a caller sees is decided per quota by
    /// that email (`Quotas.Node.isOwned(by:)`).
    static func check(_ identity: Identity) throws(IdentityError) {
        if identity.roles.contains(.customer) { return }
        try identity.require(Self.role)
    }
}
enum PetrolStaffAccess: AccessRule { static let role = Role.petrolStaff }
enum AdminAccess: AccessRule {
    static let role = Role.admin
    static func check(_ identity: Identity) throws(IdentityError) { try identity.requireAdminWithMFA() }
}

/// The context of a route in a role's group: built only for a caller who holds the role (401
/// without a valid token, 403 without the role), so a handler cannot forget to check.
struct RoleContext<Rule: AccessRule>: ChildRequestContext {
    typealias ParentContext = TicketingContext
    var coreContext: CoreRequestContextStorage
    let identity: Identity
    let remoteAddress: SocketAddress?

    init(context: TicketingContext) throws {
        guard let authentication = context.authentication else { throw IdentityError.missingToken }
        let identity = try authentication.get()
        try Rule.check(identity)
        self.coreContext = context.coreContext
        self.identity = identity
        self.remoteAddress = context.remoteAddress
    }

    var responseEncoder: JSONEncoder { TicketingJSON.encoder() }
    var maxUploadSize: Int { TicketingContext.maxUpload }

    /// The caller as the audit trail records them: in this group's role, with the request's id.
    var actor: Actor { .user(self.identity, as: Rule.role, requestID: self.requestID) }
}

typealias CustomerContext = RoleContext<CustomerAccess>
typealias AdminContext = RoleContext<AdminAccess>
typealias SupportContext = RoleContext<SupportAccess>
typealias QuotaOwnerContext = RoleContext<QuotaOwnerAccess>
typealias PetrolStaffContext = RoleContext<PetrolStaffAccess>

/// Deliveries from the event bus: the subscription's Bearer token (`HNS_BUS_TOKEN_BACKEND`).
struct BusDeliveryMiddleware: RouterMiddleware {
    let token: Secret?

    func handle(_ request: Request, context: TicketingContext, next: (Request, TicketingContext) async throws -> Response) async throws -> Response {
        guard let token = self.token else {
            throw Problem.unavailable("HNS_BUS_TOKEN_BACKEND is not set; bus deliveries cannot be accepted.")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            ConstantTime.equal(Array(header.utf8.dropFirst(7)), Array(token.value.utf8))
        else { throw Problem.unauthorized("A valid bus delivery token is required.") }
        return try await next(request, context)
    }
}

/// Every route of the daemon is registered in exactly one of these, by the role that may call it
/// (the architecture test checks each module registers its routes only here).
struct RouteGroups {
    /// Anyone, signed in or not (fans browse matches without an account).
    let anyone: RouterGroup<TicketingContext>
    let customer: RouterGroup<CustomerContext>
    /// Customers' purchase calls (holds, orders, payments), under the purchase rate limits.
    let purchase: RouterGroup<CustomerContext>
    let admin: RouterGroup<AdminContext>
    let support: RouterGroup<SupportContext>
    let quotaOwner: RouterGroup<QuotaOwnerContext>
    let petrolStaff: RouterGroup<PetrolStaffContext>
    /// The event bus's deliveries; paths from the root (the Stripe path predates `api/v1`).
    let bus: RouterGroup<TicketingContext>

    init(router: Router<TicketingContext>, verifier: IdentityVerifier, busToken: Secret?, purchaseLimits: PurchaseRateLimits? = nil) {
        self.bus = router.group().add(middleware: BusDeliveryMiddleware(token: busToken))
        let api = router.group("api/v1").add(middleware: AuthenticationMiddleware(verifier: verifier))
        self.anyone = api
        let customer = api.group(context: CustomerContext.self)
        self.customer = customer
        self.purchase = purchaseLimits.map { customer.group().add(middleware: $0) } ?? customer.group()
        self.admin = api.group(context: AdminContext.self)
        self.support = api.group(context: SupportContext.self)
        self.quotaOwner = api.group(context: QuotaOwnerContext.self)
        self.petrolStaff = api.group(context: PetrolStaffContext.self)
    }
}

extension Parameters {
    /// A numeric path id, or 404 (an id that cannot exist is simply not found).
    func id(_ name: String) throws -> Int64 {
        guard let raw = self.decoded(name), let value = Int64(raw), value > 0 else { throw Problem.notFound() }
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

/// Encodes every stored property in declaration order, a nil one as `null`: the synthesized
/// encoding leaves nil out, and the OpenAPI schemas list such fields as required and nullable. For
/// the answers admins, support and portals read (it reads the value through `Mirror`), not the
/// purchase path's.
protocol EncodesNilAsNull: Encodable {}

extension EncodesNilAsNull {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: PropertyKey.self)
        for child in Mirror(reflecting: self).children {
            guard let label = child.label else { continue }
            let key = PropertyKey(stringValue: label)
            var value = child.value
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else {
                    try container.encodeNil(forKey: key)
                    continue
                }
                value = wrapped
            }
            guard let encodable = value as? any Encodable else {
                throw EncodingError.invalidValue(value, .init(codingPath: encoder.codingPath + [key], debugDescription: "not Encodable"))
            }
            try container.encode(encodable, forKey: key)
        }
    }
}

/// A stored property's name as a coding key (the encoder's key strategy makes it snake_case).
struct PropertyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
