import AsyncHTTPClient
import Crypto
import Foundation
import HNSCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// E8: e-računi's web-services API (accounting and fiscalization). One endpoint for every method: a
/// JSON envelope `{username, md5pass, token, method, parameters}` answered with
/// `{"response":{"status":"ok"|"error","result":…,"description":…}}` (errors as HTTP 500 with that
/// body). `md5pass` is the MD5 of the upper-case user name followed by the API secret, in lower-case
/// hex, as e-računi's authentication page describes. Every request waits for its slot of the pace
/// the account allows (4 requests per 4 s per user), shared by every instance.
struct ERacuniClient: Sendable {
    let endpoint: String
    let username: String
    let md5pass: String
    let token: Secret
    let client: HTTPClient
    let pacer: RequestPacer?
    var timeout: Duration = .seconds(30)

    init(endpoint: String, username: String, secretKey: Secret, token: Secret, client: HTTPClient, pacer: RequestPacer?) {
        self.endpoint = endpoint
        self.username = username.uppercased()
        self.md5pass = Self.md5pass(username: username, secret: secretKey.value)
        self.token = token
        self.client = client
        self.pacer = pacer
    }

    static func md5pass(username: String, secret: String) -> String {
        Insecure.MD5.hash(data: Array((username.uppercased() + secret).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    enum Failure: Error, CustomStringConvertible, Equatable {
        /// Too many requests: nothing was done; ask again after a pause.
        case throttled(String)
        /// e-računi answered with an error: it did nothing, and the same request would be refused again.
        case refused(String)
        /// Nothing reached e-računi (no connection): nothing was done.
        case notSent(String)
        /// The request went out and no readable answer came back (a timeout, a connection dropped, a
        /// 5xx without e-računi's body): it may have been done.
        case unknown(String)
        /// A request that may wait was not sent: the pace is taken for longer than it may wait.
        case busy

        var description: String {
            switch self {
            case .throttled(let why): "e-računi throttled the request: \(why)"
            case .refused(let why): "e-računi refused: \(why)"
            case .notSent(let why): "e-računi not reached: \(why)"
            case .unknown(let why): "e-računi's answer was lost: \(why)"
            case .busy: "e-računi's pace is taken"
            }
        }

        /// Whether e-računi may have done what was asked.
        var mayHaveHappened: Bool {
            if case .unknown = self { return true }
            return false
        }
    }

    /// What a create answers (and a list item carries).
    struct Issued: Sendable, Equatable {
        let documentID: String
        let number: String
        let date: String?
        let jir: String?
        let zki: String?
        let reference: String?

        init?(_ value: JSONValue) {
            guard let id = value["documentID"]?.stringValue, let number = value["number"]?.stringValue else { return nil }
            self.documentID = id
            self.number = number
            self.date = value["date"]?.stringValue
            // Fiscal codes are optional: a document that is not fiscalized (a bank transfer) has none,
            // and e-računi's field names for them vary between its answers.
            self.jir = Self.first(value, ["JIR", "jir", "fiscalIdentificationCode", "uniqueInvoiceIdentifier"])
            self.zki = Self.first(value, ["ZKI", "zki", "fiscalVerificationCode", "issuerProtectionCode"])
            self.reference = value["reference"]?.stringValue
        }

        private static func first(_ value: JSONValue, _ keys: [String]) -> String? {
            for key in keys { if let s = value[key]?.stringValue, !s.isEmpty { return s } }
            return nil
        }
    }

    /// The kinds of document we make: a sales invoice (or its storno) and a sales quote (the
    /// pro-forma a partner pays from). Each has its own `…Create` and `…List` method.
    enum DocumentType: String, Sendable {
        case salesInvoice = "SalesInvoice"
        case salesQuote = "SalesQuote"
    }

    /// `SalesInvoiceCreate` or `SalesQuoteCreate`: the document issued, with its number.
    func create(_ type: DocumentType, _ document: JSONValue) async throws(Failure) -> Issued {
        let result = try await self.call(type.rawValue + "Create", .object([type.rawValue: document]))
        guard let issued = Issued(result) else { throw .unknown("no documentID and number in the answer") }
        return issued
    }

    /// `…List` from `issuedFrom` on, filtered to our `reference` here (the API filters by time and
    /// buyer): how a create whose answer was lost is found. Nil: there is none.
    func find(_ type: DocumentType, reference: String, issuedFrom: Date) async throws(Failure) -> Issued? {
        try await self.list(type, issuedFrom: issuedFrom, reference: reference).lazy.compactMap(Issued.init).first { $0.reference == reference }
    }

    /// Every document of a type issued from `issuedFrom` on (with `reference`, where e-računi filters
    /// by it), as e-računi answers them.
    func list(_ type: DocumentType, issuedFrom: Date, reference: String? = nil) async throws(Failure) -> [JSONValue] {
        let method = type.rawValue + "List"
        var parameters: [String: JSONValue] = ["issuedTimestampFrom": .string(Self.localTimestamp(issuedFrom))]
        if let reference { parameters["reference"] = .string(reference) }
        let result: JSONValue
        do {
            result = try await self.call(method, .object(parameters))
        } catch .refused(let why) where why.contains("noDocumentsFound") {
            return []
        } catch .refused(let why) where why.contains("#reference") {
            // e-računi's documented filters are time and buyer: without ours, every document since then.
            parameters["reference"] = nil
            do {
                result = try await self.call(method, .object(parameters))
            } catch .refused(let why) where why.contains("noDocumentsFound") {
                return []
            }
        }
        switch result {
        case .array(let list): return list
        case .object(let o): return o[type.rawValue].flatMap { if case .array(let a) = $0 { a } else { nil } } ?? []
        default: return []
        }
    }

    /// `SalesInvoiceGetPDF`: the document as a PDF (sent base64 in `pdfFile`).
    func pdf(documentID: String, waitingAtMost: Duration?) async throws(Failure) -> [UInt8] {
        let result = try await self.call("SalesInvoiceGetPDF", .object(["documentID": .string(documentID)]), waitingAtMost: waitingAtMost)
        guard let base64 = (result["pdfFile"] ?? result["fileContent"])?.stringValue, let data = Data(base64Encoded: base64) else {
            throw .unknown("no pdfFile in the answer")
        }
        return Array(data)
    }

    /// One call: waits for its slot, sends the envelope, reads the answer.
    func call(_ method: String, _ parameters: JSONValue, waitingAtMost limit: Duration? = nil) async throws(Failure) -> JSONValue {
        if let pacer = self.pacer {
            do {
                guard try await pacer.wait(atMost: limit) else { throw Failure.busy }
            } catch let failure as Failure {
                throw failure
            } catch {
                throw .notSent("cancelled while waiting for the pace")
            }
        }
        let envelope: JSONValue = .object([
            "username": .string(self.username), "md5pass": .string(self.md5pass), "token": .string(self.token.value),
            "method": .string(method), "parameters": parameters,
        ])
        var request = HTTPClientRequest(url: self.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: envelope.encoded()))
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await self.client.execute(request, timeout: .seconds(Int64(self.timeout.components.seconds)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Self.isConnectFailure(error) ? .notSent(String(describing: error)) : .unknown(String(describing: error))
        }
        let answer = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        let response = answer?["response"]
        let description = response?["description"]?.stringValue ?? ""
        if status == 429 || description.hasPrefix("Too Many Requests") { throw .throttled(description.isEmpty ? "HTTP 429" : description) }
        guard let response, let outcome = response["status"]?.stringValue else {
            throw .unknown("HTTP \(status) without e-računi's answer")
        }
        // e-računi is busy with another request of this user: nothing was done.
        if description.contains("Another web request is currently being processed") || description.contains("Concurrent usage of atomic") {
            throw .throttled(description)
        }
        guard outcome == "ok" else { throw .refused(description.isEmpty ? "HTTP \(status)" : description) }
        return response["result"] ?? .null
    }

    /// A connection that was never made: the request cannot have reached e-računi.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if error is NIOConnectionError { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) { return true }
        return false
    }

    /// e-računi's timestamps are Zagreb's wall clock without a zone.
    static func localTimestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Zagreb")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }

    static func localDate(_ date: Date) -> String {
        String(Self.localTimestamp(date).prefix(10))
    }
}
