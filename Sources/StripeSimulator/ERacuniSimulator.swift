import Crypto
import Foundation
import HNSCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The stand-in for e-računi's web-services API (accounting and fiscalization) in development and
/// tests: the JSON envelope `{username, md5pass, token, method, parameters}` on one endpoint,
/// answered `{"response":{"status":"ok","result":…}}` or, as e-računi does, HTTP 500 with
/// `"status":"error"` and a `description` such as `Error nr: 1 #field - message;`. Its limit of
/// 4 requests in 4 s per user answers 429 "Too Many Requests…". The methods our backend uses:
/// SalesInvoiceCreate (a retail invoice paid by card is fiscalized: JIR and ZKI come back),
/// SalesInvoiceGet, SalesInvoiceList, SalesInvoiceGetPDF and SalesInvoicePaymentRecordAdd; and for
/// partners' payment offers SalesQuoteCreate, SalesQuoteGet, SalesQuoteList and
/// SalesQuoteCreateInvoice (what accounting does when the partner pays: an invoice carrying the
/// quote's items and reference). A fault mode accepts the next creates and then drops the connection
/// without answering.
final class ERacuniSimulator: Sendable {
    struct Credentials: Sendable {
        let username: String
        let secretKey: String
        let token: String
    }

    struct Document: Sendable {
        let documentID: String
        let number: String
        let date: String
        let issuedTimestamp: String
        let issuedAt: Double
        let invoice: [String: JSONValue]
        let amount: Double
        let jir: String?
        let zki: String?
        var payments: [JSONValue] = []

        var json: JSONValue {
            var out = self.invoice
            out["documentID"] = .string(self.documentID)
            out["number"] = .string(self.number)
            out["date"] = .string(self.date)
            out["status"] = .string("IssuedInvoice")
            out["issuedTimestamp"] = .string(self.issuedTimestamp)
            out["documentAmount"] = .string(String(format: "%.2f", self.amount))
            out["PaymentRecords"] = .array(self.payments)
            if let jir { out["JIR"] = .string(jir) }
            if let zki { out["ZKI"] = .string(zki) }
            return .object(out)
        }
    }

    struct State: Sendable {
        var documents: [Document] = []
        var quotes: [Document] = []
        /// The invoice made from each quote (by the quote's document id).
        var invoiced: [String: String] = [:]
        var accepted: [String: [Double]] = [:]
        /// Creates to accept and then answer by dropping the connection.
        var dropAfterAccept = 0
        /// Creates to refuse (as e-računi refuses a document it finds invalid).
        var refuseNext = 0
        var requests = 0
        var throttled = 0
    }

    let credentials: Credentials
    let limit: RateLimit?
    let state = Locked(State())
    /// Document ids continue from the time the simulator started: a restarted one (its documents
    /// gone) never answers an id it gave before, as e-računi never does.
    let firstDocument = Int(Date().timeIntervalSince1970) * 1_000_000

    init(credentials: Credentials, limit: RateLimit?) {
        self.credentials = credentials
        self.limit = limit
    }

    static let path = "/WebServicesHR/API"

