import Foundation

/// hns-eventbus's API as served at `GET /openapi.yaml`. A test keeps its operations equal to the
/// router's routes and its `x-problem-types` equal to `BusProblems.all`.
enum BusOpenAPI {
    /// The document for `stream`: subjects are described by the stream's own subjects.
    static func yaml(stream: StreamConfig) -> String {
        Self.yaml.replacingOccurrences(of: "SUBJECT_PATTERN", with: Self.subjectPattern(stream.subjects))
    }

    /// A regular expression for the literal subjects the stream's filters capture.
    static func subjectPattern(_ filters: [String]) -> String {
        let token = #"[^.*>\x00-\x20\x7f-\x9f]+"#
        let alternatives = filters.map { filter in
            filter.split(separator: ".").map { part -> String in
                switch part {
                case "*": token
                case ">": token + #"(\."# + token + ")*"
                default: NSRegularExpression.escapedPattern(for: String(part))
                }
            }.joined(separator: #"\."#)
        }
        return "^(" + alternatives.joined(separator: "|") + ")$"
    }

    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: hns-eventbus
          version: 1.0.0
          description: |
            A replayable log in PostgreSQL: publishers POST messages (a 2xx is a commit), subscriptions
            get them POSTed in order (docs/contracts.md). Every error is application/problem+json.
        components:
          securitySchemes:
            publisher: {type: http, scheme: bearer, description: a publisher's token (stream configuration)}
            admin: {type: http, scheme: bearer, description: HNS_EVENTBUS_ADMIN_TOKEN}
          parameters:
            subscription:
              name: name
              in: path
              required: true
              schema: {type: string, minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$'}
          schemas:
            Ack:
              type: object
              required: [stream, seq, duplicate]
              properties:
                stream: {type: string}
                seq: {type: integer, minimum: 1}
                duplicate: {type: boolean}
            BatchItem:
              type: object
              required: [subject, data]
              propertyNames: {x-hns-raw: true}
              additionalProperties: {x-hns-raw: true}
              properties:
                subject: {type: string, minLength: 1, maxLength: 256, pattern: 'SUBJECT_PATTERN'}
                msg_id: {type: string, minLength: 1, maxLength: 256, pattern: '^[!-~]+$'}
                data: {x-hns-raw: true, description: 'any JSON, stored byte for byte'}
          x-problem-types:
            - {type: 'https://hns.hr/problems/unknown-subject', status: 400, title: 'Subject not in the stream'}
        paths:
          /v1/publish/{subject}:
            parameters:
              - {name: subject, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 256, pattern: 'SUBJECT_PATTERN'}}
            post:
              summary: Publish one message (its body, stored byte for byte)
              security: [{publisher: []}]
              parameters:
                - {name: Msg-Id, in: header, required: false, schema: {type: string, minLength: 1, maxLength: 256, pattern: '^[!-~]+$'}}
              requestBody: {required: true, content: {application/json: {schema: {x-hns-raw: true, description: 'any JSON, stored byte for byte'}}}}
              responses:
                '202': {description: committed (or a duplicate of a committed one), content: {application/json: {schema: {$ref: '#/components/schemas/Ack'}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/publish:
            post:
              summary: Publish 1 to 1,000 messages, all or nothing
              security: [{publisher: []}]
              requestBody:
                required: true
                content: {application/json: {schema: {type: array, minItems: 1, maxItems: 1000, items: {$ref: '#/components/schemas/BatchItem'}}}}
              responses:
                '202':
                  description: committed
                  content: {application/json: {schema: {type: object, required: [acks], properties: {acks: {type: array, items: {$ref: '#/components/schemas/Ack'}}}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/stream:
            get:
              summary: First and last seq, message count, bytes
              security: [{admin: []}]
              responses:
                '200': {description: the stream, content: {application/json: {schema: {type: object}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/subscriptions:
            get:
              summary: Every subscription's cursor, pending count, lag and errors
              security: [{admin: []}]
              responses:
                '200': {description: the subscriptions, content: {application/json: {schema: {type: object, properties: {subscriptions: {type: array}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/subscriptions/{name}/reset:
            parameters: [{$ref: '#/components/parameters/subscription'}]
            post:
              summary: Replay from a seq or a time
              security: [{admin: []}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        seq: {type: integer, minimum: 1, maximum: 9223372036854775807}
                        time: {type: string, format: date-time}
                      oneOf:
                        - {required: [seq], not: {required: [time]}}
                        - {required: [time], not: {required: [seq]}}
              responses:
                '200': {description: reset, content: {application/json: {schema: {type: object}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/subscriptions/{name}/dead-letters:
            parameters: [{$ref: '#/components/parameters/subscription'}]
            get:
              summary: The subscription's dead letters
              security: [{admin: []}]
              responses:
                '200': {description: dead letters, content: {application/json: {schema: {type: object, properties: {dead_letters: {type: array}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/subscriptions/{name}/dead-letters/redrive:
            parameters: [{$ref: '#/components/parameters/subscription'}]
            post:
              summary: Deliver every dead letter again
              security: [{admin: []}]
              responses:
                '200': {description: requeued, content: {application/json: {schema: {type: object, properties: {requeued: {type: integer}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /v1/subscriptions/{name}/redeliver/{seq}:
            parameters:
              - {$ref: '#/components/parameters/subscription'}
              - {name: seq, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
            post:
              summary: Deliver one message again
              security: [{admin: []}]
              responses:
                '202': {description: queued, content: {application/json: {schema: {type: object}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
        """#
}
