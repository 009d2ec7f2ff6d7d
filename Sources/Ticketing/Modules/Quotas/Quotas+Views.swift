import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import Logging
import PostgresNIO

/// E7 reads: a node with its counts and its sub-quotas as a tree; its seats with their states; the
/// reports per quota and per match. A seat's state comes from where it is (which node has it),
/// inventory (free while set aside) and its claim's order (claimed while unpaid, then paid or deferred).
extension Quotas {
    struct Counts: Codable, Sendable, Equatable {
        /// Seats the node (with its sub-quotas) has now.
        var allocated = 0
        var free = 0
        /// Claimed, the order awaiting its card payment.
        var claimed = 0
        var paid = 0
        /// Issued on the partner's account, not paid yet.
        var deferred = 0
        /// Of `allocated`, those handed on to sub-quotas.
        var delegated = 0
        /// Seats that left the node (given back, lapsed, resized, revoked).
        var returned = 0

        static func + (a: Counts, b: Counts) -> Counts {
            Counts(
                allocated: a.allocated + b.allocated, free: a.free + b.free, claimed: a.claimed + b.claimed, paid: a.paid + b.paid,
                deferred: a.deferred + b.deferred, delegated: a.delegated + b.delegated, returned: a.returned + b.returned)
        }
    }

    struct Summary: Encodable, Sendable, EncodesNilAsNull {
        let id: UUID
        let matchId: Int64
        let rootId: UUID
        let parentId: UUID?
        let depth: Int
        let name: String
        let ownerEmail: String
        let price: String
        let reducedPriceCents: Int?
        let paymentMode: String
        let creditLimitCents: Int?
        let deferredOpenCents: Int?
        let claimDeadline: Date
        let delegationAllowed: Bool
        let maxDepth: Int
        let state: String
        let createdAt: Date
        /// The node's own seats (not those of its sub-quotas) by state; `delegated` is what its sub-quotas have.
        let counts: Counts
        let subquotas: [Summary]
    }

    struct SeatView: Encodable, Sendable, EncodesNilAsNull {
        let unitId: Int64
        let sector: String
        let row: String?
        let seat: String?
        /// free, claimed, paid, deferred, or delegated (then `subquota_id` has it).
        let state: String
        let subquotaId: UUID?
        let orderId: UUID?
    }

    struct Detail: Encodable, Sendable {
        let quota: Summary
        let seats: [SeatView]
    }

    /// A node as it reads when it was just made: every seat free.
    static func fresh(_ node: Node, seats: Int) -> Summary {
        var counts = Counts()
        counts.allocated = seats
        counts.free = seats
        return Self.summary(node, counts: counts, subquotas: [])
    }

    static func summary(_ node: Node, counts: Counts, subquotas: [Summary]) -> Summary {
        Summary(
            id: node.id, matchId: node.matchID, rootId: node.rootID, parentId: node.parentID, depth: node.depth, name: node.name,
            ownerEmail: node.ownerEmail, price: node.priceKind.rawValue, reducedPriceCents: node.reducedPriceCents,
            paymentMode: node.paymentMode.rawValue, creditLimitCents: node.isRoot ? node.creditLimitCents : nil,
            deferredOpenCents: node.isRoot && node.paymentMode == .deferred ? node.deferredOpenCents : nil, claimDeadline: node.claimDeadline,
            delegationAllowed: node.delegationAllowed, maxDepth: node.maxDepth, state: node.state == "active" && node.due ? "lapsing" : node.state,
            createdAt: node.createdAt, counts: counts, subquotas: subquotas)
    }

    /// A whole tree read at once: its nodes, its seats (inventory's: the node that has each, and
    /// where it stands) and each seat's state.
    struct TreeState: Sendable {
        let nodes: [Node]
        let seats: [Inventory.AllocatedSeat]
        /// Per unit: the node it counts for — the node of its claim while that claim stands (also when
        /// the seat moved on since, e.g. a claim still unpaid when its sub-quota lapsed), else the node
        /// that has it.
        let owners: [Int64: UUID]
        /// Per unit: free, claimed, paid, deferred, or returned (its claim ended and the seat left).
        let states: [Int64: String]
        /// Per unit: the order of its latest claim.
        let orders: [Int64: UUID]

        func children(of id: UUID) -> [Node] { self.nodes.filter { $0.parentID == id } }

        /// The seats the node has itself, by state (`delegated` zero).
        func own(_ node: Node) -> Counts {
            var c = Counts()
            for seat in self.seats where self.owners[seat.unitID] == node.id {
                switch self.states[seat.unitID] ?? "returned" {
                case "free": c.free += 1
                case "claimed": c.claimed += 1
                case "paid": c.paid += 1
                case "deferred": c.deferred += 1
                default: continue
                }
                c.allocated += 1
            }
            c.returned = node.returnedCount
            return c
        }

