import Foundation

/// A role Drupal grants (docs/contracts.md "Identity", claim `roles`).
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case customer
    case admin
    case support
    case quotaOwner = "quota_owner"
    case petrolStaff = "petrol_staff"
}

/// Who sent a request, as proven by a verified bearer token.
public struct Identity: Sendable, Equatable {
    /// Drupal user id (`sub`).
    public let userID: String
    public let email: String?
    /// Roles we know; role strings we do not know are ignored, so Drupal may add roles freely.
    public let roles: Set<Role>
    /// Authentication methods (`amr`), e.g. `["pwd", "mfa"]`.
    public let amr: [String]
    /// When the token stops being accepted (`exp`, before leeway).
    public let expiresAt: Date
    /// A Petrol clerk's station (`petrol_station`); nil for everyone else.
    public let station: String?

    public init(userID: String, email: String? = nil, roles: Set<Role> = [], amr: [String] = [], expiresAt: Date, station: String? = nil) {
        self.userID = userID
        self.email = email
        self.roles = roles
        self.amr = amr
        self.expiresAt = expiresAt
        self.station = station
    }

    /// Whether the session was established with a second factor.
    public var hasMFA: Bool { self.amr.contains("mfa") }

    public func has(_ role: Role) -> Bool { self.roles.contains(role) }

    /// Throws `.forbidden` unless the identity holds `role`.
    public func require(_ role: Role) throws(IdentityError) {
        guard self.has(role) else { throw .forbidden("This needs the \(role.rawValue) role.") }
    }

    /// Throws `.forbidden` unless this is an admin session that passed MFA.
    public func requireAdminWithMFA() throws(IdentityError) {
        try self.require(.admin)
        guard self.hasMFA else { throw .forbidden("Admin actions need a session signed in with multi-factor authentication.") }
    }
}
