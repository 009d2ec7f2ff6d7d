import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes

/// Every problem type hns-ticketing answers with (listed in its OpenAPI document, which a test keeps
/// equal to `all`), and how each module's errors map to them: modules throw their own errors, the
/// HTTP shape is decided here, at the edge.
enum TicketingProblems {
    // E1, E11
    static let oibTaken = ProblemType("oib-taken", .conflict, "OIB already registered")
    static let attendeeRefused = ProblemType("attendee-refused", .forbidden, "Ticket holder refused")
    static let blacklistEntryInUse = ProblemType("blacklist-entry-in-use", .conflict, "Blacklist entry in use")
    static let rateLimited = ProblemType("rate-limited", .tooManyRequests, "Too many requests")
    // E2
    static let stadiumExists = ProblemType("stadium-exists", .conflict, "Stadium exists")
    static let invalidTransition = ProblemType("invalid-transition", .conflict, "Transition not allowed")
    static let matchEnded = ProblemType("match-ended", .conflict, "Match ended")
    static let notAway = ProblemType("not-away", .conflict, "Not an away match")
    static let noUnassignedSectors = ProblemType("no-unassigned-sectors", .conflict, "No sectors await a seat map")
    static let configConflict = ProblemType("config-conflict", .conflict, "Change touches held or sold seats")
    static let soldOut = ProblemType("sold-out", .conflict, "Sold out")
    static let notOnSale = ProblemType("not-on-sale", .conflict, "Not on sale")
    static let salesPhase = ProblemType("sales-phase", .forbidden, "Sales phase closed to this buyer")
    // E3
    static let sectorClosed = ProblemType("sector-closed", .conflict, "Sector closed")
    static let notEnoughSeats = ProblemType("not-enough-seats", .conflict, "Not enough seats")
    static let seatsUnavailable = ProblemType("seats-unavailable", .conflict, "Seats unavailable")
    static let buyerLimit = ProblemType("buyer-limit", .conflict, "Ticket limit reached")
    static let holdNotActive = ProblemType("hold-not-active", .conflict, "Hold not active")
    static let paymentUnderWay = ProblemType("payment-under-way", .conflict, "Payment under way")
    // E4, E8
    static let holdHasOrder = ProblemType("hold-has-order", .conflict, "Hold already ordered")
    static let attendeeHasTicket = ProblemType("attendee-has-ticket", .conflict, "Ticket holder already has a ticket")
    static let orderPaid = ProblemType("order-paid", .conflict, "Order already paid")
    static let orderEnded = ProblemType("order-ended", .conflict, "Order ended")
    static let idempotencyKeyReused = ProblemType("idempotency-key-reused", .unprocessableContent, "Idempotency-Key reused")
    // E10
    static let ticketNotTransferable = ProblemType("ticket-not-transferable", .conflict, "Ticket cannot be transferred")
    static let transferFrozen = ProblemType("transfer-frozen", .conflict, "Transfers closed for this match")
    static let orderNotRefundable = ProblemType("order-not-refundable", .conflict, "Order cannot be refunded")
    static let ticketNotRefundable = ProblemType("ticket-not-refundable", .conflict, "Ticket cannot be refunded")
    static let refundNotRetryable = ProblemType("refund-not-retryable", .conflict, "Refund cannot be retried")
    // E8 accounting
    static let invoiceNotIssued = ProblemType("invoice-not-issued", .conflict, "Invoice not issued yet")
    static let documentNotRetryable = ProblemType("document-not-retryable", .conflict, "Document cannot be retried")
    static let receivableClosed = ProblemType("receivable-closed", .conflict, "Receivable closed")

    // E12
    static let pinHeldElsewhere = ProblemType("pin-held-elsewhere", .conflict, "PIN held at another till")
    static let petrolHoldEnded = ProblemType("petrol-hold-ended", .conflict, "Till hold ended")
    static let pinClosed = ProblemType("pin-closed", .conflict, "PIN no longer usable")

    // E7
    static let quotaClosed = ProblemType("quota-closed", .conflict, "Quota closed")
    static let delegationNotAllowed = ProblemType("delegation-not-allowed", .conflict, "Delegation not allowed")
    static let quotaSeatsNotFree = ProblemType("quota-seats-not-free", .conflict, "Not enough free quota seats")
    static let creditLimit = ProblemType("credit-limit", .conflict, "Credit limit reached")