        /// The node's seats with every sub-quota's added.
        func total(of node: Node) -> Counts { self.children(of: node.id).reduce(self.own(node)) { $0 + self.total(of: $1) } }

        /// As a node shows itself: its own seats by state, and what its sub-quotas have as `delegated`
        /// (counted in `allocated`).
        func counts(of node: Node) -> Counts {
            var c = self.own(node)
            c.delegated = self.children(of: node.id).reduce(0) { $0 + self.total(of: $1).allocated }
            c.allocated += c.delegated
            return c
        }

        func summary(of node: Node) -> Summary {
            Quotas.summary(node, counts: self.counts(of: node), subquotas: self.children(of: node.id).map { self.summary(of: $0) })
        }

        /// The node's seats: its own with their states, and those of its sub-quotas as delegated.
        func seats(of node: Node) -> [SeatView] {
            var topChild: [UUID: UUID] = [:]
            func below(_ id: UUID, top: UUID) {
                for child in self.children(of: id) {
                    topChild[child.id] = top
                    below(child.id, top: top)
                }
            }
            for child in self.children(of: node.id) {
                topChild[child.id] = child.id
                below(child.id, top: child.id)
            }
            return self.seats.compactMap { seat in
                guard let owner = self.owners[seat.unitID] else { return nil }
                if owner == node.id {
                    let state = self.states[seat.unitID] ?? "returned"
                    guard state != "returned" else { return nil }
                    return SeatView(
                        unitId: seat.unitID, sector: seat.sector, row: seat.row, seat: seat.seat, state: state, subquotaId: nil,
                        orderId: state == "free" ? nil : self.orders[seat.unitID])
                }
                guard let top = topChild[owner] else { return nil }
                return SeatView(
                    unitId: seat.unitID, sector: seat.sector, row: seat.row, seat: seat.seat, state: "delegated", subquotaId: top, orderId: nil)
            }
        }
    }

    /// The tree of `rootID` with every seat's state, read on one connection (callers read it in one
    /// snapshot: `withReadSnapshot`).
    func treeState(_ connection: PostgresConnection, rootID: UUID) async throws -> TreeState {
        let nodes = try await Self.tree(connection, rootID: rootID, logger: self.logger)
        let claims = try await connection.prepared(
            "SELECT quota_id, order_id, unit_ids FROM quotas.claims WHERE root_id = \(rootID) ORDER BY created_at, id", logger: self.logger)
        var claimOf: [Int64: (node: UUID, order: UUID)] = [:]
        for try await (node, order, units) in claims.decode((UUID, UUID, [Int64]).self) {
            for unit in units { claimOf[unit] = (node, order) }
        }
        let seats = try await self.inventory.allocatedSeats(
            on: connection, allocations: nodes.map(\.id), also: Array(claimOf.keys).sorted())
        let settled = try await self.orders.settlements(on: connection, ids: Array(Set(claimOf.values.map(\.order))))
        var states: [Int64: String] = [:]
        var owners: [Int64: UUID] = [:]
        for seat in seats {
            let claim = claimOf[seat.unitID]
            let order = claim.flatMap { settled[$0.order] }
            let stands = order.map { $0.state.isOpen || [.paid, .ticketsIssued, .partiallyRefunded].contains($0.state) } ?? false
            if seat.status == "allocated" {
                states[seat.unitID] = "free"
                owners[seat.unitID] = seat.allocation
            } else if let claim, let order, stands {
                states[seat.unitID] = order.state.isOpen ? "claimed" : (order.terms == .deferred ? "deferred" : "paid")
                owners[seat.unitID] = claim.node
            } else if seat.status == "held", let allocation = seat.allocation {
                states[seat.unitID] = "claimed"
                owners[seat.unitID] = allocation
            }
        }
        return TreeState(nodes: nodes, seats: seats, owners: owners, states: states, orders: claimOf.mapValues(\.order))
    }

    // MARK: Reads

