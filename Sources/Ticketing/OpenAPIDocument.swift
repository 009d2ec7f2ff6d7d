/// The API of `hns-ticketing`, served at `/openapi.yaml`. A test checks that every route of the
/// router is here and every path here is a route, so the document cannot drift from the code.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: HNS Ticketing API
          version: 1.0.0
          description: |
            The ticketing monolith of the Croatian Football Federation. Bearer JWTs are issued by Drupal.
            Each protected operation names the role it needs in `x-hns-role` (customer, admin, support,
            quota_owner, petrol_staff); admin also needs `mfa` in `amr`. Without a valid token: 401; without
            the role: 403. Every error is `application/problem+json`
            (RFC 9457) with `errors: [{field, message}]` for validation failures.
        servers:
          - url: http://127.0.0.1:8080
        security:
          - drupal: []
        components:
          securitySchemes:
            drupal:
              type: http
              scheme: bearer
              bearerFormat: JWT
            busDelivery:
              type: http
              scheme: bearer
          parameters:
            matchId: {name: matchId, in: path, required: true, schema: {type: integer, minimum: 1}}
            stadiumId: {name: stadiumId, in: path, required: true, schema: {type: integer, minimum: 1}}
            holdId: {name: holdId, in: path, required: true, schema: {type: string, format: uuid}}
            sector: {name: sector, in: path, required: true, schema: {type: string}}
            version: {name: version, in: path, required: true, schema: {type: integer, minimum: 1}}
            orderId: {name: orderId, in: path, required: true, schema: {type: string, format: uuid}}
            blacklistId: {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
            idempotencyKey: {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 255}, description: A retry with the same key and body gets the first answer again (header Idempotent-Replayed true)}
            purchaseToken: {name: X-Purchase-Token, in: header, required: false, schema: {type: string}, description: The queue's purchase token; required while the match's waiting room is active}
          # The catalogue of problem types (TicketingProblems.all; a test keeps the two equal).
          x-problem-types:
            - {type: 'https://hns.hr/problems/oib-taken', status: 409, title: 'OIB already registered'}
            - {type: 'https://hns.hr/problems/attendee-refused', status: 403, title: 'Ticket holder refused'}
            - {type: 'https://hns.hr/problems/blacklist-entry-in-use', status: 409, title: 'Blacklist entry in use'}
            - {type: 'https://hns.hr/problems/stadium-exists', status: 409, title: 'Stadium exists'}
            - {type: 'https://hns.hr/problems/invalid-transition', status: 409, title: 'Transition not allowed'}
            - {type: 'https://hns.hr/problems/match-ended', status: 409, title: 'Match ended'}
            - {type: 'https://hns.hr/problems/not-away', status: 409, title: 'Not an away match'}
            - {type: 'https://hns.hr/problems/no-unassigned-sectors', status: 409, title: 'No sectors await a seat map'}
            - {type: 'https://hns.hr/problems/config-conflict', status: 409, title: 'Change touches held or sold seats'}
            - {type: 'https://hns.hr/problems/sold-out', status: 409, title: 'Sold out'}
            - {type: 'https://hns.hr/problems/not-on-sale', status: 409, title: 'Not on sale'}
            - {type: 'https://hns.hr/problems/sales-phase', status: 403, title: 'Sales phase closed to this buyer'}
            - {type: 'https://hns.hr/problems/sector-closed', status: 409, title: 'Sector closed'}
            - {type: 'https://hns.hr/problems/not-enough-seats', status: 409, title: 'Not enough seats'}
            - {type: 'https://hns.hr/problems/seats-unavailable', status: 409, title: 'Seats unavailable'}
            - {type: 'https://hns.hr/problems/buyer-limit', status: 409, title: 'Ticket limit reached'}
            - {type: 'https://hns.hr/problems/hold-not-active', status: 409, title: 'Hold not active'}
            - {type: 'https://hns.hr/problems/payment-under-way', status: 409, title: 'Payment under way'}
            - {type: 'https://hns.hr/problems/hold-has-order', status: 409, title: 'Hold already ordered'}
            - {type: 'https://hns.hr/problems/attendee-has-ticket', status: 409, title: 'Ticket holder already has a ticket'}
            - {type: 'https://hns.hr/problems/order-paid', status: 409, title: 'Order already paid'}
            - {type: 'https://hns.hr/problems/order-ended', status: 409, title: 'Order ended'}
            - {type: 'https://hns.hr/problems/idempotency-key-reused', status: 422, title: 'Idempotency-Key reused'}
            - {type: 'https://hns.hr/problems/rate-limited', status: 429, title: 'Too many requests'}
            - {type: 'https://hns.hr/problems/validation', status: 422, title: 'Validation failed'}
            - {type: 'https://hns.hr/problems/malformed-json', status: 400, title: 'Malformed JSON'}
            - {type: 'https://hns.hr/problems/bad-request', status: 400, title: 'Bad Request'}
            - {type: 'https://hns.hr/problems/not-found', status: 404, title: 'Not Found'}
            - {type: 'https://hns.hr/problems/method-not-allowed', status: 405, title: 'Method Not Allowed'}
            - {type: 'https://hns.hr/problems/too-large', status: 413, title: 'Content Too Large'}
            - {type: 'https://hns.hr/problems/unauthorized', status: 401, title: 'Unauthorized'}
            - {type: 'https://hns.hr/problems/forbidden', status: 403, title: 'Forbidden'}
            - {type: 'https://hns.hr/problems/unavailable', status: 503, title: 'Service Unavailable'}
            - {type: 'https://hns.hr/problems/internal', status: 500, title: 'Internal Server Error'}
            - {type: 'https://hns.hr/problems/purchase-window-ended', status: 403, title: 'Purchase window ended'}
            - {type: 'https://hns.hr/problems/purchase-token-invalid', status: 403, title: 'Purchase token invalid'}
          responses:
            Problem:
              description: An RFC 9457 problem.
              content:
                application/problem+json:
                  schema: {$ref: '#/components/schemas/Problem'}
          schemas:
            Problem:
              type: object
              required: [type, title, status]
              properties:
                type: {type: string, format: uri, description: 'one of x-problem-types, or about:blank'}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                errors:
                  type: array
                  items: {type: object, properties: {field: {type: string}, message: {type: string}}}
            BusEnvelope:
              type: object
              description: An event as the bus delivers it (docs/contracts.md)
              required: [subject, message_id, timestamp, data]
              properties:
                subject: {type: string, minLength: 1}
                message_id: {type: string, minLength: 1}
                timestamp: {type: string, format: date-time}
                data: {}
            Attendee:
              type: object
              required: [first_name, last_name, date_of_birth, nationality]
              properties:
                first_name: {type: string}
                last_name: {type: string}
                date_of_birth: {type: string, format: date}
                oib: {type: [string, "null"], description: required for HR; ISO 7064 MOD 11,10}
                passport_number: {type: [string, "null"]}
                passport_country: {type: [string, "null"]}
                nationality: {type: string}
                deliver_to_email: {type: [string, "null"], format: email, description: the ticket appears in the wallet of whoever signs in with this email}
            OrderCreate:
              type: object
              required: [hold_id, attendees]
              properties:
                hold_id: {type: string, format: uuid}
                attendees: {type: array, items: {$ref: '#/components/schemas/Attendee'}, description: one per held seat, in the hold's seat order}
            Order:
              type: object
              properties:
                id: {type: string, format: uuid}
                match_id: {type: integer}
                buyer_id: {type: string}
                hold_id: {type: string, format: uuid}
                state: {type: string, enum: [created, seats_held, awaiting_payment, paid, tickets_issued, expired, cancelled, payment_failed]}
                unit_price_cents: {type: integer}
                amount_cents: {type: integer}
                currency: {type: string}
                payment_intent_id: {type: [string, "null"]}
                window_ends_at: {type: [string, "null"], format: date-time}
                hold_expires_at: {type: [string, "null"], format: date-time}
                created_at: {type: string, format: date-time}
                seats: {type: array, items: {type: object, properties: {unit_id: {type: integer}, sector: {type: string}, row: {type: [string, "null"]}, seat: {type: [string, "null"]}, attendee: {type: string}}}}
                tickets: {type: array, items: {type: object, properties: {id: {type: string}, position: {type: integer}, deliver_to_email: {type: [string, "null"]}}}}
            PaymentStart:
              type: object
              properties:
                order: {$ref: '#/components/schemas/Order'}
                payment_intent_id: {type: string}
                client_secret: {type: string, description: for Stripe's mobile SDK to confirm the payment}
                amount_cents: {type: integer}
                currency: {type: string}
            WalletTicket:
              type: object
              properties:
                id: {type: string, format: uuid}
                order_id: {type: string, format: uuid}
                match_id: {type: integer}
                position: {type: integer}
                holder_name: {type: string}
                sector: {type: string}
                row: {type: [string, "null"]}
                seat: {type: [string, "null"]}
                status: {type: string, enum: [issued, activated, used, void]}
                issued_at: {type: string, format: date-time}
                qr: {type: [string, "null"], description: the barcode value; only from qr_visible_from}
                qr_visible_from: {type: string, format: date-time, description: kick-off minus 5 hours}
                cache_until: {type: [string, "null"], format: date-time, description: keep the QR offline until then (24 h)}
                delivered_to_email: {type: [string, "null"]}
            BlacklistEntry:
              type: object
              required: [reason]
              properties:
                id: {type: integer, readOnly: true}
                oib: {type: [string, "null"]}
                passport_country: {type: [string, "null"]}
                passport_number: {type: [string, "null"]}
                first_name: {type: [string, "null"]}
                last_name: {type: [string, "null"]}
                date_of_birth: {type: [string, "null"], format: date}
                reason: {type: string}
                added_by: {type: string, readOnly: true}
                created_at: {type: string, format: date-time, readOnly: true}
            Profile:
              type: object
              required: [first_name, last_name, date_of_birth, nationality]
              properties:
                user_id: {type: string, readOnly: true}
                email: {type: [string, "null"], readOnly: true}
                first_name: {type: string, maxLength: 100}
                last_name: {type: string, maxLength: 100}
                date_of_birth: {type: string, format: date}
                oib: {type: [string, "null"], pattern: '^[0-9]{11}$', description: ISO 7064 MOD 11,10 check digit; required for HR}
                passport_number: {type: [string, "null"]}
                passport_country: {type: [string, "null"], pattern: '^[A-Z]{2}$'}
                nationality: {type: string, pattern: '^[A-Z]{2}$'}
                phone: {type: [string, "null"], pattern: '^\+[1-9][0-9]{6,14}$'}
                loyalty_tier: {type: string, enum: [none, bronze, silver, gold], readOnly: true}
                updated_at: {type: string, format: date-time, readOnly: true}
            StadiumTemplate:
              type: object
              required: [code, name, city, sectors]
              properties:
                code: {type: string, pattern: '^[a-z0-9-]{2,40}$'}
                name: {type: string}
                city: {type: string}
                sectors:
                  type: array
                  items:
                    type: object
                    required: [code, name, stand, gate, price_category, kind]
                    properties:
                      code: {type: string}
                      name: {type: string}
                      stand: {type: string}
                      gate: {type: string}
                      price_category: {type: string}
                      kind: {type: string, enum: [numbered, standing]}
                      capacity: {type: integer, description: standing sectors only}
                      rows:
                        type: array
                        items:
                          type: object
                          required: [label, row_priority, seats]
                          properties:
                            label: {type: string}
                            row_priority: {type: integer, minimum: 1}
                            seats:
                              type: array
                              items:
                                type: object
                                required: [label, number, x, y, snake_order]
                                properties:
                                  label: {type: string}
                                  number: {type: integer, minimum: 1, description: position in the row; consecutive numbers are neighbours}
                                  x: {type: number}
                                  y: {type: number}
                                  snake_order: {type: integer}
                                  accessible: {type: boolean}
                                  restricted_view: {type: boolean}
            StadiumSummary:
              type: object
              properties:
                id: {type: integer}
                code: {type: string}
                name: {type: string}
                city: {type: string}
                seat_count: {type: integer}
            SalesPhase:
              type: object
              required: [name, starts_at, ends_at, eligibility]
              properties:
                name: {type: string}
                starts_at: {type: string, format: date-time}
                ends_at: {type: string, format: date-time}
                eligibility: {type: string, enum: [general, loyalty]}
                min_tier: {type: string, enum: [bronze, silver, gold]}
            AwaySector:
              type: object
              required: [code, name, price_category, capacity]
              properties:
                code: {type: string}
                name: {type: string}
                stand: {type: string}
                gate: {type: string}
                price_category: {type: string}
                capacity: {type: integer, minimum: 1}
            MatchCreate:
              type: object
              required: [competition, opponent, venue_kind, venue, kickoff, prices]
              properties:
                competition: {type: string}
                opponent: {type: string}
                venue_kind: {type: string, enum: [home, away]}
                venue: {type: string}
                stadium_id: {type: integer, description: required for home matches}
                kickoff: {type: string, description: 'Zagreb wall-clock time (2026-12-05T20:45) or a date-time with offset'}
                max_tickets_per_buyer: {type: integer, minimum: 1, maximum: 50, default: 4}
                sales_phases: {type: array, items: {$ref: '#/components/schemas/SalesPhase'}}
                prices: {type: object, additionalProperties: {type: integer, description: EUR cents}}
                away_sectors: {type: array, items: {$ref: '#/components/schemas/AwaySector'}}
            MatchUpdate:
              type: object
              properties:
                kickoff: {type: string}
                max_tickets_per_buyer: {type: integer}
                sales_phases: {type: array, items: {$ref: '#/components/schemas/SalesPhase'}}
            Match:
              type: object
              properties:
                id: {type: integer}
                competition: {type: string}
                opponent: {type: string}
                venue_kind: {type: string, enum: [home, away]}
                venue: {type: string}
                stadium_id: {type: [integer, "null"]}
                kickoff_at: {type: string, format: date-time}
                kickoff_local: {type: string, description: Europe/Zagreb wall clock}
                state: {type: string, enum: [draft, published, on_sale, sold_out, closed, cancelled]}
                max_tickets_per_buyer: {type: integer}
                sales_phases: {type: array, items: {$ref: '#/components/schemas/SalesPhase'}}
                config_version: {type: integer}
            SeatRef:
              type: object
              required: [sector, row, seat]
              properties:
                sector: {type: string}
                row: {type: string}
                seat: {type: string}
            ConfigChange:
              type: object
              properties:
                close_sectors: {type: array, items: {type: string}}
                open_sectors: {type: array, items: {type: string}}
                sector_price_categories: {type: object, additionalProperties: {type: string}}
                prices: {type: object, additionalProperties: {type: integer}}
                block:
                  type: array
                  items:
                    allOf: [{$ref: '#/components/schemas/SeatRef'}]
                    properties: {reason: {type: string}}
                    required: [reason]
                unblock: {type: array, items: {$ref: '#/components/schemas/SeatRef'}}
                reason: {type: string}
            ConfigVersion:
              type: object
              properties:
                version: {type: integer}
                config: {type: object}
                change: {$ref: '#/components/schemas/ConfigChange'}
                actor: {type: string}
                reason: {type: [string, "null"]}
                created_at: {type: string, format: date-time}
            DiffEntry:
              type: object
              properties:
                kind: {type: string, enum: [sector_opened, sector_closed, sector_price_category, price, seat_blocked, seat_unblocked]}
                target: {type: string}
                from: {type: [string, "null"]}
                to: {type: [string, "null"]}
            Availability:
              type: object
              properties:
                match_id: {type: integer}
                seats_left: {type: integer}
                sectors:
                  type: array
                  items:
                    type: object
                    properties:
                      code: {type: string}
                      name: {type: string}
                      stand: {type: string}
                      gate: {type: string}
                      kind: {type: string, enum: [numbered, standing, unassigned]}
                      open: {type: boolean}
                      price_category: {type: string}
                      price_cents: {type: [integer, "null"]}
                      available: {type: integer}
                      held: {type: integer}
                      sold: {type: integer}
                      blocked: {type: integer}
            SectorMap:
              type: object
              properties:
                sector: {type: string}
                kind: {type: string}
                open: {type: boolean}
                seats:
                  type: array
                  items:
                    type: object
                    properties:
                      unit_id: {type: integer}
                      row: {type: [string, "null"]}
                      seat: {type: [string, "null"]}
                      number: {type: [integer, "null"]}
                      x: {type: [number, "null"]}
                      y: {type: [number, "null"]}
                      status: {type: string, enum: [available, held, sold, blocked]}
                      accessible: {type: boolean}
                      restricted_view: {type: boolean}
            HoldRequest:
              oneOf:
                - type: object
                  required: [sector, quantity]
                  properties:
                    sector: {type: string}
                    quantity: {type: integer, minimum: 1, maximum: 50}
                - type: object
                  required: [seats]
                  properties:
                    seats: {type: array, items: {type: integer}, minItems: 1, maxItems: 50}
            Hold:
              type: object
              properties:
                id: {type: string, format: uuid}
                match_id: {type: integer}
                buyer_id: {type: string}
                sector: {type: string}
                state: {type: string, enum: [active, released, expired, sold]}
                expires_at: {type: string, format: date-time}
                seats:
                  type: array
                  items:
                    type: object
                    properties:
                      unit_id: {type: integer}
                      sector: {type: string}
                      row: {type: [string, "null"]}
                      seat: {type: [string, "null"]}
        paths:
          /healthz:
            get:
              summary: Alive
              security: []
              responses: {'200': {description: alive}}
          /readyz:
            get:
              summary: Ready while PostgreSQL and Redis answer
              security: []
              responses: {'200': {description: ready}, '503': {description: a dependency does not answer}}
          /metrics:
            get:
              summary: Prometheus metrics
              security: []
              responses: {'200': {description: text exposition format}}
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses: {'200': {description: OpenAPI 3.1}}
          /api/v1/me/profile:
            get:
              summary: My ticketing profile
              x-hns-role: customer
              responses:
                '200': {description: the profile, content: {application/json: {schema: {$ref: '#/components/schemas/Profile'}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            put:
              summary: Create or replace my profile (OIB and passport validated)
              x-hns-role: customer
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Profile'}}}}
              responses:
                '200': {description: saved, content: {application/json: {schema: {$ref: '#/components/schemas/Profile'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/stadiums:
            get:
              summary: Stadium templates (admin)
              x-hns-role: admin
              responses:
                '200': {description: list, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/StadiumSummary'}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Import a stadium template (admin)
              x-hns-role: admin
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/StadiumTemplate'}}}}
              responses:
                '201': {description: imported, content: {application/json: {schema: {$ref: '#/components/schemas/StadiumSummary'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/stadiums/{stadiumId}:
            get:
              summary: Export a stadium template (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/stadiumId'}]
              responses:
                '200': {description: the template as imported, content: {application/json: {schema: {$ref: '#/components/schemas/StadiumTemplate'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/matches:
            get:
              summary: Published matches
              security: []
              responses: {'200': {description: list, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Match'}}}}}}
          /api/v1/matches/{matchId}:
            get:
              summary: One published match
              security: []
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: the match, content: {application/json: {schema: {$ref: '#/components/schemas/Match'}}}}
                '404': {$ref: '#/components/responses/Problem'}
          /api/v1/matches/{matchId}/availability:
            get:
              summary: Seats left per sector and price (served from Redis, exact)
              security: []
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: availability, content: {application/json: {schema: {$ref: '#/components/schemas/Availability'}}}}
                '404': {$ref: '#/components/responses/Problem'}
          /api/v1/matches/{matchId}/sectors/{sector}/seats:
            get:
              summary: Seat map of one sector with statuses
              security: []
              parameters: [{$ref: '#/components/parameters/matchId'}, {$ref: '#/components/parameters/sector'}]
              responses:
                '200': {description: seats in snake order, content: {application/json: {schema: {$ref: '#/components/schemas/SectorMap'}}}}
                '404': {$ref: '#/components/responses/Problem'}
          /api/v1/matches/{matchId}/holds:
            post:
              summary: Hold N best-available seats in a sector, or chosen seats, for 15 minutes
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/matchId'}, {$ref: '#/components/parameters/idempotencyKey'}, {$ref: '#/components/parameters/purchaseToken'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/HoldRequest'}}}}
              responses:
                '201': {description: held, content: {application/json: {schema: {$ref: '#/components/schemas/Hold'}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /api/v1/holds/{holdId}:
            get:
              summary: One of my holds
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/holdId'}]
              responses:
                '200': {description: the hold, content: {application/json: {schema: {$ref: '#/components/schemas/Hold'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            delete:
              summary: Cancel my hold; its seats are free at once
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/holdId'}]
              responses:
                '204': {description: released}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches:
            get:
              summary: All matches, drafts included (admin)
              x-hns-role: admin
              responses:
                '200': {description: list, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Match'}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Create a match (admin); HOME copies the stadium template into inventory, AWAY starts as capacity
              x-hns-role: admin
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/MatchCreate'}}}}
              responses:
                '201': {description: created in draft, content: {application/json: {schema: {$ref: '#/components/schemas/Match'}}}}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}:
            patch:
              summary: Change kick-off, sales phases or the per-buyer limit (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/MatchUpdate'}}}}
              responses:
                '200': {description: updated, content: {application/json: {schema: {$ref: '#/components/schemas/Match'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/state:
            post:
              summary: Move the match through its state machine (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [state]
                      properties:
                        state: {type: string, enum: [draft, published, on_sale, sold_out, closed, cancelled]}
                        reason: {type: string}
              responses:
                '200': {description: moved, content: {application/json: {schema: {$ref: '#/components/schemas/Match'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/config:
            get:
              summary: The current configuration version (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: current version, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigVersion'}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Change the configuration; refused with the list of conflicts if it touches held or sold seats (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigChange'}}}}
              responses:
                '201': {description: the new version, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigVersion'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/config/versions:
            get:
              summary: Every configuration version (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: versions, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/ConfigVersion'}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/config/versions/{version}/diff:
            get:
              summary: What a version changed from the one before (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}, {$ref: '#/components/parameters/version'}]
              responses:
                '200': {description: diff, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/DiffEntry'}}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/seat-map:
            post:
              summary: AWAY match — attach a seat map and seat every unit by the snake algorithm (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody:
                required: true
                content: {application/json: {schema: {type: object, required: [stadium_id], properties: {stadium_id: {type: integer}}}}}
              responses:
                '200': {description: seated, content: {application/json: {schema: {type: object, properties: {match: {$ref: '#/components/schemas/Match'}, assigned_units: {type: integer}}}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/orders:
            get:
              summary: My orders, newest first
              x-hns-role: customer
              responses:
                '200': {description: orders, content: {application/json: {schema: {type: object, properties: {orders: {type: array, items: {$ref: '#/components/schemas/Order'}}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Order the seats of my active hold, one ticket holder per seat (OIB check, blacklist, one ticket per person per match)
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/idempotencyKey'}, {$ref: '#/components/parameters/purchaseToken'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/OrderCreate'}}}}
              responses:
                '201': {description: created in seats_held, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}:
            get:
              summary: One of my orders; with `wait`, a long poll for its payment's outcome
              x-hns-role: customer
              parameters:
                - {$ref: '#/components/parameters/orderId'}
                - name: wait
                  in: query
                  description: >-
                    Seconds (0–30). While the order is open (created, seats_held, awaiting_payment) the answer
                    waits up to this long for it to settle (tickets_issued, payment_failed, expired, cancelled)
                    and comes as soon as it does; an order that is not open answers at once.
                  schema: {type: integer, minimum: 0, maximum: 30}
              responses:
                '200': {description: the order, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}/payment:
            post:
              summary: Start paying (creates the Stripe PaymentIntent; the hold then waits for its outcome)
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/orderId'}, {$ref: '#/components/parameters/idempotencyKey'}, {$ref: '#/components/parameters/purchaseToken'}]
              responses:
                '201': {description: pay with the client secret, content: {application/json: {schema: {$ref: '#/components/schemas/PaymentStart'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}/cancel:
            post:
              summary: Give up an unpaid order; its PaymentIntent is cancelled and the seats go back
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/orderId'}]
              responses:
                '200': {description: cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
                '409': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/wallet/tickets:
            get:
              summary: My tickets (also those sent to my email); the QR from kick-off − 5 h
              x-hns-role: customer
              responses:
                '200': {description: tickets, content: {application/json: {schema: {type: object, properties: {tickets: {type: array, items: {$ref: '#/components/schemas/WalletTicket'}}}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/blacklist:
            get:
              summary: The blacklist (admin)
              x-hns-role: admin
              responses:
                '200': {description: entries, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/BlacklistEntry'}}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Add a person by OIB, passport, or name and date of birth (admin)
              x-hns-role: admin
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/BlacklistEntry'}}}}
              responses:
                '201': {description: added, content: {application/json: {schema: {$ref: '#/components/schemas/BlacklistEntry'}}}}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/blacklist/import:
            post:
              summary: Import a CSV (header from oib, passport_country, passport_number, first_name, last_name, date_of_birth, reason); all or nothing (admin)
              x-hns-role: admin
              requestBody: {required: true, content: {text/csv: {schema: {type: string}}}}
              responses:
                '201': {description: imported, content: {application/json: {schema: {type: object, properties: {imported: {type: integer}}}}}}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/blacklist/{id}:
            delete:
              summary: Remove an entry that has no recorded refusals (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/blacklistId'}]
              responses:
                '204': {description: removed}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/blacklist/hits:
            get:
              summary: Refused orders and why, newest first (admin)
              x-hns-role: admin
              responses:
                '200': {description: hits, content: {application/json: {schema: {type: object}}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/webhooks/nats:
            post:
              summary: The backend's catch-all bus subscription (our domain events); checked and acknowledged
              security: [{busDelivery: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/BusEnvelope'}}}}
              responses:
                '204': {description: acknowledged}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /webhooks/stripe:
            post:
              summary: Stripe events as the event bus delivers them (envelope {subject, data, timestamp, message_id}); Bearer = the bus subscription token
              security: [{busDelivery: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/BusEnvelope'}}}}
              responses:
                '200': {description: handled (or a duplicate), content: {application/json: {schema: {type: object, properties: {outcome: {type: string}}}}}}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
        """#
}
