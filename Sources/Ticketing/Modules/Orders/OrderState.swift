/// E4: the life of an order. A value type so that every rule is unit-tested without a database;
/// the database stores the state and each change with its reason.
///
///     created → seats_held → awaiting_payment → paid → tickets_issued
///     seats_held → tickets_issued (a quota's claim on account or free of charge: no card payment)
///     seats_held | awaiting_payment → expired | cancelled
///     awaiting_payment → payment_failed (the seats are released; the buyer starts a new order)
///     tickets_issued | partially_refunded → partially_refunded | refunded (support refunds tickets)
///
/// A payment that succeeds after its order expired, failed or was cancelled is not a transition:
/// the seats are re-taken if still free (the order returns to paid) or the money goes back.
enum OrderState: String, Sendable, Codable, CaseIterable {
    case created
    case seatsHeld = "seats_held"
    case awaitingPayment = "awaiting_payment"
    case paid
    case ticketsIssued = "tickets_issued"
    /// Some of its tickets were refunded (void); the others stand.
    case partiallyRefunded = "partially_refunded"
    /// Every ticket was refunded.
    case refunded
    case expired
    case cancelled
    case paymentFailed = "payment_failed"

    enum Event: String, Sendable, CaseIterable {
        /// The hold is attached and the attendees accepted.
        case seatsHeld
        /// A PaymentIntent exists; the buyer may confirm it.
        case paymentStarted
        /// Stripe says succeeded and amount and currency match.
        case paymentSucceeded
        case ticketsIssued
        case paymentFailed
        /// The hold's time (or the queue window) ran out with no payment under way.
        case expire
        /// The buyer, staff or Stripe (`payment_intent.canceled`) cancelled.
        case cancel
        /// A late success re-took the seats of an order that had ended.
        case lateSuccessReseated
        /// Tickets issued without a card payment: on a partner's account (deferred) or free.
        case issuedOnAccount
        /// Some tickets refunded, others left.
        case refundedInPart
        /// The last of its tickets refunded.
        case refundedInFull
        /// Issued on a partner's account and still unpaid when its tickets were blocked before kick-off.
        case voidedUnpaid
    }

    struct InvalidTransition: Error, Equatable, CustomStringConvertible {
        let from: OrderState
        let event: Event
        var description: String { "an order that is \(self.from.rawValue) cannot take \(self.event.rawValue)" }
    }

    /// The state after `event`, or `InvalidTransition`.
    func after(_ event: Event) throws(InvalidTransition) -> OrderState {
        switch (self, event) {
        case (.created, .seatsHeld): return .seatsHeld
        case (.seatsHeld, .paymentStarted): return .awaitingPayment
        case (.awaitingPayment, .paymentSucceeded): return .paid
        case (.paid, .ticketsIssued): return .ticketsIssued
        case (.seatsHeld, .issuedOnAccount): return .ticketsIssued
        case (.awaitingPayment, .paymentFailed): return .paymentFailed
        case (.created, .expire), (.seatsHeld, .expire), (.awaitingPayment, .expire): return .expired
        case (.created, .cancel), (.seatsHeld, .cancel), (.awaitingPayment, .cancel): return .cancelled
        case (.expired, .lateSuccessReseated), (.cancelled, .lateSuccessReseated), (.paymentFailed, .lateSuccessReseated): return .paid
        case (.ticketsIssued, .refundedInPart), (.partiallyRefunded, .refundedInPart): return .partiallyRefunded
        case (.ticketsIssued, .refundedInFull), (.partiallyRefunded, .refundedInFull): return .refunded
        case (.ticketsIssued, .voidedUnpaid): return .cancelled
        default: throw InvalidTransition(from: self, event: event)
        }
    }

    /// The order still has (or may still get) its seats and is waiting for money.
    var isOpen: Bool { [.created, .seatsHeld, .awaitingPayment].contains(self) }
    /// Nothing more will happen to it but support's refunds (a settled order, for a waiting request).
    var isFinal: Bool { [.ticketsIssued, .partiallyRefunded, .refunded, .expired, .cancelled, .paymentFailed].contains(self) }
    /// Its payment was taken (whatever was refunded since).
    var wasPaid: Bool { [.paid, .ticketsIssued, .partiallyRefunded, .refunded].contains(self) }
    /// Paid, with tickets that support can still refund.
    var isRefundable: Bool { self == .ticketsIssued || self == .partiallyRefunded }
}

extension OrderState {
    /// How an answer to the buyer says where the order stands ("This order \(…).").
    var phrase: String {
        switch self {
        case .created: "is being placed"
        case .seatsHeld: "holds its seats and awaits payment"
        case .awaitingPayment: "awaits its payment"
        case .paid: "is paid"
        case .ticketsIssued: "is paid and its tickets are issued"
        case .partiallyRefunded: "is paid and some of its tickets were refunded"
        case .refunded: "was refunded"
        case .expired: "has expired"
        case .cancelled: "was cancelled"
        case .paymentFailed: "ended when its payment failed"
        }
    }
}
