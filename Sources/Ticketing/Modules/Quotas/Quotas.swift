import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import Logging
import PostgresNIO

/// E7: contingents of real seats handed to clubs, sponsors, delegations and partners. A quota is a
/// tree: the root is what the federation allocated (its seats set aside in inventory under the
/// root's id, so a seat is never in a quota and on sale, or in two quotas); each sub-quota is a part
/// of its parent's seats handed to another email. Every change to a tree locks its root row first,
/// so claims, delegations, returns and deadlines of one tree never interleave.
struct Quotas: Sendable {
    let postgres: PostgresClient
    let inventory: Inventory
    let orders: Orders
    let matches: Matches
    let logger: Logger

    enum PriceKind: String, Sendable, CaseIterable { case full, reduced, free }
    enum PaymentMode: String, Sendable, CaseIterable { case card, deferred }

    /// One node of a tree as stored. Price, payment mode and credit limit are copied from the root.
    struct Node: Sendable {
        let id: UUID
        let matchID: Int64
        let rootID: UUID
        let parentID: UUID?
        let depth: Int
        let name: String
        let ownerEmail: String
        let ownerUserID: String?
        let priceKind: PriceKind
        let reducedPriceCents: Int?
        let paymentMode: PaymentMode
        let creditLimitCents: Int?
        let deferredOpenCents: Int
        let returnedCount: Int
        let claimDeadline: Date
        let delegationAllowed: Bool
        let maxDepth: Int
        let state: String
        let createdAt: Date
        /// The deadline has passed (by the database's clock).
        let due: Bool

        var isRoot: Bool { self.parentID == nil }
        var isOpen: Bool { self.state == "active" && !self.due }

        static let columns = """
            id, match_id, root_id, parent_id, depth, name, owner_email, owner_user_id, price_kind, reduced_price_cents, payment_mode,
            credit_limit_cents, deferred_open_cents, returned_count, claim_deadline, delegation_allowed, max_depth, state, created_at,
            claim_deadline <= now()
            """

        init(_ r: PostgresRandomAccessRow) throws {
            func v<T: PostgresDecodable>(_ i: Int, _: T.Type) throws -> T { try r[i].decode(T.self, context: .default) }
            self.id = try v(0, UUID.self)
            self.matchID = try v(1, Int64.self)
            self.rootID = try v(2, UUID.self)
            self.parentID = try v(3, UUID?.self)
            self.depth = try v(4, Int.self)
            self.name = try v(5, String.self)
            self.ownerEmail = try v(6, String.self)
            self.ownerUserID = try v(7, String?.self)
            self.priceKind = PriceKind(rawValue: try v(8, String.self)) ?? .full
            self.reducedPriceCents = try v(9, Int?.self)
            self.paymentMode = PaymentMode(rawValue: try v(10, String.self)) ?? .card
            self.creditLimitCents = try v(11, Int?.self)
            self.deferredOpenCents = try v(12, Int.self)
            self.returnedCount = try v(13, Int.self)
            self.claimDeadline = try v(14, Date.self)
            self.delegationAllowed = try v(15, Bool.self)
            self.maxDepth = try v(16, Int.self)
            self.state = try v(17, String.self)
            self.createdAt = try v(18, Date.self)
            self.due = try v(19, Bool.self)
        }

        /// Whether `identity` owns this node: the user who first signed in with its email, or — until
        /// someone has — whoever signs in with that email.
        func isOwned(by identity: Identity) -> Bool {
            if let user = self.ownerUserID { return user == identity.userID }
            guard let email = identity.email else { return false }
            return email.lowercased() == self.ownerEmail.lowercased()
        }
    }

    // MARK: Reads on a connection

    static func node(_ connection: PostgresConnection, id: UUID, lock: Bool, logger: Logger) async throws -> Node? {
        let rows = try await connection.prepared(
            "SELECT \(unescaped: Node.columns) FROM quotas.quotas WHERE id = \(id)\(unescaped: lock ? " FOR UPDATE" : "")", logger: logger)
        for try await row in rows { return try Node(row.makeRandomAccess()) }
        return nil
    }

    /// Every node of the tree `rootID`, parents before children.
    static func tree(_ connection: PostgresConnection, rootID: UUID, logger: Logger) async throws -> [Node] {
        let rows = try await connection.prepared(
            "SELECT \(unescaped: Node.columns) FROM quotas.quotas WHERE root_id = \(rootID) ORDER BY depth, created_at, id", logger: logger)
        var out: [Node] = []
        for try await row in rows { out.append(try Node(row.makeRandomAccess())) }
        return out
    }

    /// The tree's root, locked: the first lock of every change to a tree.
    static func lockRoot(_ connection: PostgresConnection, of quotaID: UUID, logger: Logger) async throws -> Node {
        let rows = try await connection.prepared(
            """
            SELECT \(unescaped: Node.columns) FROM quotas.quotas
            WHERE id = (SELECT root_id FROM quotas.quotas WHERE id = \(quotaID)) FOR UPDATE
            """, logger: logger)
        for try await row in rows { return try Node(row.makeRandomAccess()) }
        throw QuotaError.notFound
    }

    // MARK: Audit and events

    static func entry(_ action: String, node: Node, actor: Actor, data: [String: JSONValue]) -> Audit.Entry {
        Audit.Entry(
            domain: .quota, action: action, actor: actor,
            subjects: ["quota:\(node.id.lowercased)"] + (node.isRoot ? [] : ["quota:\(node.rootID.lowercased)"]) + ["match:\(node.matchID)"],
            data: data)
    }

    /// The invitation of a node's owner: an event (and a notification job: email and push with a
    /// deep link into the app) and the mail's event.
    static func invitation(
        subject: String, quotaID: UUID, matchID: Int64, name: String, ownerEmail: String, deadline: Date, seats: Int, parentID: UUID?
    )
        -> [Outbox.Message]
    {
        let id = quotaID.lowercased
        let link = "hns://quotas/\(id)"
        return [
            .init(
                subject: subject, msgID: "\(subject):\(id)",
                payload: .object([
                    "quota_id": .string(id), "parent_id": parentID.map { .string($0.lowercased) } ?? .null, "match_id": .number(Double(matchID)),
                    "name": .string(name), "owner_email": .string(ownerEmail), "seats": .number(Double(seats)),
                    "claim_deadline": .string(ISO8601DateFormatter().string(from: deadline)), "deep_link": .string(link),
                    "channels": .array([.string("email"), .string("push")]),
                ]), job: true),
            .init(
                subject: "mail.quota_invitation", msgID: "mail.quota_invitation:\(id)",
                payload: .object([
                    "template": .string("quota_invitation"), "to": .string(ownerEmail), "quota_id": .string(id),
                    "match_id": .number(Double(matchID)), "deep_link": .string(link),
                ])),
        ]
    }
}

/// Why a quota request was refused (`TicketingProblems` maps each to its problem type).
enum QuotaError: Error, Sendable {
    case notFound
    /// The quota lapsed or was revoked, or its claim deadline passed.
    case closed(state: String)
    case delegationNotAllowed(String)
    /// Seats asked for that the node does not have free (per sector: how many it has).
    case notEnoughFree(sector: String, requested: Int, free: Int)
    case seatsNotFree([Int64])
    case creditLimit(limit: Int, open: Int, requested: Int)
}
