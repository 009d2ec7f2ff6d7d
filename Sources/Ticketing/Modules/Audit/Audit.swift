import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import Logging
import PostgresNIO

/// The audit trail (`audit.entries`): every state change of the monolith writes its entry in the
/// transaction that makes the change, through this facade, so an entry exists exactly when its
/// change committed. The table is append-only (the database refuses UPDATE, DELETE and TRUNCATE).
enum Audit {
    /// The seed's modules, which are the trail's domains (E5 has no module of its own).
    enum Domain: String, Sendable, CaseIterable {
        case userProfile = "E1"
        case matchStadium = "E2"
        case seatInventory = "E3"
        case ticketPurchase = "E4"
        case loyalty = "E6"
        case quota = "E7"
        case payment = "E8"
        case ticketManagement = "E9"
        case customerSupport = "E10"
        case blacklistSecurity = "E11"
        case petrol = "E12"
        case accessControl = "E13"
        case reporting = "E14"
    }

    /// One state change: what happened (`action`, dotted: `hold.created`), to what (`subjects`, the
    /// main one first: `hold:<id>`), by whom, with the details a reader of the trail needs.
    struct Entry: Sendable {
        let domain: Domain
        let action: String
        let actor: Actor
        let subjects: [String]
        var data: [String: JSONValue] = [:]
    }

    /// The entries as one part of the caller's closing statement (any number in one INSERT).
    static func add(_ entries: [Entry], to writes: inout PreparedWrites) {
        guard !entries.isEmpty else { return }
        let rows: [PreparedWrites.Part] = entries.map { e in
            let data = String(decoding: JSONValue.object(e.data).encoded(), as: UTF8.self)
            return "(\(e.domain.rawValue), \(e.action), \(e.actor.id), \(e.actor.role), \(e.subjects), \(data)::jsonb, \(e.actor.requestID))"
        }
        writes.add("INSERT INTO audit.entries (domain, action, actor_id, actor_role, subjects, data, request_id) VALUES " + .list(rows))
    }

    static func add(_ entry: Entry, to writes: inout PreparedWrites) { Self.add([entry], to: &writes) }

    /// The entries on `connection`, in its transaction, as a statement of their own.
    static func write(_ entries: [Entry], on connection: PostgresConnection, logger: Logger) async throws {
        var writes = PreparedWrites()
        Self.add(entries, to: &writes)
        try await writes.run(on: connection, logger: logger)
    }

    static func write(_ entry: Entry, on connection: PostgresConnection, logger: Logger) async throws {
        try await Self.write([entry], on: connection, logger: logger)
    }
}

/// Who made a change, as the audit trail records it: a signed-in user in the role they acted in, or
/// one of our own services; with the request that carried it, when there was one.
struct Actor: Sendable, Equatable {
    let id: String
    /// `customer`, `admin`, `support`, `quota_owner`, `petrol_staff`, or `service`.
    let role: String
    var requestID: String?

    static func user(_ identity: Identity, as role: Role, requestID: String?) -> Actor {
        Actor(id: identity.userID, role: role.rawValue, requestID: requestID)
    }

    /// One of our own processes (`system:sweeper`, `stripe`).
    static func service(_ name: String) -> Actor { Actor(id: name, role: "service", requestID: nil) }
}