    func summary(quotaID: UUID) async throws -> Summary {
        try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            guard let node = try await Self.node(connection, id: quotaID, lock: false, logger: self.logger) else { throw QuotaError.notFound }
            let tree = try await self.treeState(connection, rootID: node.rootID)
            return tree.summary(of: tree.nodes.first { $0.id == quotaID } ?? node)
        }
    }

    /// A node with its seats and its sub-quotas, for its owner (or an owner above it) or an admin
    /// (`identity` nil). Anyone else: not found.
    func detail(quotaID: UUID, identity: Identity?) async throws -> Detail {
        try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            guard let node = try await Self.node(connection, id: quotaID, lock: false, logger: self.logger) else { throw QuotaError.notFound }
            let tree = try await self.treeState(connection, rootID: node.rootID)
            if let identity, !Self.canSee(node, in: tree.nodes, identity) { throw QuotaError.notFound }
            return Detail(quota: tree.summary(of: node), seats: tree.seats(of: node))
        }
    }

    /// The caller owns the node or one above it.
    static func canSee(_ node: Node, in nodes: [Node], _ identity: Identity) -> Bool {
        var current: Node? = node
        while let n = current {
            if n.isOwned(by: identity) { return true }
            current = n.parentID.flatMap { id in nodes.first { $0.id == id } }
        }
        return false
    }

    struct OwnedList: Encodable, Sendable { let quotas: [Summary] }

    /// The quotas `identity` owns (at any level), newest first. Quotas sent to the caller's email
    /// that nobody has opened yet become theirs by this read, as emailed tickets do in the wallet.
    func owned(by identity: Identity, actor: Actor) async throws -> OwnedList {
        if let email = identity.email, !email.isEmpty {
            try await self.postgres.withTransaction(logger: self.logger) { connection in
                var writes = PreparedWrites()
                let bound = writes.add(
                    """
                    UPDATE quotas.quotas SET owner_user_id = \(identity.userID)
                    WHERE owner_user_id IS NULL AND lower(owner_email) = lower(\(email)) RETURNING id, match_id
                    """)
                let rows = try await writes.run(on: connection, select: "SELECT id, match_id FROM \(bound)", logger: self.logger)
                var entries: [Audit.Entry] = []
                for row in rows {
                    let (id, match) = try row.decode((UUID, Int64).self)
                    entries.append(
                        Audit.Entry(
                            domain: .quota, action: "quota.owner_signed_in", actor: actor,
                            subjects: ["quota:\(id.lowercased)", "user:\(identity.userID)", "match:\(match)"], data: [:]))
                }
                if !entries.isEmpty { try await Audit.write(entries, on: connection, logger: self.logger) }
            }
        }
        return try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                "SELECT id, root_id FROM quotas.quotas WHERE owner_user_id = \(identity.userID) ORDER BY created_at DESC LIMIT 200",
                logger: self.logger)
            var mine: [(UUID, UUID)] = []
            for try await row in rows.decode((UUID, UUID).self) { mine.append(row) }
            var trees: [UUID: TreeState] = [:]
            var out: [Summary] = []
            for (id, root) in mine {
                if trees[root] == nil { trees[root] = try await self.treeState(connection, rootID: root) }
                if let tree = trees[root], let node = tree.nodes.first(where: { $0.id == id }) { out.append(tree.summary(of: node)) }
            }
            return OwnedList(quotas: out)
        }
    }

    // MARK: Reports

    struct OwnerTotals: Encodable, Sendable {
        let ownerEmail: String
        let quotas: Int
        let counts: Counts
    }

    struct MatchReport: Encodable, Sendable {
        let matchId: Int64
        /// Every tree's totals added up.
        let totals: Counts
        /// Per owner, each node's own seats (a sub-quota's owner is counted for what they have).
        let byOwner: [OwnerTotals]
        let quotas: [Summary]
    }

    /// Every quota of a match for admins: the trees, their totals and per owner.
    func report(matchID: Int64) async throws -> MatchReport {
        _ = try await self.matches.match(id: matchID)
        return try await self.postgres.withReadSnapshot(logger: self.logger) { connection in
            let rows = try await connection.prepared(
                "SELECT id FROM quotas.quotas WHERE match_id = \(matchID) AND parent_id IS NULL ORDER BY created_at, id", logger: self.logger)
            var roots: [UUID] = []
            for try await id in rows.decode(UUID.self) { roots.append(id) }
            var totals = Counts()
            var owners: [String: (Int, Counts)] = [:]
            var trees: [Summary] = []
            for root in roots {
                let tree = try await self.treeState(connection, rootID: root)
                guard let node = tree.nodes.first(where: { $0.id == root }) else { continue }
                totals = totals + tree.total(of: node)
                for n in tree.nodes {
                    let own = tree.own(n)
                    let key = n.ownerEmail.lowercased()
                    let (count, sum) = owners[key] ?? (0, Counts())
                    owners[key] = (count + 1, sum + own)
                }
                trees.append(tree.summary(of: node))
            }
            return MatchReport(
                matchId: matchID, totals: totals,
                byOwner: owners.sorted { $0.key < $1.key }.map { OwnerTotals(ownerEmail: $0.key, quotas: $0.value.0, counts: $0.value.1) },
                quotas: trees)
        }
    }

    /// Of these orders, those a quota's claim placed (the financial report's channel).
    static func claimedOrders(_ connection: PostgresConnection, among ids: [UUID], logger: Logger) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.prepared("SELECT order_id FROM quotas.claims WHERE order_id = ANY(\(ids))", logger: logger)
        var out: Set<UUID> = []
        for try await id in rows.decode(UUID.self) { out.insert(id) }
        return out
    }
}
