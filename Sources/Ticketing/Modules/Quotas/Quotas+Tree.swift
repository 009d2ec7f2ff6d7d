import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import Logging
import PostgresNIO

/// E7, the tree: an owner hands part of their free seats to another email (a sub-quota) or gives
/// seats back; a node whose deadline passed gives its unclaimed seats to its parent, and the root
/// to general sale.
extension Quotas {
    struct DelegateRequest: Decodable, Sendable {
        var name: String?
        var ownerEmail: String?
        var sectors: [SectorCount]?
        var seats: [Int64]?
        var claimDeadline: Date?
        enum CodingKeys: String, CodingKey {
            case name, sectors, seats
            case ownerEmail = "owner_email"
            case claimDeadline = "claim_deadline"
        }
    }

    struct NewSubquota: Sendable {
        let name: String
        let ownerEmail: String
        let sectors: [(sector: String, quantity: Int)]
        let seats: [Int64]
        let claimDeadline: Date
    }

    static func validate(_ body: DelegateRequest, now: Date = Date()) throws -> NewSubquota {
        var errors: [Problem.FieldError] = []
        let name = body.name?.trimmingCharacters(in: .whitespaces) ?? ""
        if name.isEmpty || name.count > 200 { errors.append(.init(field: "name", message: "is required (1 to 200 characters)")) }
        let email = body.ownerEmail?.trimmingCharacters(in: .whitespaces) ?? ""
        if !Orders.looksLikeEmail(email) { errors.append(.init(field: "owner_email", message: "is not an email address")) }
        let (sectors, seats) = Self.validate(sectors: body.sectors, seats: body.seats, errors: &errors)
        if let deadline = body.claimDeadline {
            if deadline <= now { errors.append(.init(field: "claim_deadline", message: "must be in the future")) }
        } else {
            errors.append(.init(field: "claim_deadline", message: "is required"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        return NewSubquota(name: name, ownerEmail: email, sectors: sectors, seats: seats, claimDeadline: body.claimDeadline!)
    }

    /// Seats of a node named per sector or by unit id (one of the two, not both empty).
    static func validate(
        sectors list: [SectorCount]?, seats given: [Int64]?, errors: inout [Problem.FieldError]
    ) -> ([(sector: String, quantity: Int)], [Int64]) {
        let sectors = Self.validate(sectors: list, field: "sectors", errors: &errors)
        let seats = Self.validate(seats: given, errors: &errors)
        if (list ?? []).isEmpty == seats.isEmpty {
            errors.append(.init(field: "sectors", message: "name seats per sector, or seats (one of the two)"))
        }
        return (sectors, seats)
    }

    /// The node, for a change by its owner: locked behind its root, open (active, before its
    /// deadline). Another caller's node is not found.
    private func ownNode(_ connection: PostgresConnection, quotaID: UUID, identity: Identity) async throws -> (root: Node, node: Node) {
        let root = try await Self.lockRoot(connection, of: quotaID, logger: self.logger)
        guard let node = quotaID == root.id ? root : try await Self.node(connection, id: quotaID, lock: false, logger: self.logger),
            node.isOwned(by: identity)
        else { throw QuotaError.notFound }
        guard root.state == "active", node.isOpen else {
            throw QuotaError.closed(state: node.due && node.state == "active" ? "past its claim deadline" : node.state)
        }
        try await self.requireSelling(matchID: root.matchID)
        return (root, node)
    }

    /// Chooses seats among the node's free ones: the named ones (each must be free there), or per
    /// sector the best together (`worstFirst`: those a sale would sell last, for giving back).
    private func choose(
        _ connection: PostgresConnection, root: Node, node: Node, sectors: [(sector: String, quantity: Int)], seats: [Int64], worstFirst: Bool
    ) async throws -> [(sector: String, seat: SeatCandidate)] {
        let free = try await self.inventory.freeAllocated(on: connection, allocationID: node.id)
        if !seats.isEmpty {
            let byID = Dictionary(free.map { ($0.seat.unitID, $0) }) { a, _ in a }
            let missing = seats.filter { byID[$0] == nil }
            if !missing.isEmpty { throw QuotaError.seatsNotFree(missing) }
            return seats.compactMap { byID[$0] }
        }
        var out: [(String, SeatCandidate)] = []
        for (sector, quantity) in sectors {
            let inSector = free.filter { $0.sector == sector }.map(\.seat)
            let pick =
                worstFirst
                ? (inSector.count >= quantity ? Array(inSector.sorted { $0.snakeOrder > $1.snakeOrder }.prefix(quantity)) : nil)
                : SeatSelection.best(quantity: quantity, from: inSector)
            guard let pick else { throw QuotaError.notEnoughFree(sector: sector, requested: quantity, free: inSector.count) }
            out += pick.map { (sector, $0) }
        }
        return out
    }

    // MARK: Delegate

    /// Carves a sub-quota for another email out of the owner's free seats. The answer (the new
    /// sub-quota) is recorded for `key` in the same transaction.
    func delegate(quotaID: UUID, _ new: NewSubquota, identity: Identity, actor: Actor, key: Idempotency.Key?) async throws -> [UInt8] {
        try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let (root, node) = try await self.ownNode(connection, quotaID: quotaID, identity: identity)
            guard root.delegationAllowed else { throw QuotaError.delegationNotAllowed("This quota may not be delegated.") }
            guard node.depth < root.maxDepth else {
                throw QuotaError.delegationNotAllowed("Sub-quotas may be at most \(root.maxDepth) level(s) deep; this one is at level \(node.depth).")
            }
            if new.claimDeadline > node.claimDeadline {
                throw Problem.validation(
                    field: "claim_deadline", "must be no later than this quota's (\(ISO8601DateFormatter().string(from: node.claimDeadline)))")
            }
            let picked = try await self.choose(connection, root: root, node: node, sectors: new.sectors, seats: new.seats, worstFirst: false)
            let id = UUID.random()
            let units = picked.map(\.seat.unitID).sorted()
            var writes = PreparedWrites()
            writes.add(
                """
                INSERT INTO quotas.quotas (id, match_id, root_id, parent_id, depth, name, owner_email, price_kind, reduced_price_cents, payment_mode,
                                           credit_limit_cents, claim_deadline, delegation_allowed, max_depth, created_by)
                VALUES (\(id), \(root.matchID), \(root.id), \(node.id), \(node.depth + 1), \(new.name), \(new.ownerEmail), \(root.priceKind.rawValue),
                        \(root.reducedPriceCents), \(root.paymentMode.rawValue), \(root.creditLimitCents), \(new.claimDeadline),
                        \(root.delegationAllowed), \(root.maxDepth), \(actor.id))
                """)
            try await self.inventory.reassign(on: connection, from: node.id, to: id, units: units)
            Audit.add(
                Self.entry(
                    "quota.delegated", node: node, actor: actor,
                    data: [
                        "subquota_id": .string(id.lowercased), "owner_email": .string(new.ownerEmail), "seats": .number(Double(units.count)),
                        "unit_ids": .array(units.map { .number(Double($0)) }),
                    ]), to: &writes)
            Outbox.add(
                Self.invitation(
                    subject: "quota.delegated", quotaID: id, matchID: root.matchID, name: new.name, ownerEmail: new.ownerEmail,
                    deadline: new.claimDeadline, seats: units.count, parentID: node.id), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            guard let child = try await Self.node(connection, id: id, lock: false, logger: self.logger) else { throw QuotaError.notFound }
            let answer = try Orders.json(Self.fresh(child, seats: units.count))
            if let key { try await Self.record(key, answer, on: connection, logger: self.logger) }
            return answer
        }
    }

    // MARK: Give back

    struct ReturnRequest: Decodable, Sendable {
        var sectors: [SectorCount]?
        var seats: [Int64]?
    }

    /// The owner gives free seats back: a sub-quota's go to its parent, a root's to general sale.
    func giveBack(
        quotaID: UUID, sectors: [(sector: String, quantity: Int)], seats: [Int64], identity: Identity, actor: Actor
    ) async throws -> Summary {
        let changed: (Int64, [String]) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let (root, node) = try await self.ownNode(connection, quotaID: quotaID, identity: identity)
            let picked = try await self.choose(connection, root: root, node: node, sectors: sectors, seats: seats, worstFirst: true)
            let units = picked.map(\.seat.unitID).sorted()
            var writes = PreparedWrites()
            var sectorsChanged: [String] = []
            if node.isRoot {
                let (freed, counts) = try await self.inventory.deallocate(
                    on: connection, matchID: root.matchID, allocations: [node.id], units: units, actor: actor)
                for change in counts { self.inventory.add(change, to: &writes) }
                Self.addReturned(freed, to: &writes)
                sectorsChanged = counts.map(\.sector)
            } else if let parent = node.parentID {
                let moved = try await self.inventory.reassign(on: connection, from: node.id, to: parent, units: units)
                Self.addReturned([node.id: moved], to: &writes)
            }
            Audit.add(
                Self.entry(
                    "quota.returned", node: node, actor: actor,
                    data: [
                        "to": node.parentID.map { .string($0.lowercased) } ?? .string("general_sale"),
                        "unit_ids": .array(units.map { .number(Double($0)) }),
                    ]), to: &writes)
            Outbox.add([Self.returned(node, to: node.parentID, seats: units.count, reason: "given_back")], to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return (root.matchID, sectorsChanged)
        }
        await self.inventory.afterAllocation(matchID: changed.0, sectors: changed.1)
        return try await self.summary(quotaID: quotaID)
    }

    // MARK: Deadlines

    /// One round of the deadline keeper: nodes whose claim deadline passed lapse, deepest first (so a
    /// tree lapses level by level within one round): a sub-quota's seats not sold — free, or held by a
    /// claim still awaiting payment — go to its parent; a root's go back to general sale. Returns
    /// how many nodes lapsed.
    func lapseDue(limit: Int = 200) async throws -> Int {
        let rows = try await self.postgres.prepared(
            """
            SELECT id FROM quotas.quotas WHERE state = 'active' AND claim_deadline <= now()
            ORDER BY depth DESC, claim_deadline, id LIMIT \(limit)
            """, logger: self.logger)
        var due: [UUID] = []
        for try await id in rows.decode(UUID.self) { due.append(id) }
        var lapsed = 0
        for id in due where try await self.lapse(quotaID: id) { lapsed += 1 }
        if lapsed > 0 { self.logger.info("quotas lapsed", metadata: ["count": "\(lapsed)"]) }
        return lapsed
    }

    /// Lapses one node if it is active and due; false when it was not (any more).
    func lapse(quotaID: UUID) async throws -> Bool {
        let actor = Actor.service("system:quota-deadlines")
        let changed: (Int64, [String])? = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let root = try await Self.lockRoot(connection, of: quotaID, logger: self.logger)
            guard let node = quotaID == root.id ? root : try await Self.node(connection, id: quotaID, lock: false, logger: self.logger),
                node.state == "active", node.due
            else { return nil }
            var writes = PreparedWrites()
            var moved = 0
            var sectors: [String] = []
            if node.isRoot {
                let nodes = try await Self.tree(connection, rootID: root.id, logger: self.logger).map(\.id)
                let (freed, counts) = try await self.inventory.deallocate(
                    on: connection, matchID: root.matchID, allocations: nodes, units: nil, actor: actor)
                for change in counts { self.inventory.add(change, to: &writes) }
                Self.addReturned(freed, to: &writes)
                writes.add("UPDATE quotas.quotas SET state = 'lapsed', ended_at = now() WHERE root_id = \(root.id) AND state = 'active'")
                moved = freed.values.reduce(0) { $0 + $1.count }
                sectors = counts.map(\.sector)
            } else {
                // Free seats and those a claim holds (an unpaid claim's come back to the parent).
                let unsold = try await self.inventory.reassign(on: connection, from: node.id, to: node.parentID ?? root.id, units: nil)
                Self.addReturned([node.id: unsold], to: &writes)
                writes.add("UPDATE quotas.quotas SET state = 'lapsed', ended_at = now() WHERE id = \(node.id)")
                moved = unsold.count
            }
            let to: JSONValue = node.parentID.map { .string($0.lowercased) } ?? .string("general_sale")
            Audit.add(Self.entry("quota.lapsed", node: node, actor: actor, data: ["to": to, "seats": .number(Double(moved))]), to: &writes)
            Outbox.add(
                [
                    .init(
                        subject: "quota.lapsed", msgID: "quota.lapsed:\(node.id.lowercased)",
                        payload: .object([
                            "quota_id": .string(node.id.lowercased), "root_id": .string(node.rootID.lowercased),
                            "match_id": .number(Double(node.matchID)), "to": to, "seats": .number(Double(moved)),
                        ]))
                ], to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return (root.matchID, sectors)
        }
        guard let changed else { return false }
        await self.inventory.afterAllocation(matchID: changed.0, sectors: changed.1)
        return true
    }
}
