import Foundation
import HNSCore
import HNSIdentity
import HTTPTypes
import Hummingbird
import NIOCore

extension Invoicing {
    struct DocumentList: Encodable, Sendable {
        let queued: Int
        let oldestQueuedSeconds: Int
        let documents: [Document]
    }

    func addRoutes(to groups: RouteGroups) {
        // The buyer's invoice (fetched from e-računi the first time, then kept).
        groups.customer.get("orders/:orderId/invoice") { _, context -> Response in
            let order = try Orders.orderID(context)
            let (number, pdf) = try await self.invoicePDF(orderID: order, buyer: context.identity.userID)
            var headers = HTTPFields()
            headers[.contentType] = "application/pdf"
            let name = number.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
            headers[.contentDisposition] = "attachment; filename=\"racun-\(String(name)).pdf\""
            headers[.cacheControl] = "private, max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        }
        // What accounting still owes or could not issue: `?state=failed` is what needs an admin.
        groups.admin.get("admin/invoicing/documents") { request, _ -> Response in
            var state: State?
            var order: UUID?
            var errors: [Problem.FieldError] = []
            for (name, value) in request.uri.queryParameters {
                switch name {
                case "state":
                    state = State(rawValue: String(value))
                    if state == nil {
                        errors.append(.init(field: "state", message: "must be one of \(State.allCases.map(\.rawValue).joined(separator: ", "))"))
                    }
                case "order_id":
                    order = UUID(uuidString: String(value))
                    if order == nil { errors.append(.init(field: "order_id", message: "must be a UUID")) }
                default: break
                }
            }
            if !errors.isEmpty { throw Problem.validation(errors) }
            let (queued, oldest) = try await self.backlog()
            let list = DocumentList(
                queued: queued, oldestQueuedSeconds: Int(oldest), documents: try await self.documents(state: state, orderID: order))
            return Idempotency.response(.ok, try Orders.json(list))
        }
        groups.admin.post("admin/invoicing/documents/:documentId/retry") { _, context -> Response in
            guard let id = context.parameters.decoded("documentId").flatMap(Int64.init).flatMap({ $0 > 0 ? $0 : nil }) else {
                throw InvoicingError.notFound
            }
            return Idempotency.response(.ok, try Orders.json(try await self.retry(id: id, actor: context.actor)))
        }
    }
}
