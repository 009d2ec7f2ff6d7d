/// hns-stripe-router's API as served at `GET /openapi.yaml`. A test keeps its operations equal to the
/// router's routes and its `x-problem-types` equal to `RouterProblems.all`.
enum RouterOpenAPI {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: hns-stripe-router
          version: 1.0.0
          description: |
            The one Stripe webhook endpoint: the signature is verified once, the event is routed by
            data.object.metadata.site (docs/contracts.md) and published to the event bus before the answer.
            Every error is application/problem+json.
        components:
          securitySchemes:
            stripeSignature: {type: apiKey, in: header, name: Stripe-Signature, description: 't=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">'}
          schemas:
            StripeEvent:
              type: object
              required: [id, type]
              properties:
                id: {type: string, minLength: 1, maxLength: 255}
                type: {type: string, minLength: 1, maxLength: 255}
                data: {type: object, properties: {object: {type: object, properties: {metadata: {type: object, properties: {site: {type: string}}}}}}}
          x-problem-types:
            - {type: 'https://hns.hr/problems/not-an-event', status: 400, title: 'Not a Stripe event'}
            - {type: 'https://hns.hr/problems/bus-unavailable', status: 500, title: 'Event bus unavailable'}
            - {type: 'https://hns.hr/problems/signature-missing', status: 400, title: 'Invalid Stripe signature'}
            - {type: 'https://hns.hr/problems/signature-malformed', status: 400, title: 'Invalid Stripe signature'}
            - {type: 'https://hns.hr/problems/signature-no-v1', status: 400, title: 'Invalid Stripe signature'}
            - {type: 'https://hns.hr/problems/signature-timestamp', status: 400, title: 'Invalid Stripe signature'}
            - {type: 'https://hns.hr/problems/signature-mismatch', status: 400, title: 'Invalid Stripe signature'}
        paths:
          /webhook/stripe:
            post:
              summary: A Stripe event, published to the bus under the subject its site routes to
              security: [{stripeSignature: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/StripeEvent'}}}}
              responses:
                '200':
                  description: stored on the bus (routed, or parked as stripe.unroutable)
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [received, routed, subject, seq, duplicate]
                        properties:
                          received: {type: boolean}
                          routed: {type: boolean}
                          subject: {type: string}
                          seq: {type: integer}
                          duplicate: {type: boolean}
                '400': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '500': {$ref: '#/components/responses/Problem'}
        """#
}
