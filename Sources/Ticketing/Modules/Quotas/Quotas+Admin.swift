import Foundation
import HNSCore
import HNSPostgres
import HTTPTypes
import Logging
import PostgresNIO

/// E7, admins: a quota's creation (its seats allocated at once), resize and revoke.
extension Quotas {
    /// Seats asked for per sector (`quantity` best available), or named (`seats`: unit ids).
    struct SectorCount: Codable, Sendable, Equatable {
        var sector: String?
        var quantity: Int?
    }

    struct CreateRequest: Decodable, Sendable {
        var name: String?
        var ownerEmail: String?
        var sectors: [SectorCount]?
        var seats: [Int64]?
        var price: String?
        var reducedPriceCents: Int?
        var paymentMode: String?
        var creditLimitCents: Int?
        var claimDeadline: Date?
        var delegationAllowed: Bool?
        var maxDepth: Int?
        enum CodingKeys: String, CodingKey {
            case name, sectors, seats, price
            case ownerEmail = "owner_email"
            case reducedPriceCents = "reduced_price_cents"
            case paymentMode = "payment_mode"
            case creditLimitCents = "credit_limit_cents"
            case claimDeadline = "claim_deadline"
            case delegationAllowed = "delegation_allowed"
            case maxDepth = "max_depth"
        }
    }

    /// A creation checked field by field.
    struct NewQuota: Sendable {
        let name: String
        let ownerEmail: String
        let sectors: [(sector: String, quantity: Int)]
        let seats: [Int64]
        let price: PriceKind
        let reducedPriceCents: Int?
        let paymentMode: PaymentMode
        let creditLimitCents: Int?
        let claimDeadline: Date
        let delegationAllowed: Bool
        let maxDepth: Int
    }

    /// The most seats one request allocates (a stadium's sector is at most a few thousand).
    static let largestAllocation = 50_000

