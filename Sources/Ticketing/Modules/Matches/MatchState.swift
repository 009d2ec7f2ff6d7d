/// The life of a match on sale (seed E2): draft → published → on sale → sold out → closed, or cancelled.
enum MatchState: String, Codable, Sendable, CaseIterable {
    case draft
    case published
    case onSale = "on_sale"
    case soldOut = "sold_out"
    case closed
    case cancelled

    /// Sold out goes back on sale when seats come back (a hold released, a seat unblocked).
    func canMove(to next: MatchState) -> Bool {
        switch (self, next) {
        case (.draft, .published), (.draft, .cancelled): true
        case (.published, .onSale), (.published, .draft), (.published, .cancelled): true
        case (.onSale, .soldOut), (.onSale, .closed), (.onSale, .cancelled): true
        case (.soldOut, .onSale), (.soldOut, .closed), (.soldOut, .cancelled): true
        default: false
        }
    }

    /// Fans see published matches and later; drafts are for admins only.
    var isPublic: Bool { self != .draft }
}
