import Crypto
import Foundation
import HNSCore
import HTTPTypes

/// The fan's proof of a place: `v1.<payload>.<mac>`, base64url, opaque to the app. The payload names
/// match, user and queue id and an expiry; the MAC is HMAC-SHA256 under a key derived from
/// `HNS_QUEUE_SIGNING_KEY`, so every instance can check it without Redis.
struct QueueTicket: Sendable, Equatable {
    let matchID: String
    let userID: String
    let queueID: String
    let expiresAt: Int64
}

enum QueueTicketError: Error, Sendable, ProblemConvertible {
    case missing, malformed, badSignature, expired, wrongMatch

    var problem: Problem {
        let detail: String =
            switch self {
            case .missing: "No queue ticket was sent (X-Queue-Ticket header, ?ticket= or the first WebSocket message)."
            case .malformed: "The queue ticket is not well-formed."
            case .badSignature: "The queue ticket's signature does not verify."
            case .expired: "The queue ticket has expired; join again to get a fresh one."
            case .wrongMatch: "The queue ticket is for another match."
            }
        return Problem(QueueProblems.queueTicketInvalid, detail: detail)
    }
}

struct QueueTicketCodec: Sendable {
    private let key: SymmetricKey
    private let clock: WallClock

    init(secret: Secret, clock: WallClock) {
        self.clock = clock
        let root = SymmetricKey(data: Array(secret.value.utf8))
        self.key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array("hns-queue-ticket-v1".utf8), using: root)))
    }

    func encode(_ ticket: QueueTicket) -> String {
        let payload = Array("\(ticket.matchID)\n\(ticket.userID)\n\(ticket.queueID)\n\(ticket.expiresAt)".utf8)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: payload, using: self.key))
        return "v1." + Base64URL.encode(payload) + "." + Base64URL.encode(mac)
    }

    func decode(_ text: String, match: String) throws(QueueTicketError) -> QueueTicket {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw .missing }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let payload = Base64URL.decode(parts[1]), let mac = Base64URL.decode(parts[2]) else {
            throw .malformed
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: self.key) else { throw .badSignature }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 4, let exp = Int64(fields[3]) else { throw .malformed }
        let ticket = QueueTicket(matchID: String(fields[0]), userID: String(fields[1]), queueID: String(fields[2]), expiresAt: exp)
        guard Double(exp) >= self.clock.now.timeIntervalSince1970 else { throw .expired }
        guard ticket.matchID == match else { throw .wrongMatch }
        return ticket
    }
}

enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { Array($0) }
    }
}