    func add(to router: Router<SimulatorContext>) {
        router.post(RouterPath(Self.path)) { request, context in try await self.api(request, context) }
        router.get("/_sim/eracuni/documents") { _, _ in
            let (documents, quotes) = self.state.withLock { s in (s.documents.map(\.json), s.quotes.map(\.json)) }
            return Self.json(.ok, .object(["documents": .array(documents), "quotes": .array(quotes)]))
        }
        router.get("/_sim/eracuni/traffic") { _, _ in
            let s = self.state.value
            return Self.json(
                .ok,
                .object([
                    "requests": .number(Double(s.requests)), "throttled": .number(Double(s.throttled)),
                    "documents": .number(Double(s.documents.count)),
                ]))
        }
        // `{"drop_after_accept": N}`: the next N creates are done, and their connections dropped;
        // `{"refuse_next": N}`: the next N creates are refused.
        router.post("/_sim/eracuni/faults") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
            var counts: [String: Int] = [:]
            for key in ["drop_after_accept", "refuse_next"] {
                if case .number(let n)? = value?[key], n >= 0, n == n.rounded() { counts[key] = Int(n) }
            }
            guard !counts.isEmpty else {
                return Self.json(.badRequest, .object(["error": .string("expected {\"drop_after_accept\": N} or {\"refuse_next\": N}")]))
            }
            let now = self.state.withLock { s in
                if let n = counts["drop_after_accept"] { s.dropAfterAccept = n }
                if let n = counts["refuse_next"] { s.refuseNext = n }
                return (s.dropAfterAccept, s.refuseNext)
            }
            return Self.json(.ok, .object(["drop_after_accept": .number(Double(now.0)), "refuse_next": .number(Double(now.1))]))
        }
    }

    static func md5pass(username: String, secret: String) -> String {
        Insecure.MD5.hash(data: Array((username.uppercased() + secret).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func api(_ request: Request, _ context: SimulatorContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let now = Date()
        guard let envelope = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)),
            let username = envelope["username"]?.stringValue, let method = envelope["method"]?.stringValue
        else {
            return Self.error(method: nil, "Error nr: 1 #request - The request is not a JSON API envelope;")
        }
        let user = username.uppercased()
        let throttled = self.state.withLock { s -> Bool in
            s.requests += 1
            guard let limit = self.limit else { return false }
            let window = Double(limit.window.components.seconds) + Double(limit.window.components.attoseconds) / 1e18
            let t = now.timeIntervalSince1970
            var times = (s.accepted[user] ?? []).filter { $0 > t - window }
            guard times.count < limit.count else {
                s.throttled += 1
                s.accepted[user] = times
                return true
            }
            times.append(t)
            s.accepted[user] = times
            return false
        }
        if throttled {
            return Self.answer(
                .tooManyRequests,
                .object([
                    "status": .string("error"), "apiMethod": .null,
                    "description": .string(
                        "Too Many Requests. The client with IP 127.0.0.1 has sent too many requests in a given amount of time."),
                ]))
        }
        let expected = Self.md5pass(username: self.credentials.username, secret: self.credentials.secretKey)
        guard user == self.credentials.username.uppercased(), envelope["md5pass"]?.stringValue == expected,
            envelope["token"]?.stringValue == self.credentials.token
        else {
            return Self.error(method: method, "Error nr: 1 #authenticationFailed - Authentication failed;")
        }
        let parameters = envelope["parameters"] ?? .object([:])
        switch method {
        case "SalesInvoiceCreate", "SalesQuoteCreate":
            return self.create(parameters, type: String(method.dropLast("Create".count)), context: context, now: now)
        case "SalesInvoiceGet", "SalesQuoteGet":
            let type = String(method.dropLast("Get".count))
            guard let document = self.find(parameters, quotes: type == "SalesQuote") else {
                return Self.error(method: method, "Error nr: 1 #documentID - Document not found;")
            }
            return Self.ok(.object([type: document.json]))
        case "SalesInvoiceList", "SalesQuoteList":
            return self.list(parameters, method: method)
        case "SalesQuoteCreateInvoice":
            return self.invoiceQuote(parameters, now: now)
        case "SalesInvoiceGetPDF":
            guard let document = self.find(parameters) else {
                return Self.error(method: method, "Error nr: 1 #documentID - Document not found;")
            }
            return Self.ok(.object(["pdfFile": .string(Data(Self.pdf(for: document)).base64EncodedString())]))
        case "SalesInvoicePaymentRecordAdd":
            return self.recordPayment(parameters, now: now)
        default:
            return Self.error(method: method, "Error nr: 1 #method - Unknown API method \(method);")
        }
    }

    private func create(_ parameters: JSONValue, type: String, context: SimulatorContext, now: Date) -> Response {
        let method = type + "Create"
        guard case .object(let invoice)? = parameters[type] else {
            return Self.error(method: method, "Error nr: 1 #\(type) - \(type) is mandatory;")
        }
        var errors: [String] = []
        var total = 0.0
        if case .array(let items)? = invoice["Items"], !items.isEmpty {
            for item in items {
                guard let description = item["description"]?.stringValue ?? item["productName"]?.stringValue, !description.isEmpty else {
                    errors.append("#description - Item description is mandatory")
                    continue
                }
                guard case .number(let quantity)? = item["quantity"], quantity != 0 else {
                    errors.append("#quantity - Item quantity is mandatory")
                    continue
                }
                guard case .number(let price)? = item["price"] ?? item["netPrice"] else {
                    errors.append("#price - Item price is mandatory")
                    continue
                }
                total += quantity * price
            }
        } else {
            errors.append("#Items - At least one item is mandatory")
        }
        if let currency = invoice["documentCurrency"]?.stringValue ?? invoice["currencyCode"]?.stringValue, currency.count != 3 {
            errors.append("#documentCurrency - Unknown currency \(currency)")
        }
        let refuse = self.state.withLock { s in
            guard s.refuseNext > 0 else { return false }
            s.refuseNext -= 1
            return true
        }
        if refuse { errors.append("#buyerTaxNumber - VAT ID entry is mandatory for buyer registered for VAT") }
        if !errors.isEmpty {
            let text = errors.enumerated().map { "Error nr: \($0.offset + 1) \($0.element);" }.joined(separator: " \r\n")
            return Self.error(method: method, text)
        }
        let (document, drop) = self.state.withLock { s -> (Document, Bool) in
            let document =
                type == "SalesQuote"
                ? Self.quote(&s, invoice, total: total, first: self.firstDocument, now: now)
                : Self.issue(&s, invoice, total: total, first: self.firstDocument, now: now)
            let drop = s.dropAfterAccept > 0
            if drop { s.dropAfterAccept -= 1 }
            return (document, drop)
        }
        if drop {
            // Done, and the answer never leaves: the client sees its connection end.
            context.channel.close(promise: nil)
        }
        var result: [String: JSONValue] = [
            "documentID": .string(document.documentID), "number": .string(document.number), "date": .string(document.date),
            "paymentReference": .string("00 \(document.number)"),
        ]
        if let jir = document.jir { result["JIR"] = .string(jir) }
        if let zki = document.zki { result["ZKI"] = .string(zki) }
        return Self.ok(.object(result))
    }

    /// An invoice issued now (a retail one is fiscalized: JIR and ZKI).
    private static func issue(_ s: inout State, _ invoice: [String: JSONValue], total: Double, first: Int, now: Date) -> Document {
        let fiscal = invoice["type"]?.stringValue == "Retail"
        let n = s.documents.count + 1
        let date = Self.local(now, "yyyy-MM-dd")
        let zki = fiscal ? Self.hex(Insecure.MD5.hash(data: Array("\(n)|\(date)|\(total)".utf8))) : nil
        let document = Document(
            documentID: "60:\(first + n)", number: "\(n)-HNS-1", date: date, issuedTimestamp: Self.local(now, "yyyy-MM-dd'T'HH:mm:ss"),
            issuedAt: now.timeIntervalSince1970, invoice: invoice, amount: total, jir: fiscal ? UUID().uuidString.lowercased() : nil, zki: zki)
        s.documents.append(document)
        return document
    }

    private static func quote(_ s: inout State, _ quote: [String: JSONValue], total: Double, first: Int, now: Date) -> Document {
        let n = s.quotes.count + 1
        let document = Document(
            documentID: "61:\(first + n)", number: "P-\(n)-HNS", date: Self.local(now, "yyyy-MM-dd"),
            issuedTimestamp: Self.local(now, "yyyy-MM-dd'T'HH:mm:ss"), issuedAt: now.timeIntervalSince1970, invoice: quote, amount: total,
            jir: nil, zki: nil)
        s.quotes.append(document)
        return document
    }

    private func find(_ parameters: JSONValue, quotes: Bool = false) -> Document? {
        let id = parameters["documentID"]?.stringValue
        let number = parameters["number"]?.stringValue
        return self.state.withLock { s in
            (quotes ? s.quotes : s.documents).first { ($0.documentID == id && id != nil) || ($0.number == number && number != nil) }
        }
    }

    private func list(_ parameters: JSONValue, method: String) -> Response {
        let from = parameters["issuedTimestampFrom"]?.stringValue
        let reference = parameters["reference"]?.stringValue
        let found = self.state.withLock { s in
            (method == "SalesQuoteList" ? s.quotes : s.documents).filter { d in
                (from == nil || d.issuedTimestamp >= from!) && (reference == nil || d.invoice["reference"]?.stringValue == reference)
            }
        }
        guard !found.isEmpty else {
            return Self.error(method: method, "Error nr: 1 #noDocumentsFound - No documents were found matching search criteria!;")
        }
        return Self.ok(.array(found.map(\.json)))
    }

    /// Accounting invoices a quote (once): the invoice carries the quote's items, buyer and reference.
    private func invoiceQuote(_ parameters: JSONValue, now: Date) -> Response {
        let method = "SalesQuoteCreateInvoice"
        guard let id = parameters["documentID"]?.stringValue else {
            return Self.error(method: method, "Error nr: 1 #documentID - documentID is mandatory;")
        }
        let outcome = self.state.withLock { s -> (Document?, String) in
            guard let quote = s.quotes.first(where: { $0.documentID == id }) else { return (nil, "#documentID - Document not found") }
            guard s.invoiced[id] == nil else { return (nil, "#documentID - An invoice was already created from this quote") }
            var invoice = quote.invoice
            invoice["status"] = .string("IssuedInvoice")
            invoice["quoteNumber"] = .string(quote.number)
            let document = Self.issue(&s, invoice, total: quote.amount, first: self.firstDocument, now: now)
            s.invoiced[id] = document.documentID
            return (document, "")
        }
        guard let d = outcome.0 else { return Self.error(method: method, "Error nr: 1 \(outcome.1);") }
        return Self.ok(.object(["documentID": .string(d.documentID), "number": .string(d.number), "date": .string(d.date)]))
    }

    private func recordPayment(_ parameters: JSONValue, now: Date) -> Response {
        guard let id = parameters["documentID"]?.stringValue, let amount = parameters["paymentAmount"]?.stringValue, Double(amount) != nil else {
            return Self.error(method: "SalesInvoicePaymentRecordAdd", "Error nr: 1 #paymentAmount - documentID and paymentAmount are mandatory;")
        }
        let recorded = self.state.withLock { s -> Bool in
            guard let i = s.documents.firstIndex(where: { $0.documentID == id }) else { return false }
            s.documents[i].payments.append(
                .object([
                    "paymentDate": parameters["paymentDate"] ?? .string(Self.local(now, "yyyy-MM-dd")), "paymentAmount": .string(amount),
                    "paymentMethod": parameters["paymentMethodForInvoice"] ?? .null,
                ]))
            return true
        }
        guard recorded else { return Self.error(method: "SalesInvoicePaymentRecordAdd", "Error nr: 1 #documentID - Document not found;") }
        return Self.ok(.object(["documentID": .string(id)]))
    }

    // MARK: plumbing

    /// A one-page PDF naming the document (enough for a viewer to open).
    static func pdf(for document: Document) -> [UInt8] {
        let text = "Racun \(document.number) / \(document.documentID) - \(String(format: "%.2f", document.amount)) EUR"
            .replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
        let stream = "BT /F1 12 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(format: "%010d 00000 n \n", offset) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }

    static func local(_ date: Date, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Zagreb")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    static func ok(_ result: JSONValue) -> Response {
        Self.answer(.ok, .object(["status": .string("ok"), "result": result]))
    }

    static func error(method: String?, _ description: String) -> Response {
        Self.answer(
            .internalServerError,
            .object([
                "status": .string("error"), "apiMethod": method.map(JSONValue.string) ?? .null, "url": .string("WebServicesHR"),
                "description": .string(description),
            ]))
    }

    static func answer(_ status: HTTPResponse.Status, _ response: JSONValue) -> Response {
        Self.json(status, .object(["response": response]))
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }
}

/// The simulator's request context: Hummingbird's basic one, and the connection's channel (which
/// e-računi's fault mode closes).
public struct SimulatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
