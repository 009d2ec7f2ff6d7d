import Foundation
import HNSCore
import HNSIdentity
import Hummingbird

extension Loyalty {
    func addRoutes(to groups: RouteGroups) {
        // The fan's points, tier and history (their profile's person: OIB or passport).
        groups.customer.get("loyalty/me") { _, context -> Response in
            Idempotency.response(.ok, try Orders.json(try await self.account(userID: context.identity.userID)))
        }
    }
}