    static let all: [ProblemType] =
        ProblemType.common + [
            .purchaseWindowEnded, .purchaseTokenInvalid,
            oibTaken, attendeeRefused, blacklistEntryInUse, stadiumExists, invalidTransition, matchEnded, notAway, noUnassignedSectors,
            configConflict, soldOut, notOnSale, salesPhase, sectorClosed, notEnoughSeats, seatsUnavailable, buyerLimit, holdNotActive,
            paymentUnderWay, holdHasOrder, attendeeHasTicket, orderPaid, orderEnded, idempotencyKeyReused, rateLimited,
            ticketNotTransferable, transferFrozen, orderNotRefundable, ticketNotRefundable, refundNotRetryable, invoiceNotIssued,
            documentNotRetryable, receivableClosed, pinHeldElsewhere, petrolHoldEnded, pinClosed, quotaClosed, delegationNotAllowed,
            quotaSeatsNotFree, creditLimit,
        ]
}

extension InventoryError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .matchNotFound: .notFound("No such match.")
        case .sectorNotFound(let code):
            Problem(
                .notFound, detail: "This match has no sector “\(code)”.", errors: [.init(field: "sector", message: "no such sector at this match")])
        case .sectorClosed(let code): Problem(TicketingProblems.sectorClosed, detail: "Sector \(code) is not on sale.")
        case .notEnoughSeats(let sector, let requested, let available):
            Problem(
                TicketingProblems.notEnoughSeats, detail: "Sector \(sector) has \(available) seats left; \(requested) were asked for.",
                extensions: ["available": .number(Double(available))])
        case .seatsUnavailable(let ids):
            Problem(
                TicketingProblems.seatsUnavailable, detail: "Some of the chosen seats are no longer available.",
                extensions: ["unavailable_unit_ids": .array(ids.map { .number(Double($0)) })])
        case .buyerLimit(let limit, let already, let requested):
            Problem(
                TicketingProblems.buyerLimit,
                detail: "At most \(limit) tickets per buyer for this match; you hold or bought \(already) and asked for \(requested).",
                errors: [.init(field: "quantity", message: "exceeds the limit of \(limit) per buyer")])
        case .holdNotFound: .notFound("No such hold.")
        case .holdNotActive(let state): Problem(TicketingProblems.holdNotActive, detail: "The hold is \(state).")
        case .paymentUnderWay:
            Problem(TicketingProblems.paymentUnderWay, detail: "A payment for these seats is under way; cancel the order's payment instead.")
        case .contention: .unavailable("Too many fans are reserving in this sector right now; try again.")
        }
    }
}

extension QuotaError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No such quota.")
        case .closed(let state):
            Problem(TicketingProblems.quotaClosed, detail: "This quota is \(state); its seats can no longer be claimed or handed on.")
        case .delegationNotAllowed(let why): Problem(TicketingProblems.delegationNotAllowed, detail: why)
        case .notEnoughFree(let sector, let requested, let free):
            Problem(
                TicketingProblems.quotaSeatsNotFree,
                detail: "This quota has \(free) free seat(s) together in sector \(sector); \(requested) were asked for.",
                extensions: ["sector": .string(sector), "free": .number(Double(free))])
        case .seatsNotFree(let ids):
            Problem(
                TicketingProblems.quotaSeatsNotFree, detail: "Some of the chosen seats are not free seats of this quota.",
                errors: [.init(field: "seats", message: "units \(ids.map(String.init).joined(separator: ", ")) are not free here")],
                extensions: ["unavailable_unit_ids": .array(ids.map { .number(Double($0)) })])
        case .creditLimit(let limit, let open, let requested):
            Problem(
                TicketingProblems.creditLimit,
                detail: "The partner's open amount would pass its credit limit: \(open) of \(limit) cents owed, \(requested) more asked.",
                extensions: ["credit_limit_cents": .number(Double(limit)), "open_cents": .number(Double(open))])
        }
    }
}