    static func validate(_ body: CreateRequest, now: Date = Date()) throws -> NewQuota {
        var errors: [Problem.FieldError] = []
        let name = body.name?.trimmingCharacters(in: .whitespaces) ?? ""
        if name.isEmpty || name.count > 200 { errors.append(.init(field: "name", message: "is required (1 to 200 characters)")) }
        let email = body.ownerEmail?.trimmingCharacters(in: .whitespaces) ?? ""
        if !Orders.looksLikeEmail(email) { errors.append(.init(field: "owner_email", message: "is not an email address")) }
        let sectors = Self.validate(sectors: body.sectors, field: "sectors", errors: &errors)
        let seats = Self.validate(seats: body.seats, errors: &errors)
        if (body.sectors ?? []).isEmpty && seats.isEmpty { errors.append(.init(field: "sectors", message: "name seats per sector, or seats")) }
        let price = body.price.flatMap(PriceKind.init(rawValue:))
        if price == nil { errors.append(.init(field: "price", message: "must be one of full, reduced, free")) }
        if price == .reduced {
            if (body.reducedPriceCents ?? 0) <= 0 || body.reducedPriceCents! > 10_000_000 {
                errors.append(.init(field: "reduced_price_cents", message: "is required for a reduced price (1 to 10000000)"))
            }
        } else if body.reducedPriceCents != nil {
            errors.append(.init(field: "reduced_price_cents", message: "is only for a reduced price"))
        }
        let mode = body.paymentMode.flatMap(PaymentMode.init(rawValue:))
        if mode == nil { errors.append(.init(field: "payment_mode", message: "must be one of card, deferred")) }
        if mode == .deferred {
            if body.creditLimitCents == nil || body.creditLimitCents! < 0 || body.creditLimitCents! > 1_000_000_000_00 {
                errors.append(.init(field: "credit_limit_cents", message: "is required for deferred payment (0 to 100000000000)"))
            }
        } else if body.creditLimitCents != nil {
            errors.append(.init(field: "credit_limit_cents", message: "is only for deferred payment"))
        }
        if let deadline = body.claimDeadline {
            if deadline <= now { errors.append(.init(field: "claim_deadline", message: "must be in the future")) }
        } else {
            errors.append(.init(field: "claim_deadline", message: "is required"))
        }
        let depth = body.maxDepth ?? 0
        if !(0...5).contains(depth) { errors.append(.init(field: "max_depth", message: "must be 0 to 5")) }
        if body.delegationAllowed == true && depth == 0 && body.maxDepth != nil {
            errors.append(.init(field: "max_depth", message: "must be at least 1 when delegation is allowed"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let allowed = body.delegationAllowed ?? false
        return NewQuota(
            name: name, ownerEmail: email, sectors: sectors, seats: seats, price: price!, reducedPriceCents: body.reducedPriceCents,
            paymentMode: mode!, creditLimitCents: body.creditLimitCents, claimDeadline: body.claimDeadline!, delegationAllowed: allowed,
            maxDepth: allowed ? max(1, depth) : 0)
    }

    /// Named seats checked: distinct positive unit ids, at most the largest allocation.
    static func validate(seats given: [Int64]?, errors: inout [Problem.FieldError]) -> [Int64] {
        let seats = given ?? []
        if seats.count > Self.largestAllocation || seats.contains(where: { $0 <= 0 }) {
            errors.append(.init(field: "seats", message: "must be at most \(Self.largestAllocation) positive unit ids"))
        } else if Set(seats).count != seats.count {
            errors.append(.init(field: "seats", message: "names a seat twice"))
        }
        return seats
    }

    /// Per-sector counts checked (each sector once, 1 to the largest allocation).
    static func validate(sectors list: [SectorCount]?, field: String, errors: inout [Problem.FieldError]) -> [(sector: String, quantity: Int)] {
        var out: [(String, Int)] = []
        var seen: Set<String> = []
        for (i, entry) in (list ?? []).enumerated() {
            let code = entry.sector?.trimmingCharacters(in: .whitespaces) ?? ""
            if code.isEmpty || code.count > 40 { errors.append(.init(field: "\(field)[\(i)].sector", message: "is required")) }
            if !seen.insert(code).inserted { errors.append(.init(field: "\(field)[\(i)].sector", message: "is named twice")) }
            guard let n = entry.quantity, (1...Self.largestAllocation).contains(n) else {
                errors.append(.init(field: "\(field)[\(i)].quantity", message: "must be 1 to \(Self.largestAllocation)"))
                continue
            }
            out.append((code, n))
        }
        return out
    }

    // MARK: Create

    /// Creates the quota with its seats allocated, in one transaction with the inventory. The answer
    /// (the new quota as `summary` shows it) is recorded for `key` in the same transaction.
    func create(matchID: Int64, _ new: NewQuota, actor: Actor, key: Idempotency.Key?) async throws -> [UInt8] {
        let match = try await self.requireSelling(matchID: matchID)
        if new.claimDeadline > match.kickoffAt {
            throw Problem.validation(field: "claim_deadline", "must be no later than kick-off")
        }
        let id = UUID.random()
        let (answer, sectors) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection -> ([UInt8], [String]) in
            let (seats, counts, allocated) = try await self.inventory.allocate(
                on: connection, matchID: matchID, allocationID: id, sectors: new.sectors, seats: new.seats, actor: actor)
            var writes = PreparedWrites()
            // The sectors' counters first: parts run last-added first, so these locks come last.
            for change in counts { self.inventory.add(change, to: &writes) }
            if let allocated { Audit.add(allocated, to: &writes) }
            writes.add(
                """
                INSERT INTO quotas.quotas (id, match_id, root_id, depth, name, owner_email, price_kind, reduced_price_cents, payment_mode,
                                           credit_limit_cents, claim_deadline, delegation_allowed, max_depth, created_by)
                VALUES (\(id), \(matchID), \(id), 0, \(new.name), \(new.ownerEmail), \(new.price.rawValue), \(new.reducedPriceCents),
                        \(new.paymentMode.rawValue), \(new.creditLimitCents), \(new.claimDeadline), \(new.delegationAllowed), \(new.maxDepth),
                        \(actor.id))
                """)
            let bySector = Dictionary(grouping: seats, by: \.sector).mapValues(\.count)
            Audit.add(
                Audit.Entry(
                    domain: .quota, action: "quota.created", actor: actor, subjects: ["quota:\(id.lowercased)", "match:\(matchID)"],
                    data: [
                        "name": .string(new.name), "owner_email": .string(new.ownerEmail), "seats": .number(Double(seats.count)),
                        "sectors": .object(bySector.mapValues { .number(Double($0)) }), "price": .string(new.price.rawValue),
                        "payment_mode": .string(new.paymentMode.rawValue),
                    ]), to: &writes)
            Outbox.add(
                Self.invitation(
                    subject: "quota.created", quotaID: id, matchID: matchID, name: new.name, ownerEmail: new.ownerEmail,
                    deadline: new.claimDeadline, seats: seats.count, parentID: nil), to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            guard let node = try await Self.node(connection, id: id, lock: false, logger: self.logger) else { throw QuotaError.notFound }
            let answer = try Orders.json(Self.fresh(node, seats: seats.count))
            if let key { try await Self.record(key, answer, on: connection, logger: self.logger) }
            return (answer, bySector.keys.sorted())
        }
        await self.inventory.afterAllocation(matchID: matchID, sectors: sectors)
        return answer
    }

    /// The match, while its seats can still be handed out (not cancelled or closed): a cancelled
    /// match's quotas take no more claims, delegations or seats.
    @discardableResult
    func requireSelling(matchID: Int64) async throws -> Matches.Match {
        let match = try await self.matches.match(id: matchID)
        guard match.state != .cancelled, match.state != .closed else { throw QuotaError.closed(state: "for a match that is \(match.state.rawValue)") }
        return match
    }

    static func record(_ key: Idempotency.Key, _ answer: [UInt8], on connection: PostgresConnection, logger: Logger) async throws {
        var writes = PreparedWrites()
        key.record(.created, answer, to: &writes)
        try await writes.run(on: connection, logger: logger)
    }

    // MARK: Resize, revoke

    struct ResizeRequest: Decodable, Sendable {
        var sectors: [SectorCount]?
    }

    /// Sets the root's seats per sector to the counts asked: more are allocated (best available),
    /// fewer give back free seats the root itself has (its worst first); seats delegated or claimed
    /// stay, so a shrink that would need them is refused.
    func resize(quotaID: UUID, sectors: [(sector: String, quantity: Int)], actor: Actor) async throws -> Summary {
        let changed: (Int64, [String]) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let root = try await Self.lockRoot(connection, of: quotaID, logger: self.logger)
            guard root.id == quotaID else { throw QuotaError.notFound }
            guard root.state == "active" else { throw QuotaError.closed(state: root.state) }
            try await self.requireSelling(matchID: root.matchID)
            let nodes = try await Self.tree(connection, rootID: root.id, logger: self.logger).map(\.id)
            let seats = try await self.inventory.allocatedSeats(on: connection, allocations: nodes)
            let free = try await self.inventory.freeAllocated(on: connection, allocationID: root.id)
            var writes = PreparedWrites()
            var grow: [(sector: String, quantity: Int)] = []
            var givenBack: [Int64] = []
            for (sector, quantity) in sectors {
                let now = seats.filter { $0.sector == sector }.count
                if quantity > now {
                    grow.append((sector, quantity - now))
                } else if quantity < now {
                    let candidates = free.filter { $0.sector == sector }.map(\.seat).sorted { $0.snakeOrder > $1.snakeOrder }
                    guard candidates.count >= now - quantity else {
                        throw QuotaError.notEnoughFree(sector: sector, requested: now - quantity, free: candidates.count)
                    }
                    givenBack += candidates.prefix(now - quantity).map(\.unitID)
                }
            }
            let (added, grown, allocated) = try await self.inventory.allocate(
                on: connection, matchID: root.matchID, allocationID: root.id, sectors: grow, seats: [], actor: actor)
            var counts = grown
            if !givenBack.isEmpty {
                let (freed, change) = try await self.inventory.deallocate(
                    on: connection, matchID: root.matchID, allocations: [root.id], units: givenBack, actor: actor)
                counts += change
                Self.addReturned(freed, to: &writes)
            }
            for change in counts { self.inventory.add(change, to: &writes) }
            if let allocated { Audit.add(allocated, to: &writes) }
            Audit.add(
                Self.entry(
                    "quota.resized", node: root, actor: actor,
                    data: [
                        "sectors": .object(Dictionary(uniqueKeysWithValues: sectors.map { ($0.sector, JSONValue.number(Double($0.quantity))) })),
                        "added": .number(Double(added.count)), "returned": .number(Double(givenBack.count)),
                    ]), to: &writes)
            if !givenBack.isEmpty {
                Outbox.add([Self.returned(root, to: nil, seats: givenBack.count, reason: "resized")], to: &writes)
            }
            try await writes.run(on: connection, logger: self.logger)
            return (root.matchID, Array(Set(counts.map(\.sector))).sorted())
        }
        await self.inventory.afterAllocation(matchID: changed.0, sectors: changed.1)
        return try await self.summary(quotaID: quotaID)
    }

    /// Ends the whole tree: every seat not claimed goes back to general sale (seats a claim holds
    /// right now follow if that claim ends unpaid). Tickets already issued stay valid.
    func revoke(quotaID: UUID, reason: String, actor: Actor) async throws -> Summary {
        let changed: (Int64, [String]) = try await self.postgres.withRetryingTransaction(logger: self.logger) { connection in
            let root = try await Self.lockRoot(connection, of: quotaID, logger: self.logger)
            guard root.id == quotaID else { throw QuotaError.notFound }
            guard root.state == "active" else { throw QuotaError.closed(state: root.state) }
            let nodes = try await Self.tree(connection, rootID: root.id, logger: self.logger).map(\.id)
            let (freed, counts) = try await self.inventory.deallocate(
                on: connection, matchID: root.matchID, allocations: nodes, units: nil, actor: actor)
            let units = freed.values.reduce(0) { $0 + $1.count }
            var writes = PreparedWrites()
            for change in counts { self.inventory.add(change, to: &writes) }
            Self.addReturned(freed, to: &writes)
            writes.add(
                "UPDATE quotas.quotas SET state = 'revoked', ended_at = now() WHERE root_id = \(root.id) AND state = 'active'")
            Audit.add(
                Self.entry("quota.revoked", node: root, actor: actor, data: ["reason": .string(reason), "returned": .number(Double(units))]),
                to: &writes)
            Outbox.add([Self.returned(root, to: nil, seats: units, reason: "revoked")], to: &writes)
            try await writes.run(on: connection, logger: self.logger)
            return (root.matchID, counts.map(\.sector))
        }
        await self.inventory.afterAllocation(matchID: changed.0, sectors: changed.1)
        return try await self.summary(quotaID: quotaID)
    }

    /// Seats that left their nodes (by the node that had them) counted as returned there, as a part
    /// of the caller's statement.
    static func addReturned(_ byNode: [UUID: [Int64]], to writes: inout PreparedWrites) {
        let nodes = byNode.keys.sorted { $0.uuidString < $1.uuidString }.filter { !(byNode[$0] ?? []).isEmpty }
        guard !nodes.isEmpty else { return }
        writes.add(
            """
            UPDATE quotas.quotas q SET returned_count = q.returned_count + r.n
            FROM unnest(\(nodes)::uuid[], \(nodes.map { byNode[$0]?.count ?? 0 })::int[]) AS r(id, n) WHERE q.id = r.id
            """)
    }

    /// The `quota.returned` event: seats that went back to the parent (`to`) or to general sale.
    static func returned(_ node: Node, to parent: UUID?, seats: Int, reason: String) -> Outbox.Message {
        .init(
            subject: "quota.returned", msgID: "quota.returned:\(node.id.lowercased):\(UUID.random().lowercased)",
            payload: .object([
                "quota_id": .string(node.id.lowercased), "root_id": .string(node.rootID.lowercased), "match_id": .number(Double(node.matchID)),
                "to": parent.map { .string($0.lowercased) } ?? .string("general_sale"), "seats": .number(Double(seats)),
                "reason": .string(reason),
            ]))
    }
}
