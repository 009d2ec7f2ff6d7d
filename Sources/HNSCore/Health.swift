import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A dependency `/readyz` asks for real on every call.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let timeout: Duration
    public let probe: @Sendable () async throws -> JSONValue?

    /// `probe` throws when the dependency is down; it may return details to show (e.g. a table hash).
    public init(name: String, timeout: Duration = .seconds(2), probe: @escaping @Sendable () async throws -> JSONValue?) {
        self.name = name
        self.timeout = timeout
        self.probe = probe
    }
}

public struct ReadinessTimeout: Error {}

public enum HealthRoutes {
    /// `/healthz` says the process is alive; `/readyz` asks every dependency (concurrently, each with
    /// its own timeout) and is 200 only if all answered; `/metrics` is the Prometheus text.
    public static func add<Context: RequestContext>(to router: Router<Context>, daemon: String, checks: [ReadinessCheck]) {
        router.get("/healthz") { _, _ in
            Self.json(.ok, .object(["status": .string("ok"), "daemon": .string(daemon)]))
        }
        router.get("/readyz") { _, _ in
            let results = await Self.evaluate(checks)
            let ready = results.allSatisfy { $0.1 }
            var body: [String: JSONValue] = [:]
            for (name, _, detail) in results { body[name] = detail }
            return Self.json(
                ready ? .ok : .serviceUnavailable,
                .object(["status": .string(ready ? "ready" : "unavailable"), "daemon": .string(daemon), "checks": .object(body)])
            )
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: HNSMetrics.exposition()))
            )
        }
    }

    public static func evaluate(_ checks: [ReadinessCheck]) async -> [(String, Bool, JSONValue)] {
        await withTaskGroup(of: (String, Bool, JSONValue).self) { group in
            for check in checks {
                group.addTask {
                    let start = DispatchTime.now().uptimeNanoseconds
                    do {
                        let detail = try await withTimeout(check.timeout) { try await check.probe() }
                        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                        var object: [String: JSONValue] = ["status": .string("up"), "latency_ms": .number((ms * 10).rounded() / 10)]
                        if let detail { object["detail"] = detail }
                        return (check.name, true, .object(object))
                    } catch {
                        let reason = error is ReadinessTimeout ? "no answer within \(check.timeout)" : String(describing: error)
                        return (check.name, false, .object(["status": .string("down"), "error": .string(reason)]))
                    }
                }
            }
            var out: [(String, Bool, JSONValue)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
    }

    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.encoded()))
        )
    }
}

/// Runs `body` but gives up after `timeout`, cancelling it.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await loopSleep(for: timeout)
            throw ReadinessTimeout()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

/// `GET /openapi.yaml`: the daemon's OpenAPI document, as written in its library.
public enum OpenAPIRoute {
    /// Serves `yaml` completed by `OpenAPIContract` (the document as written when it cannot be read).
    public static func add<Context: RequestContext>(to router: Router<Context>, yaml: String) {
        let body = ByteBuffer(string: (try? OpenAPIContract.complete(yaml)) ?? yaml)
        router.get("/openapi.yaml") { _, _ in Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: body)) }
    }
}
