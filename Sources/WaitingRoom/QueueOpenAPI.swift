/// hns-queue's API as served at `GET /openapi.yaml` (docs/contracts.md has the prose). A test keeps
/// its operations equal to the router's routes and its `x-problem-types` equal to `QueueProblems.all`.
enum QueueOpenAPI {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: hns-queue
          version: 1.0.0
          description: |
            The waiting room. Operators (an admin JWT with mfa in amr, or the monolith's service token)
            configure a queue per match; fans join with their identity token and then follow their place
            with the queue ticket (X-Queue-Ticket, ?ticket=, or the WebSocket's first message). The
            WebSocket (GET /v1/queues/{matchId}/ws) is answered below the router and described in
            docs/contracts.md. Every error is application/problem+json.
        components:
          securitySchemes:
            operator: {type: http, scheme: bearer, description: admin JWT with mfa in amr, or HNS_QUEUE_SERVICE_TOKEN}
            fan: {type: http, scheme: bearer, bearerFormat: JWT, description: the fan's identity token}
            queueTicket: {type: apiKey, in: header, name: X-Queue-Ticket}
          parameters:
            matchId:
              name: matchId
              in: path
              required: true
              description: the monolith's match id
              schema: {type: string, pattern: '^[1-9][0-9]{0,17}$'}
          schemas:
            QueueUpdate:
              type: object
              description: members not listed are ignored
              properties:
                sale_starts_at: {type: [string, 'null'], format: date-time, description: 'required when the queue is created; null: unchanged'}
                admission_per_minute: {type: [integer, 'null'], minimum: 1, maximum: 1000000}
                max_active_windows: {type: [integer, 'null'], minimum: 1, maximum: 1000000}
                window_minutes: {type: [number, 'null'], exclusiveMinimum: 0, maximum: 1440}
                max_tickets_per_window: {type: [integer, 'null'], minimum: 1, maximum: 100}
                state: {enum: [scheduled, pre_queue, open, paused, closed, null]}
            Overview:
              type: object
              required: [match_id, state]
              properties:
                match_id: {type: string}
                state: {type: string}
            Place:
              type: object
              required: [queue_ticket, queue_id]
              properties:
                queue_ticket: {type: string}
                queue_id: {type: string}
                position: {type: [integer, 'null']}
                ahead: {type: [integer, 'null']}
                estimated_wait_s: {type: [integer, 'null']}
                state: {type: string}
          x-problem-types:
            - {type: 'https://hns.hr/problems/queue-ticket-invalid', status: 401, title: 'Queue ticket invalid'}
            - {type: 'https://hns.hr/problems/queue-not-open', status: 409, title: 'Queue not open'}
            - {type: 'https://hns.hr/problems/rate-limited', status: 429, title: 'Too many requests'}
            - {type: 'https://hns.hr/problems/sale-start-required', status: 409, title: 'Sale start required'}
        paths:
          /v1/queues/{matchId}:
            parameters: [{$ref: '#/components/parameters/matchId'}]
            put:
              summary: Create (201) or update (200) a match's queue
              security: [{operator: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/QueueUpdate'}}}}
              responses:
                '200': {description: updated, content: {application/json: {schema: {$ref: '#/components/schemas/Overview'}}}}
                '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Overview'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
            get:
              summary: The queue's state and numbers
              security: [{operator: []}]
              responses:
                '200': {description: the queue, content: {application/json: {schema: {$ref: '#/components/schemas/Overview'}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/queues/{matchId}/windows/{userId}/release:
            parameters:
              - {$ref: '#/components/parameters/matchId'}
              - {name: userId, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 255, pattern: '^[^\x00-\x1f\x7f-\x9f]+$'}}
            post:
              summary: End a purchase window early and free its slot
              security: [{operator: []}]
              responses:
                '200': {description: released or already ended, content: {application/json: {schema: {type: object, properties: {released: {type: boolean}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/queues/{matchId}/draw:
            parameters: [{$ref: '#/components/parameters/matchId'}]
            get:
              summary: The draw's seed (after the draw), its hash and the entrants
              responses:
                '200': {description: the draw, content: {application/json: {schema: {type: object}}}}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/queues/{matchId}/join:
            parameters: [{$ref: '#/components/parameters/matchId'}]
            post:
              summary: Join (201) or find one's place again (200)
              security: [{fan: []}]
              responses:
                '200': {description: the same place, content: {application/json: {schema: {$ref: '#/components/schemas/Place'}}}}
                '201': {description: joined, content: {application/json: {schema: {$ref: '#/components/schemas/Place'}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/Problem'}
            delete:
              summary: Leave the queue
              security: [{queueTicket: []}]
              responses:
                '204': {description: left}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/queues/{matchId}/position:
            parameters: [{$ref: '#/components/parameters/matchId'}]
            get:
              summary: One's place now
              security: [{queueTicket: []}]
              responses:
                '200': {description: the place, or your_turn with the purchase token, content: {application/json: {schema: {type: object, required: [type]}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/queues/{matchId}/events:
            parameters: [{$ref: '#/components/parameters/matchId'}]
            get:
              summary: Server-Sent Events with one's place (the WebSocket's messages)
              security: [{queueTicket: []}]
              responses:
                '200': {description: an event stream, content: {text/event-stream: {schema: {type: string}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
        """#
}
