import Foundation
import HNSCore
import HNSIdentity
import Hummingbird
import Logging

extension Quotas {
    func addRoutes(to groups: RouteGroups, idempotency: Idempotency) {
        // Admins: create (the seats allocated at once), report, resize, revoke.
        groups.admin.post("admin/matches/:matchId/quotas") { request, context -> Response in
            let matchID = try context.parameters.id("matchId")
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /admin/matches/\(matchID)/quotas", body: bytes
            ) { key in
                let new = try Self.validate(try Request.decodeJSON(as: CreateRequest.self, from: bytes))
                return (.created, try await self.create(matchID: matchID, new, actor: context.actor, key: key))
            }
        }
        groups.admin.get("admin/matches/:matchId/quotas") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.report(matchID: try context.parameters.id("matchId"))))
        }
        groups.admin.get("admin/quotas/:quotaId") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.detail(quotaID: try Self.quotaID(context), identity: nil)))
        }
        groups.admin.post("admin/quotas/:quotaId/resize") { request, context -> Response in
            let id = try Self.quotaID(context)
            let body = try await request.decodeJSON(as: ResizeRequest.self, context: context, limit: 1 << 16)
            var errors: [Problem.FieldError] = []
            let sectors = Self.validate(sectors: body.sectors, field: "sectors", errors: &errors)
            if sectors.isEmpty && errors.isEmpty { errors.append(.init(field: "sectors", message: "name the seats wanted per sector")) }
            if !errors.isEmpty { throw Problem.validation(errors) }
            return Idempotency.response(.ok, try Orders.json(try await self.resize(quotaID: id, sectors: sectors, actor: context.actor)))
        }
        groups.admin.post("admin/quotas/:quotaId/revoke") { request, context -> Response in
            let id = try Self.quotaID(context)
            let body = try await request.decodeJSON(as: RevokeRequest.self, context: context, limit: 1 << 16)
            let reason = body.reason?.trimmingCharacters(in: .whitespaces) ?? ""
            if reason.isEmpty || reason.count > 500 { throw Problem.validation(field: "reason", "is required (1 to 500 characters)") }
            return Idempotency.response(.ok, try Orders.json(try await self.revoke(quotaID: id, reason: reason, actor: context.actor)))
        }

        // Owners (the quota portal or the app): their quotas, claims, sub-quotas, seats given back.
        groups.quotaOwner.get("quotas") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.owned(by: context.identity, actor: context.actor)))
        }
        groups.quotaOwner.get("quotas/:quotaId") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.detail(quotaID: try Self.quotaID(context), identity: context.identity)))
        }
        groups.quotaOwner.post("quotas/:quotaId/claims") { request, context -> Response in
            let id = try Self.quotaID(context)
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /quotas/\(id.lowercased)/claims", body: bytes
            ) { key in
                let (attendees, seats, sector) = try Self.validate(try Request.decodeJSON(as: ClaimRequest.self, from: bytes))
                let answer = try await self.claim(
                    quotaID: id, attendees: attendees, seats: seats, sector: sector, identity: context.identity, actor: context.actor, key: key)
                return (.created, answer)
            }
        }
        // A card quota's claim is paid here, by its owner (portal or app), never behind the queue:
        // the seats are the quota's, not the general sale's.
        groups.quotaOwner.post("quotas/:quotaId/claims/:claimId/payment") { request, context -> Response in
            let id = try Self.quotaID(context)
            guard let claim = context.parameters.decoded("claimId").flatMap(UUID.init(uuidString:)) else { throw QuotaError.notFound }
            let bytes = try await request.body.collect(upTo: 1 << 16)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /quotas/\(id.lowercased)/claims/\(claim.lowercased)/payment",
                body: bytes
            ) { _ in
                let orderID = try await self.cardClaimOrder(quotaID: id, claimID: claim, identity: context.identity)
                guard let row = try await self.orders.row(id: orderID), row.buyer == context.identity.userID else { throw QuotaError.notFound }
                return (.created, try await self.orders.startPayment(row, buyer: context.actor).json)
            }
        }
        groups.quotaOwner.post("quotas/:quotaId/subquotas") { request, context -> Response in
            let id = try Self.quotaID(context)
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return try await idempotency.run(
                request: request, buyer: context.identity.userID, route: "POST /quotas/\(id.lowercased)/subquotas", body: bytes
            ) { key in
                let new = try Self.validate(try Request.decodeJSON(as: DelegateRequest.self, from: bytes))
                return (.created, try await self.delegate(quotaID: id, new, identity: context.identity, actor: context.actor, key: key))
            }
        }
        groups.quotaOwner.post("quotas/:quotaId/returns") { request, context -> Response in
            let id = try Self.quotaID(context)
            let body = try await request.decodeJSON(as: ReturnRequest.self, context: context, limit: 1 << 20)
            var errors: [Problem.FieldError] = []
            let (sectors, seats) = Self.validate(sectors: body.sectors, seats: body.seats, errors: &errors)
            if !errors.isEmpty { throw Problem.validation(errors) }
            let summary = try await self.giveBack(quotaID: id, sectors: sectors, seats: seats, identity: context.identity, actor: context.actor)
            return Idempotency.response(.ok, try Orders.json(summary))
        }
    }

    struct RevokeRequest: Decodable, Sendable { var reason: String? }

    static func quotaID(_ context: some RequestContext) throws -> UUID {
        guard let id = context.parameters.decoded("quotaId").flatMap(UUID.init(uuidString:)) else { throw QuotaError.notFound }
        return id
    }
}