extension OrdersError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No such order.")
        case .holdHasOrder: Problem(TicketingProblems.holdHasOrder, detail: "These seats already have an order.")
        case .refused(let indexes):
            Problem(
                TicketingProblems.attendeeRefused,
                detail: "Tickets cannot be issued to one of the ticket holders. Please contact HNS support.",
                errors: indexes.map { .init(field: "attendees[\($0)]", message: "cannot hold a ticket for this match") })
        case .invalidTransition(let error): Problem(TicketingProblems.invalidTransition, detail: error.description)
        case .endedWhilePaying(let state):
            Problem(TicketingProblems.orderEnded, detail: "The order became \(state.rawValue) while the payment was being prepared.")
        }
    }
}

extension Support.SupportError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .ticketNotFound: .notFound("No such ticket.")
        case .notTransferable(let status):
            Problem(
                TicketingProblems.ticketNotTransferable, detail: "This ticket is \(status == "used" ? "used" : "void") and cannot be transferred.")
        case .frozen(let kickoff, let freeze):
            Problem(
                TicketingProblems.transferFrozen,
                detail: "Transfers close \(Int(freeze.seconds / 60)) minutes before kick-off (\(ISO8601DateFormatter().string(from: kickoff))).")
        case .refused:
            Problem(
                TicketingProblems.attendeeRefused, detail: "This person cannot hold a ticket for this match.",
                errors: [.init(field: "holder", message: "cannot hold a ticket for this match")])
        case .notRefundable(let status):
            Problem(TicketingProblems.ticketNotRefundable, detail: "A chosen ticket is \(status == "used" ? "used" : "void") and cannot be refunded.")
        case .nothingToRefund: Problem(TicketingProblems.ticketNotRefundable, detail: "No ticket of this order can be refunded.")
        }
    }
}

extension Support.CancellationError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notCancelled(let id): .notFound("Match \(id) has no cancellation.")
        }
    }
}

extension Payments.RefundRetryError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No such refund.")
        case .notFailed(let state):
            Problem(TicketingProblems.refundNotRetryable, detail: "Only a failed refund is retried; this one is \(state.rawValue).")
        }
    }
}

extension Invoicing.InvoicingError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No such invoice.")
        case .notIssued(let state):
            Problem(
                TicketingProblems.invoiceNotIssued,
                detail: state == .queued
                    ? "The invoice is queued at the accounting service and will be ready later."
                    : "The invoice could not be issued yet; our staff has been told.")
        case .notFailed(let state):
            Problem(TicketingProblems.documentNotRetryable, detail: "Only a failed document is sent again; this one is \(state.rawValue).")
        case .unavailable:
            {
                var p = Problem.unavailable("The accounting service is busy; try again in a minute.")
                p.extraHeaders[.retryAfter] = "60"
                return p
            }()
        }
    }
}

extension Receivables.ReceivableError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No order on a partner's account with this id.")
        case .notOpen(let state):
            Problem(TicketingProblems.receivableClosed, detail: "This order's receivable is \(state.rawValue); only an open one is reminded.")
        }
    }
}

extension Petrol.PetrolError: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .notFound: .notFound("No live PIN request matches.")
        case .noStation: Problem(.forbidden, detail: "This sign-in names no Petrol station (claim petrol_station).")
        case .heldElsewhere(let station):
            Problem(TicketingProblems.pinHeldElsewhere, detail: "This PIN's seats are held at another till (station \(station)).")
        case .holdExpired:
            Problem(TicketingProblems.petrolHoldEnded, detail: "The till's hold on these seats has ended; nothing was sold. Hold the PIN again.")
        case .notHeldHere: Problem(TicketingProblems.petrolHoldEnded, detail: "This till holds no seats for this PIN; hold it first.")
        case .locked(let wait):
            {
                let seconds = max(1, Int((wait.seconds).rounded(.up)))
                var p = Problem(TicketingProblems.rateLimited, detail: "Too many PIN look-ups; try again in \(seconds) s.")
                p.extraHeaders[.retryAfter] = String(seconds)
                return p
            }()
        case .closed(let state):
            Problem(
                TicketingProblems.pinClosed,
                detail: state == .pending
                    ? "A live PIN request for this match exists already; cancel it first." : "This PIN request is \(state.rawValue).")
        }
    }
}

extension MatchNotFound: ProblemConvertible {
    var problem: Problem { .notFound("No match \(self.id).") }
}

extension Stadiums.StadiumNotFound: ProblemConvertible {
    var problem: Problem { .notFound("No stadium \(self.id).") }
}
