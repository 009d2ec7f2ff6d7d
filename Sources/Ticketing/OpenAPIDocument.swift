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

            Request schemas describe what the server accepts. Every JSON body first meets the body rules: no
            control character (but tab, line feed and carriage return) in any string or member name, and no
            string longer than 10000 characters; members a schema does not name are ignored, whatever they
            hold, as long as they meet those rules. Where the server trims spaces or upper-cases a value
            before checking it, a pattern describes the canonical form. Rules that JSON Schema cannot state
            (check digits, uniqueness of codes and labels, one date after another, what exists in the
            database) are written in the descriptions.
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
            matchId:
              name: matchId
              in: path
              required: true
              description: a match id (a positive 64-bit integer; anything else names no match, 404)
              schema: {type: integer, minimum: 1, maximum: 9223372036854775807}
            stadiumId:
              name: stadiumId
              in: path
              required: true
              schema: {type: integer, minimum: 1, maximum: 9223372036854775807}
            holdId:
              name: holdId
              in: path
              required: true
              schema: {$ref: '#/components/schemas/Uuid'}
            sector:
              name: sector
              in: path
              required: true
              description: a sector code of the match
              schema: {$ref: '#/components/schemas/SectorCode'}
            version:
              name: version
              in: path
              required: true
              schema: {type: integer, minimum: 1, maximum: 9223372036854775807}
            orderId:
              name: orderId
              in: path
              required: true
              schema: {$ref: '#/components/schemas/Uuid'}
            ticketId:
              name: ticketId
              in: path
              required: true
              schema: {$ref: '#/components/schemas/Uuid'}
            quotaId:
              name: quotaId
              in: path
              required: true
              schema: {$ref: '#/components/schemas/Uuid'}
            refundId:
              name: refundId
              in: path
              required: true
              schema: {$ref: '#/components/schemas/Uuid'}
            blacklistId:
              name: id
              in: path
              required: true
              schema: {type: integer, minimum: 1, maximum: 9223372036854775807}
            idempotencyKey:
              name: Idempotency-Key
              in: header
              required: false
              description: >-
                1 to 255 characters. A retry with the same key and body gets the first answer again (header
                Idempotent-Replayed true); the same key with another body is refused (422, idempotency-key-reused).
              schema:
                type: string
                minLength: 1
                maxLength: 255
                pattern: '^[\u0021-\u007E]([\u0020-\u007E]{0,253}[\u0021-\u007E])?$'
            purchaseToken:
              name: X-Purchase-Token
              in: header
              required: false
              description: The queue's purchase token; required while the match's waiting room is active (403 when it is missing or invalid)
              schema: {type: string}
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
            - {type: 'https://hns.hr/problems/ticket-not-transferable', status: 409, title: 'Ticket cannot be transferred'}
            - {type: 'https://hns.hr/problems/transfer-frozen', status: 409, title: 'Transfers closed for this match'}
            - {type: 'https://hns.hr/problems/order-not-refundable', status: 409, title: 'Order cannot be refunded'}
            - {type: 'https://hns.hr/problems/ticket-not-refundable', status: 409, title: 'Ticket cannot be refunded'}
            - {type: 'https://hns.hr/problems/refund-not-retryable', status: 409, title: 'Refund cannot be retried'}
            - {type: 'https://hns.hr/problems/invoice-not-issued', status: 409, title: 'Invoice not issued yet'}
            - {type: 'https://hns.hr/problems/document-not-retryable', status: 409, title: 'Document cannot be retried'}
            - {type: 'https://hns.hr/problems/receivable-closed', status: 409, title: 'Receivable closed'}
            - {type: 'https://hns.hr/problems/pin-held-elsewhere', status: 409, title: 'PIN held at another till'}
            - {type: 'https://hns.hr/problems/petrol-hold-ended', status: 409, title: 'Till hold ended'}
            - {type: 'https://hns.hr/problems/pin-closed', status: 409, title: 'PIN no longer usable'}
            - {type: 'https://hns.hr/problems/quota-closed', status: 409, title: 'Quota closed'}
            - {type: 'https://hns.hr/problems/delegation-not-allowed', status: 409, title: 'Delegation not allowed'}
            - {type: 'https://hns.hr/problems/quota-seats-not-free', status: 409, title: 'Not enough free quota seats'}
            - {type: 'https://hns.hr/problems/credit-limit', status: 409, title: 'Credit limit reached'}
            - {type: 'https://hns.hr/problems/rate-limited', status: 429, title: 'Too many requests'}
            - {type: 'https://hns.hr/problems/purchase-window-ended', status: 403, title: 'Purchase window ended'}
            - {type: 'https://hns.hr/problems/purchase-token-invalid', status: 403, title: 'Purchase token invalid'}
          headers:
            IdempotentReplayed:
              description: true when the answer is the stored answer to an earlier request with the same Idempotency-Key
              required: false
              schema: {type: string, enum: ['true']}
          responses:
            Problem:
              description: An RFC 9457 problem.
              content:
                application/problem+json:
                  schema: {$ref: '#/components/schemas/Problem'}
            RateLimited:
              description: Too many purchase calls by this user or from this address (problem type rate-limited).
              headers:
                Retry-After:
                  description: seconds until the window that refused the call ends
                  required: true
                  schema: {type: string, pattern: '^[1-9][0-9]*$'}
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
            # ---- Building blocks of the request schemas ----
            Text:
              description: Any text the body rules admit (no control character but tab, line feed and carriage return; at most 10000 characters).
              type: string
              maxLength: 10000
              pattern: '^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$'
            Blank:
              description: >-
                No value: null, empty, or only spaces (the whitespace the server trims: space, tab, no-break space
                and the other Unicode space separators), which the server takes as absent.
              type: [string, 'null']
              maxLength: 10000
              pattern: '^[\u0009\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]*$'
            NonBlank:
              description: Text with something besides the spaces the server trims (space, tab, Unicode space separators) before checking it.
              type: string
              maxLength: 10000
              pattern: "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u0020\\u007F-\
                \\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
            Label:
              description: >-
                Text that is not blank by Swift's reading: it starts with something other than whitespace
                (line breaks count as whitespace), or holds a character that is neither whitespace nor a
                combining mark (a mark after whitespace is read as part of that whitespace).
              type: string
              maxLength: 10000
              pattern: "^([^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]|[^\\u0000-\\u0008\\u000B\
                \\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u0300-\\u036F\\u0483-\\u0489\\u0591-\\u05BD\
                \\u05BF\\u05C1\\u05C2\\u05C4\\u05C5\\u05C7\\u0610-\\u061A\\u064B-\\u065F\\u0670\\u06D6-\\u06DC\\u06DF-\\u06E4\\u06E7\
                \\u06E8\\u06EA-\\u06ED\\u0711\\u0730-\\u074A\\u07A6-\\u07B0\\u07EB-\\u07F3\\u07FD\\u0816-\\u0819\\u081B-\\u0823\\u0825\
                -\\u0827\\u0829-\\u082D\\u0859-\\u085B\\u0898-\\u089F\\u08CA-\\u08E1\\u08E3-\\u0903\\u093A-\\u093C\\u093E-\\u094F\
                \\u0951-\\u0957\\u0962\\u0963\\u0981-\\u0983\\u09BC\\u09BE-\\u09C4\\u09C7\\u09C8\\u09CB-\\u09CD\\u09D7\\u09E2\\u09E3\
                \\u09FE\\u0A01-\\u0A03\\u0A3C\\u0A3E-\\u0A42\\u0A47\\u0A48\\u0A4B-\\u0A4D\\u0A51\\u0A70\\u0A71\\u0A75\\u0A81-\\u0A83\
                \\u0ABC\\u0ABE-\\u0AC5\\u0AC7-\\u0AC9\\u0ACB-\\u0ACD\\u0AE2\\u0AE3\\u0AFA-\\u0AFF\\u0B01-\\u0B03\\u0B3C\\u0B3E-\\u0B44\
                \\u0B47\\u0B48\\u0B4B-\\u0B4D\\u0B55-\\u0B57\\u0B62\\u0B63\\u0B82\\u0BBE-\\u0BC2\\u0BC6-\\u0BC8\\u0BCA-\\u0BCD\\u0BD7\
                \\u0C00-\\u0C04\\u0C3C\\u0C3E-\\u0C44\\u0C46-\\u0C48\\u0C4A-\\u0C4D\\u0C55\\u0C56\\u0C62\\u0C63\\u0C81-\\u0C83\\u0CBC\
                \\u0CBE-\\u0CC4\\u0CC6-\\u0CC8\\u0CCA-\\u0CCD\\u0CD5\\u0CD6\\u0CE2\\u0CE3\\u0D00-\\u0D03\\u0D3B\\u0D3C\\u0D3E-\\u0D44\
                \\u0D46-\\u0D48\\u0D4A-\\u0D4D\\u0D57\\u0D62\\u0D63\\u0D81-\\u0D83\\u0DCA\\u0DCF-\\u0DD4\\u0DD6\\u0DD8-\\u0DDF\\u0DF2\
                \\u0DF3\\u0E31\\u0E33-\\u0E3A\\u0E47-\\u0E4E\\u0EB1\\u0EB3-\\u0EBC\\u0EC8-\\u0ECD\\u0F18\\u0F19\\u0F35\\u0F37\\u0F39\
                \\u0F3E\\u0F3F\\u0F71-\\u0F84\\u0F86\\u0F87\\u0F8D-\\u0F97\\u0F99-\\u0FBC\\u0FC6\\u102B-\\u103E\\u1056-\\u1059\\u105E-\
                \\u1060\\u1062-\\u1064\\u1067-\\u106D\\u1071-\\u1074\\u1082-\\u108D\\u108F\\u109A-\\u109D\\u135D-\\u135F\\u1680\\u1712\
                -\\u1715\\u1732-\\u1734\\u1752\\u1753\\u1772\\u1773\\u17B4-\\u17D3\\u17DD\\u180B-\\u180D\\u180F\\u1885\\u1886\\u18A9\
                \\u1920-\\u192B\\u1930-\\u193B\\u1A17-\\u1A1B\\u1A55-\\u1A5E\\u1A60-\\u1A7C\\u1A7F\\u1AB0-\\u1ACE\\u1B00-\\u1B04\
                \\u1B34-\\u1B44\\u1B6B-\\u1B73\\u1B80-\\u1B82\\u1BA1-\\u1BAD\\u1BE6-\\u1BF3\\u1C24-\\u1C37\\u1CD0-\\u1CD2\\u1CD4-\
                \\u1CE8\\u1CED\\u1CF4\\u1CF7-\\u1CF9\\u1DC0-\\u1DFF\\u2000-\\u200A\\u200C\\u200D\\u2028\\u2029\\u202F\\u205F\\u20D0-\
                \\u20F0\\u2CEF-\\u2CF1\\u2D7F\\u2DE0-\\u2DFF\\u3000\\u302A-\\u302F\\u3099\\u309A\\uA66F-\\uA672\\uA674-\\uA67D\\uA69E\
                \\uA69F\\uA6F0\\uA6F1\\uA802\\uA806\\uA80B\\uA823-\\uA827\\uA82C\\uA880\\uA881\\uA8B4-\\uA8C5\\uA8E0-\\uA8F1\\uA8FF\
                \\uA926-\\uA92D\\uA947-\\uA953\\uA980-\\uA983\\uA9B3-\\uA9C0\\uA9E5\\uAA29-\\uAA36\\uAA43\\uAA4C\\uAA4D\\uAA7B-\\uAA7D\
                \\uAAB0\\uAAB2-\\uAAB4\\uAAB7\\uAAB8\\uAABE\\uAABF\\uAAC1\\uAAEB-\\uAAEF\\uAAF5\\uAAF6\\uABE3-\\uABEA\\uABEC\\uABED\
                \\uFB1E\\uFE00-\\uFE0F\\uFE20-\\uFE2F\\uFF9E\\uFF9F\\U000101FD\\U000102E0\\U00010376-\\U0001037A\\U00010A01-\
                \\U00010A03\\U00010A05\\U00010A06\\U00010A0C-\\U00010A0F\\U00010A38-\\U00010A3A\\U00010A3F\\U00010AE5\\U00010AE6\
                \\U00010D24-\\U00010D27\\U00010EAB\\U00010EAC\\U00010F46-\\U00010F50\\U00010F82-\\U00010F85\\U00011000-\\U00011002\
                \\U00011038-\\U00011046\\U00011070\\U00011073\\U00011074\\U0001107F-\\U00011082\\U000110B0-\\U000110BA\\U000110C2\
                \\U00011100-\\U00011102\\U00011127-\\U00011134\\U00011145\\U00011146\\U00011173\\U00011180-\\U00011182\\U000111B3-\
                \\U000111C0\\U000111C9-\\U000111CC\\U000111CE\\U000111CF\\U0001122C-\\U00011237\\U0001123E\\U000112DF-\\U000112EA\
                \\U00011300-\\U00011303\\U0001133B\\U0001133C\\U0001133E-\\U00011344\\U00011347\\U00011348\\U0001134B-\\U0001134D\
                \\U00011357\\U00011362\\U00011363\\U00011366-\\U0001136C\\U00011370-\\U00011374\\U00011435-\\U00011446\\U0001145E\
                \\U000114B0-\\U000114C3\\U000115AF-\\U000115B5\\U000115B8-\\U000115C0\\U000115DC\\U000115DD\\U00011630-\\U00011640\
                \\U000116AB-\\U000116B7\\U0001171D-\\U0001172B\\U0001182C-\\U0001183A\\U00011930-\\U00011935\\U00011937\\U00011938\
                \\U0001193B-\\U0001193E\\U00011940\\U00011942\\U00011943\\U000119D1-\\U000119D7\\U000119DA-\\U000119E0\\U000119E4\
                \\U00011A01-\\U00011A0A\\U00011A33-\\U00011A39\\U00011A3B-\\U00011A3E\\U00011A47\\U00011A51-\\U00011A5B\\U00011A8A-\
                \\U00011A99\\U00011C2F-\\U00011C36\\U00011C38-\\U00011C3F\\U00011C92-\\U00011CA7\\U00011CA9-\\U00011CB6\\U00011D31-\
                \\U00011D36\\U00011D3A\\U00011D3C\\U00011D3D\\U00011D3F-\\U00011D45\\U00011D47\\U00011D8A-\\U00011D8E\\U00011D90\
                \\U00011D91\\U00011D93-\\U00011D97\\U00011EF3-\\U00011EF6\\U00016AF0-\\U00016AF4\\U00016B30-\\U00016B36\\U00016F4F\
                \\U00016F51-\\U00016F87\\U00016F8F-\\U00016F92\\U00016FE4\\U00016FF0\\U00016FF1\\U0001BC9D\\U0001BC9E\\U0001CF00-\
                \\U0001CF2D\\U0001CF30-\\U0001CF46\\U0001D165-\\U0001D169\\U0001D16D-\\U0001D172\\U0001D17B-\\U0001D182\\U0001D185-\
                \\U0001D18B\\U0001D1AA-\\U0001D1AD\\U0001D242-\\U0001D244\\U0001DA00-\\U0001DA36\\U0001DA3B-\\U0001DA6C\\U0001DA75\
                \\U0001DA84\\U0001DA9B-\\U0001DA9F\\U0001DAA1-\\U0001DAAF\\U0001E000-\\U0001E006\\U0001E008-\\U0001E018\\U0001E01B-\
                \\U0001E021\\U0001E023\\U0001E024\\U0001E026-\\U0001E02A\\U0001E130-\\U0001E136\\U0001E2AE\\U0001E2EC-\\U0001E2EF\
                \\U0001E8D0-\\U0001E8D6\\U0001E944-\\U0001E94A\\U0001F3FB-\\U0001F3FF\\U000E0020-\\U000E007F\\U000E0100-\\U000E01EF])[\
                ^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
            PersonName:
              description: A first or last name; 1 to 100 characters once the surrounding spaces and tabs are trimmed.
              type: string
              maxLength: 10000
              pattern: "^[\\u0009\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[^\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u0020\
                \\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]([^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\
                \\u009F]{0,98}[^\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000\
                ])?[\\u0009\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*$"
            Phone:
              description: An international number such as +385911234567 (spaces are removed first); blank or null for none.
              type: [string, 'null']
              maxLength: 10000
              pattern: '^ *(\+ *[1-9]( *[0-9]){6,14} *)?$'
            DeliverToEmail:
              description: The ticket appears in the wallet of whoever signs in with this address; blank or null for none.
              anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/Email'}]
            OIB:
              description: >-
                An OIB: 11 digits whose last is the ISO 7064 MOD 11,10 check digit of the first ten (e.g. 12345678903);
                one whose check digit is wrong is refused (422). A pattern cannot compute the check digit, so this one
                admits only OIBs whose check is known without it, those made of digit pairs that keep the check at its
                start (06, 13, 21, 39, 47, 55, 64, 72, 80, 98) and ending in 1, e.g. 06132139471: every OIB it admits is
                valid, while the server accepts every valid OIB.
              type: string
              pattern: '^(06|13|21|39|47|55|64|72|80|98){5}1$'
            CountryCode:
              description: An ISO 3166-1 alpha-2 code, or XK (the server trims surrounding whitespace and upper-cases it first).
              type: string
              enum: ['AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
                     'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS',
                     'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN',
                     'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ', 'EC', 'EE',
                     'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF',
                     'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM',
                     'HN', 'HR', 'HT', 'HU', 'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM',
                     'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC',
                     'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK',
                     'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA',
                     'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG',
                     'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW',
                     'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS',
                     'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO',
                     'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI',
                     'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW', 'XK']
            CountryCodeNotHR:
              description: A country code as in CountryCode, but not HR.
              type: string
              enum: ['AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
                     'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS',
                     'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN',
                     'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ', 'EC', 'EE',
                     'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF',
                     'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM',
                     'HN', 'HT', 'HU', 'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM', 'JO',
                     'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI',
                     'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML',
                     'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA', 'NC',
                     'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH',
                     'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW', 'SA',
                     'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST',
                     'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR',
                     'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI', 'VN',
                     'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW', 'XK']
            OtherCountryCode:
              description: A country code as in CountryCode for which no passport form is known here (all but HR, RS, GB, DE, AT, SI, BA, IT, US, FR).
              type: string
              enum: ['AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AU', 'AW', 'AX', 'AZ', 'BB',
                     'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV',
                     'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR',
                     'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DJ', 'DK', 'DM', 'DO', 'DZ', 'EC', 'EE', 'EG', 'EH', 'ER',
                     'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'GA', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM',
                     'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM', 'HN', 'HT', 'HU', 'ID', 'IE',
                     'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM',
                     'KN', 'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV',
                     'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR',
                     'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO',
                     'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS',
                     'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RU', 'RW', 'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SJ',
                     'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG',
                     'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'UY',
                     'UZ', 'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW', 'XK']
            BirthDate:
              description: >-
                A date of birth (YYYY-MM-DD) that is neither in the future nor more than 120 years ago; the window
                moves with the server's clock, so the pattern admits 1910-01-01 to 2024-12-31, which is inside it until 2030.
              type: string
              format: date
              pattern: "^((19[1-9][0-9]|20[01][0-9]|202[0-4])-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-\
                (0[1-9]|1[0-9]|2[0-8]))|(19(1[26]|[2468][048]|[3579][26])|20(0[048]|1[26]|2[04]))-02-29)$"
            CalendarDate:
              description: A date, YYYY-MM-DD, of the Gregorian calendar (years 1583 to 9999).
              type: string
              format: date
              pattern: "^((158[3-9]|159[0-9]|1[6-9][0-9]{2}|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12]\
                [0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|((1[6-9]|[2-9][0-9])(0[48]|[2468][048]|[13579][26])|158[48]|159[26]|(16|[2468][04\
                8]|[3579][26])00)-02-29)$"
            DateTime:
              description: >-
                An RFC 3339 date-time (2026-12-05T19:45:00Z, 2026-12-05t20:45:00.5+01:00): T and Z in either case, any
                number of fractional digits, Z or an offset up to 23:59; no leap second. Before 1582 the server also takes
                29 February of the Julian calendar's leap years, which RFC 3339 does not have (e.g. 1500-02-29).
              type: string
              format: date-time
              pattern: "^(([0-9]{4})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(\
                [0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)-02-29)[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0\
                -5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
            Kickoff:
              description: >-
                A kick-off: Zagreb wall-clock time (2026-12-05T20:45, or with seconds), or a date-time with seconds and Z
                or an offset of at most 18 hours (2026-12-05T19:45:00Z), years 1583 to 9999. The server's date parsers are
                more lenient than this pattern (e.g. they ignore what follows a date-time with an offset).
              type: string
              pattern: "^((158[3-9]|159[0-9]|1[6-9][0-9]{2}|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12]\
                [0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|((1[6-9]|[2-9][0-9])(0[48]|[2468][048]|[13579][26])|158[48]|159[26]|(16|[2468][04\
                8]|[3579][26])00)-02-29)T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00)?)?$"
            SectorCode:
              description: A sector code, 1 to 12 characters of A-Z, 0-9 and -.
              type: string
              pattern: '^[A-Z0-9-]{1,12}$'
            PriceCategory:
              description: A price category code, 1 to 16 characters of A-Z, 0-9 and _ (e.g. CAT1).
              type: string
              pattern: '^[A-Z0-9_]{1,16}$'
            Email:
              description: >-
                An e-mail address as the server checks it: one @, something before it, a dot after it, no space, at most 254
                characters. The pattern describes a plain form of it (letters of the Latin, Greek, Cyrillic and CJK scripts,
                digits and punctuation, without combining marks).
              type: string
              maxLength: 254
              pattern: "^[\\u0021-\\u003F\\u0041-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\
                \\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF]+@[\\u0021-\\u003F\\u0041-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\
                \\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF]*\\.[\\u0021-\\u003F\\u0041-\
                \\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\
                \\u052F\\u4E00-\\u9FFF]*$"
            Prices:
              description: EUR cents by price category
              type: object
              minProperties: 1
              propertyNames: {$ref: '#/components/schemas/PriceCategory'}
              additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
            Uuid:
              type: string
              format: uuid
              pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
            Int64:
              type: integer
              minimum: -9223372036854775808
              maximum: 9223372036854775807
            # ---- Request bodies ----
            ProfileUpdate:
              description: 'A ticketing profile as PUT (other members, e.g. those of the answer, are ignored): a name, a date of birth, a nationality and
                an OIB, a passport, or both; Croatian citizens (HR) need an OIB. A passport is its country and its number together, the number in the form
                that country issues; both blank is no passport. One alternative per case below.'
              anyOf:
              - title: OIB, no passport
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {$ref: '#/components/schemas/Blank'}
                  passport_number: {$ref: '#/components/schemas/Blank'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of HR, RS or GB
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country:
                    enum: [HR, RS, GB]
                  passport_number: {type: string, pattern: '^[0-9]{9}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of DE
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: DE}
                  passport_number: {type: string, pattern: '^[CFGHJKLMNPRTVWXYZ0-9]{9}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of AT
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: AT}
                  passport_number: {type: string, pattern: '^[A-Z][0-9]{7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of SI
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: SI}
                  passport_number: {type: string, pattern: '^(P[0-9]{7}|[A-Z]{2}[0-9]{7})$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of BA
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: BA}
                  passport_number: {type: string, pattern: '^[A-Z]{1,2}[0-9]{6,7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of IT
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: IT}
                  passport_number: {type: string, pattern: '^[A-Z]{2}[0-9]{7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of US
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: US}
                  passport_number: {type: string, pattern: '^([0-9]{9}|[A-Z][0-9]{8})$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of FR
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: FR}
                  passport_number: {type: string, pattern: '^[0-9]{2}[A-Z]{2}[0-9]{5}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: OIB and a passport of another country
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {$ref: '#/components/schemas/OtherCountryCode'}
                  passport_number: {type: string, pattern: '^[A-Z0-9]{5,20}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of HR, RS or GB, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country:
                    enum: [HR, RS, GB]
                  passport_number: {type: string, pattern: '^[0-9]{9}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of DE, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: DE}
                  passport_number: {type: string, pattern: '^[CFGHJKLMNPRTVWXYZ0-9]{9}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of AT, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: AT}
                  passport_number: {type: string, pattern: '^[A-Z][0-9]{7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of SI, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: SI}
                  passport_number: {type: string, pattern: '^(P[0-9]{7}|[A-Z]{2}[0-9]{7})$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of BA, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: BA}
                  passport_number: {type: string, pattern: '^[A-Z]{1,2}[0-9]{6,7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of IT, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: IT}
                  passport_number: {type: string, pattern: '^[A-Z]{2}[0-9]{7}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of US, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: US}
                  passport_number: {type: string, pattern: '^([0-9]{9}|[A-Z][0-9]{8})$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of FR, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: FR}
                  passport_number: {type: string, pattern: '^[0-9]{2}[A-Z]{2}[0-9]{5}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
              - title: a passport of another country, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {$ref: '#/components/schemas/OtherCountryCode'}
                  passport_number: {type: string, pattern: '^[A-Z0-9]{5,20}$'}
                  phone: {$ref: '#/components/schemas/Phone'}
            Attendee:
              description: A ticket holder, identified as for a profile; one alternative per case below.
              anyOf:
              - title: OIB, no passport
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {$ref: '#/components/schemas/Blank'}
                  passport_number: {$ref: '#/components/schemas/Blank'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of HR, RS or GB
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country:
                    enum: [HR, RS, GB]
                  passport_number: {type: string, pattern: '^[0-9]{9}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of DE
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: DE}
                  passport_number: {type: string, pattern: '^[CFGHJKLMNPRTVWXYZ0-9]{9}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of AT
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: AT}
                  passport_number: {type: string, pattern: '^[A-Z][0-9]{7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of SI
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: SI}
                  passport_number: {type: string, pattern: '^(P[0-9]{7}|[A-Z]{2}[0-9]{7})$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of BA
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: BA}
                  passport_number: {type: string, pattern: '^[A-Z]{1,2}[0-9]{6,7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of IT
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: IT}
                  passport_number: {type: string, pattern: '^[A-Z]{2}[0-9]{7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of US
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: US}
                  passport_number: {type: string, pattern: '^([0-9]{9}|[A-Z][0-9]{8})$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of FR
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {const: FR}
                  passport_number: {type: string, pattern: '^[0-9]{2}[A-Z]{2}[0-9]{5}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: OIB and a passport of another country
                type: object
                required: [first_name, last_name, date_of_birth, nationality, oib, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCode'}
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {$ref: '#/components/schemas/OtherCountryCode'}
                  passport_number: {type: string, pattern: '^[A-Z0-9]{5,20}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of HR, RS or GB, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country:
                    enum: [HR, RS, GB]
                  passport_number: {type: string, pattern: '^[0-9]{9}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of DE, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: DE}
                  passport_number: {type: string, pattern: '^[CFGHJKLMNPRTVWXYZ0-9]{9}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of AT, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: AT}
                  passport_number: {type: string, pattern: '^[A-Z][0-9]{7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of SI, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: SI}
                  passport_number: {type: string, pattern: '^(P[0-9]{7}|[A-Z]{2}[0-9]{7})$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of BA, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: BA}
                  passport_number: {type: string, pattern: '^[A-Z]{1,2}[0-9]{6,7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of IT, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: IT}
                  passport_number: {type: string, pattern: '^[A-Z]{2}[0-9]{7}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of US, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: US}
                  passport_number: {type: string, pattern: '^([0-9]{9}|[A-Z][0-9]{8})$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of FR, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {const: FR}
                  passport_number: {type: string, pattern: '^[0-9]{2}[A-Z]{2}[0-9]{5}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
              - title: a passport of another country, no OIB (not for nationality HR)
                type: object
                required: [first_name, last_name, date_of_birth, nationality, passport_country, passport_number]
                properties:
                  first_name: {$ref: '#/components/schemas/PersonName'}
                  last_name: {$ref: '#/components/schemas/PersonName'}
                  date_of_birth: {$ref: '#/components/schemas/BirthDate'}
                  nationality: {$ref: '#/components/schemas/CountryCodeNotHR'}
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {$ref: '#/components/schemas/OtherCountryCode'}
                  passport_number: {type: string, pattern: '^[A-Z0-9]{5,20}$'}
                  deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
            OrderCreate:
              type: object
              required: [hold_id, attendees]
              properties:
                hold_id: {$ref: '#/components/schemas/Uuid'}
                attendees:
                  description: >-
                    One per held seat, in the hold's seat order (a hold has 1 to 50 seats); no two may be the same
                    person (the same OIB, or without one the same passport).
                  type: array
                  minItems: 1
                  maxItems: 50
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/Attendee'}
            QuotaSeats:
              description: Seats per sector, each sector once; the best available together, as a sale picks them.
              type: array
              maxItems: 100
              items:
                type: object
                required: [sector, quantity]
                properties:
                  sector: {$ref: '#/components/schemas/SectorCode'}
                  quantity: {type: integer, minimum: 1, maximum: 50000}
            QuotaUnits:
              description: Seats named by unit id (from the sector's seat map).
              type: array
              maxItems: 50000
              uniqueItems: true
              items: {type: integer, minimum: 1, maximum: 9223372036854775807}
            QuotaCreate:
              description: >-
                A quota (admin): seats per sector and/or named seats (at least one), a price per seat (the sector's full
                price, a reduced price in `reduced_price_cents`, or free), a payment mode (`card`, or `deferred` with a
                credit limit in euro cents), a claim deadline in the future and no later than kick-off, and whether
                owners may delegate (then `max_depth` levels of sub-quotas, 1 to 5). `reduced_price_cents` only with a
                reduced price, `credit_limit_cents` only with deferred payment.
              type: object
              required: [name, owner_email, price, payment_mode, claim_deadline]
              properties:
                name: {$ref: '#/components/schemas/NonBlank', maxLength: 200}
                owner_email: {$ref: '#/components/schemas/Email'}
                sectors: {$ref: '#/components/schemas/QuotaSeats'}
                seats: {$ref: '#/components/schemas/QuotaUnits'}
                price: {type: string, enum: [full, reduced, free]}
                reduced_price_cents: {type: [integer, 'null'], minimum: 1, maximum: 10000000}
                payment_mode: {type: string, enum: [card, deferred]}
                credit_limit_cents: {type: [integer, 'null'], minimum: 0, maximum: 100000000000}
                claim_deadline: {$ref: '#/components/schemas/DateTime'}
                delegation_allowed: {type: [boolean, 'null']}
                max_depth: {type: [integer, 'null'], minimum: 0, maximum: 5}
            SubquotaCreate:
              description: >-
                A sub-quota carved from the owner's free seats for another email (seats per sector or named, one of the
                two), with its own claim deadline in the future and no later than its parent's.
              type: object
              required: [name, owner_email, claim_deadline]
              properties:
                name: {$ref: '#/components/schemas/NonBlank', maxLength: 200}
                owner_email: {$ref: '#/components/schemas/Email'}
                sectors: {$ref: '#/components/schemas/QuotaSeats'}
                seats: {$ref: '#/components/schemas/QuotaUnits'}
                claim_deadline: {$ref: '#/components/schemas/DateTime'}
            QuotaReturn:
              description: Free seats the owner gives back, per sector (those a sale would sell last) or named; one of the two.
              type: object
              properties:
                sectors: {$ref: '#/components/schemas/QuotaSeats'}
                seats: {$ref: '#/components/schemas/QuotaUnits'}
            QuotaClaim:
              description: >-
                Ticket holders for seats of the quota (checked as a purchase's attendees), and either chosen seats (as many
                free seats of this quota as attendees, in one sector; attendees get them in snake order) or none: then the best together, in `sector` or the
                first sector with room for all.
              type: object
              required: [attendees]
              properties:
                attendees:
                  type: array
                  minItems: 1
                  maxItems: 50
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/Attendee'}
                seats:
                  type: [array, 'null']
                  maxItems: 50
                  uniqueItems: true
                  items: {type: integer, minimum: 1, maximum: 9223372036854775807}
                sector: {oneOf: [{$ref: '#/components/schemas/SectorCode'}, {type: 'null'}]}
            QuotaCounts:
              type: object
              required: [allocated, free, claimed, paid, deferred, delegated, returned]
              properties:
                allocated: {type: integer, description: seats the quota has now, its sub-quotas' included}
                free: {type: integer}
                claimed: {type: integer, description: claimed, awaiting the card payment}
                paid: {type: integer, description: paid by card, or free of charge}
                deferred: {type: integer, description: tickets issued on the partner's account, not paid yet}
                delegated: {type: integer, description: what its sub-quotas have}
                returned: {type: integer, description: seats that left it (given back, lapsed, resized, revoked)}
            Quota:
              type: object
              required: [id, match_id, root_id, parent_id, depth, name, owner_email, price, reduced_price_cents, payment_mode, credit_limit_cents,
                deferred_open_cents, claim_deadline, delegation_allowed, max_depth, state, created_at, counts, subquotas]
              properties:
                id: {type: string, format: uuid}
                match_id: {type: integer}
                root_id: {type: string, format: uuid}
                parent_id: {type: [string, 'null'], format: uuid}
                depth: {type: integer}
                name: {type: string}
                owner_email: {type: string}
                price: {type: string, enum: [full, reduced, free]}
                reduced_price_cents: {type: [integer, 'null']}
                payment_mode: {type: string, enum: [card, deferred]}
                credit_limit_cents: {type: [integer, 'null'], description: the root's}
                deferred_open_cents: {type: [integer, 'null'], description: what the partner owes for tickets on account (the root's)}
                claim_deadline: {type: string, format: date-time}
                delegation_allowed: {type: boolean}
                max_depth: {type: integer}
                state: {type: string, enum: [active, lapsing, lapsed, revoked]}
                created_at: {type: string, format: date-time}
                counts: {$ref: '#/components/schemas/QuotaCounts'}
                subquotas: {type: array, items: {$ref: '#/components/schemas/Quota'}}
            QuotaDetail:
              type: object
              required: [quota, seats]
              properties:
                quota: {$ref: '#/components/schemas/Quota'}
                seats:
                  type: array
                  items:
                    type: object
                    required: [unit_id, sector, row, seat, state, subquota_id, order_id]
                    properties:
                      unit_id: {type: integer}
                      sector: {type: string}
                      row: {type: [string, 'null']}
                      seat: {type: [string, 'null']}
                      state: {type: string, enum: [free, claimed, paid, deferred, delegated]}
                      subquota_id: {type: [string, 'null'], format: uuid, description: the sub-quota (a direct child) that has a delegated seat}
                      order_id: {type: [string, 'null'], format: uuid}
            QuotaClaimAnswer:
              type: object
              required: [id, quota_id, order_id, order_state, payment_terms, unit_price_cents, amount_cents, currency, hold_expires_at, seats, ticket_ids]
              properties:
                id: {type: string, format: uuid}
                quota_id: {type: string, format: uuid}
                order_id: {type: string, format: uuid}
                order_state: {type: string, enum: [seats_held, tickets_issued], description: 'seats_held: pay it with POST /api/v1/quotas/{quota_id}/claims/{id}/payment'}
                payment_terms: {type: string, enum: [card, deferred, free]}
                unit_price_cents: {type: integer}
                amount_cents: {type: integer}
                currency: {type: string}
                hold_expires_at: {type: [string, 'null'], format: date-time}
                seats:
                  type: array
                  items:
                    type: object
                    required: [unit_id, sector, attendee]
                    properties:
                      unit_id: {type: integer}
                      sector: {type: string}
                      row: {type: string}
                      seat: {type: string}
                      attendee: {type: string}
                ticket_ids: {type: array, items: {type: string, format: uuid}}
            QuotaMatchReport:
              type: object
              required: [match_id, totals, by_owner, quotas]
              properties:
                match_id: {type: integer}
                totals: {$ref: '#/components/schemas/QuotaCounts'}
                by_owner:
                  type: array
                  items:
                    type: object
                    required: [owner_email, quotas, counts]
                    properties:
                      owner_email: {type: string}
                      quotas: {type: integer}
                      counts: {$ref: '#/components/schemas/QuotaCounts'}
                quotas: {type: array, items: {$ref: '#/components/schemas/Quota'}}
            BlacklistEntryInput:
              description: 'A blacklist entry as POSTed: an OIB, a passport (country and number together), or first name, last name and date of birth; blank
                fields count as absent. id, added_by and created_at are the server''s and ignored.'
              anyOf:
              - title: by OIB, no passport
                type: object
                required: [reason, oib]
                properties:
                  oib: {$ref: '#/components/schemas/OIB'}
                  passport_country: {$ref: '#/components/schemas/Blank'}
                  passport_number: {$ref: '#/components/schemas/Blank'}
                  first_name:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/NonBlank'}]
                  last_name:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/NonBlank'}]
                  date_of_birth:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/CalendarDate'}]
                  id:
                    description: ignored
                    type: [integer, 'null']
                    minimum: -9223372036854775808
                    maximum: 9223372036854775807
                  added_by:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                  created_at:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/DateTime'}, {type: 'null'}]
                  reason: {$ref: '#/components/schemas/NonBlank'}
              - title: by name and date of birth, no OIB or passport
                type: object
                required: [reason, first_name, last_name, date_of_birth]
                properties:
                  oib: {$ref: '#/components/schemas/Blank'}
                  passport_country: {$ref: '#/components/schemas/Blank'}
                  passport_number: {$ref: '#/components/schemas/Blank'}
                  first_name: {$ref: '#/components/schemas/NonBlank'}
                  last_name: {$ref: '#/components/schemas/NonBlank'}
                  date_of_birth: {$ref: '#/components/schemas/CalendarDate'}
                  id:
                    description: ignored
                    type: [integer, 'null']
                    minimum: -9223372036854775808
                    maximum: 9223372036854775807
                  added_by:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                  created_at:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/DateTime'}, {type: 'null'}]
                  reason: {$ref: '#/components/schemas/NonBlank'}
              - title: by passport
                type: object
                required: [reason, passport_country, passport_number]
                properties:
                  oib:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/OIB'}]
                  passport_country: {$ref: '#/components/schemas/CountryCode'}
                  passport_number: {$ref: '#/components/schemas/NonBlank'}
                  first_name:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/NonBlank'}]
                  last_name:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/NonBlank'}]
                  date_of_birth:
                    anyOf: [{$ref: '#/components/schemas/Blank'}, {$ref: '#/components/schemas/CalendarDate'}]
                  id:
                    description: ignored
                    type: [integer, 'null']
                    minimum: -9223372036854775808
                    maximum: 9223372036854775807
                  added_by:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                  created_at:
                    description: ignored
                    anyOf: [{$ref: '#/components/schemas/DateTime'}, {type: 'null'}]
                  reason: {$ref: '#/components/schemas/NonBlank'}
            StadiumTemplate:
              description: >-
                A stadium template (imported, and exported as imported). Sector codes are unique within the template,
                row labels within a sector, seat labels and seat numbers within a row, snake orders within a sector.
              type: object
              required: [code, name, city, sectors]
              properties:
                code: {type: string, pattern: '^[a-z0-9-]{2,40}$'}
                name: {$ref: '#/components/schemas/Label'}
                city: {$ref: '#/components/schemas/Label'}
                sectors:
                  type: array
                  minItems: 1
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/StadiumSector'}
            StadiumSector:
              description: A numbered sector has rows of seats and no capacity; a standing sector has a capacity and no rows.
              anyOf:
              - title: numbered
                type: object
                required: [code, name, stand, gate, price_category, kind, rows]
                properties:
                  code: {$ref: '#/components/schemas/SectorCode'}
                  name: {$ref: '#/components/schemas/Label'}
                  stand: {$ref: '#/components/schemas/Label'}
                  gate: {$ref: '#/components/schemas/Label'}
                  price_category: {$ref: '#/components/schemas/PriceCategory'}
                  kind: {const: numbered}
                  capacity: {type: 'null'}
                  rows:
                    type: array
                    minItems: 1
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/StadiumRow'}
              - title: standing
                type: object
                required: [code, name, stand, gate, price_category, kind, capacity]
                properties:
                  code: {$ref: '#/components/schemas/SectorCode'}
                  name: {$ref: '#/components/schemas/Label'}
                  stand: {$ref: '#/components/schemas/Label'}
                  gate: {$ref: '#/components/schemas/Label'}
                  price_category: {$ref: '#/components/schemas/PriceCategory'}
                  kind: {const: standing}
                  capacity: {type: integer, minimum: 1, maximum: 100000}
                  rows:
                    type: [array, 'null']
                    maxItems: 0
            StadiumRow:
              type: object
              required: [label, row_priority, seats]
              properties:
                label: {$ref: '#/components/schemas/Label'}
                row_priority: {type: integer, minimum: 1, maximum: 2147483647, description: lower is better}
                seats:
                  type: array
                  minItems: 1
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/StadiumSeat'}
            StadiumSeat:
              type: object
              required: [label, number, x, y, snake_order]
              properties:
                label: {$ref: '#/components/schemas/Label'}
                number:
                  description: position in the row; consecutive numbers are neighbours
                  type: integer
                  minimum: 1
                  maximum: 2147483647
                x: {type: number}
                y: {type: number}
                snake_order: {type: integer, minimum: -2147483647, maximum: 2147483647}
                accessible: {type: [boolean, 'null'], description: absent or null is false}
                restricted_view: {type: [boolean, 'null'], description: absent or null is false}
            StadiumSummary:
              type: object
              properties:
                id: {type: integer}
                code: {type: string}
                name: {type: string}
                city: {type: string}
                seat_count: {type: integer}
            SalesPhase:
              description: 'A sales window; ends_at must be after starts_at. A loyalty phase admits min_tier (absent or null: bronze) and up.'
              anyOf:
              - title: general sale
                type: object
                required: [name, starts_at, ends_at, eligibility]
                properties:
                  name: {$ref: '#/components/schemas/NonBlank'}
                  starts_at: {$ref: '#/components/schemas/DateTime'}
                  ends_at: {$ref: '#/components/schemas/DateTime'}
                  eligibility: {const: general}
                  min_tier: {type: 'null'}
              - title: loyalty early access
                type: object
                required: [name, starts_at, ends_at, eligibility]
                properties:
                  name: {$ref: '#/components/schemas/NonBlank'}
                  starts_at: {$ref: '#/components/schemas/DateTime'}
                  ends_at: {$ref: '#/components/schemas/DateTime'}
                  eligibility: {const: loyalty}
                  min_tier:
                    enum: [bronze, silver, gold, null]
            AwaySector:
              type: object
              required: [code, name, price_category, capacity]
              properties:
                code: {$ref: '#/components/schemas/SectorCode'}
                name: {$ref: '#/components/schemas/Text'}
                stand:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                gate:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                price_category: {$ref: '#/components/schemas/PriceCategory'}
                capacity: {type: integer, minimum: 1, maximum: 100000}
            MatchCreate:
              description: 'HOME: stadium_id names an existing stadium, and prices has the price category of each of its sectors. AWAY: no stadium_id; away_sectors
                (codes unique) and a price for each of their price categories (422 otherwise).'
              anyOf:
              - title: home
                type: object
                required: [competition, opponent, venue_kind, venue, kickoff, prices, stadium_id]
                properties:
                  competition: {$ref: '#/components/schemas/NonBlank'}
                  opponent: {$ref: '#/components/schemas/NonBlank'}
                  venue_kind: {const: home}
                  venue: {$ref: '#/components/schemas/NonBlank'}
                  stadium_id: {type: integer, minimum: 1, maximum: 9223372036854775807}
                  kickoff: {$ref: '#/components/schemas/Kickoff'}
                  max_tickets_per_buyer:
                    description: absent or null is 4
                    type: [integer, 'null']
                    minimum: 1
                    maximum: 50
                  sales_phases:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SalesPhase'}
                  prices: {$ref: '#/components/schemas/Prices'}
                  away_sectors: {type: 'null'}
              - title: away
                type: object
                required: [competition, opponent, venue_kind, venue, kickoff, prices, away_sectors]
                properties:
                  competition: {$ref: '#/components/schemas/NonBlank'}
                  opponent: {$ref: '#/components/schemas/NonBlank'}
                  venue_kind: {const: away}
                  venue: {$ref: '#/components/schemas/NonBlank'}
                  stadium_id: {type: 'null'}
                  kickoff: {$ref: '#/components/schemas/Kickoff'}
                  max_tickets_per_buyer:
                    description: absent or null is 4
                    type: [integer, 'null']
                    minimum: 1
                    maximum: 50
                  sales_phases:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SalesPhase'}
                  prices: {$ref: '#/components/schemas/Prices'}
                  away_sectors:
                    type: array
                    minItems: 1
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/AwaySector'}
            MatchUpdate:
              description: Absent or null members are left as they are.
              type: object
              properties:
                kickoff:
                  anyOf: [{$ref: '#/components/schemas/Kickoff'}, {type: 'null'}]
                max_tickets_per_buyer: {type: [integer, 'null'], minimum: 1, maximum: 50}
                sales_phases:
                  type: [array, 'null']
                  items: {$ref: '#/components/schemas/SalesPhase'}
            MatchStateChange:
              type: object
              required: [state]
              properties:
                state: {type: string, enum: [draft, published, on_sale, sold_out, closed, cancelled]}
                reason:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
            SeatMapRequest:
              type: object
              required: [stadium_id]
              properties:
                stadium_id: {type: integer, minimum: 1, maximum: 9223372036854775807, description: an existing stadium (else 422)}
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
            SeatToBlock:
              type: object
              required: [sector, row, seat, reason]
              properties:
                sector: {$ref: '#/components/schemas/SectorCode'}
                row: {$ref: '#/components/schemas/Label'}
                seat: {$ref: '#/components/schemas/Label'}
                reason: {$ref: '#/components/schemas/NonBlank'}
            SeatToUnblock:
              type: object
              required: [sector, row, seat]
              properties:
                sector: {$ref: '#/components/schemas/SectorCode'}
                row: {$ref: '#/components/schemas/Label'}
                seat: {$ref: '#/components/schemas/Label'}
            ConfigChange:
              description: 'A change must change something: at least one of the lists or maps non-empty (one alternative per member). Sectors must be the
                match''s; a sector cannot be opened and closed at once; a price category given to a sector must have a price (EUR cents, 0 to 1000000); a
                seat to block must exist and not be blocked; a seat to unblock must be blocked (422 otherwise).'
              anyOf:
              - title: changes close_sectors
                type: object
                required: [close_sectors]
                properties:
                  close_sectors:
                    type: array
                    minItems: 1
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
              - title: changes open_sectors
                type: object
                required: [open_sectors]
                properties:
                  close_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: array
                    minItems: 1
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
              - title: changes sector_price_categories
                type: object
                required: [sector_price_categories]
                properties:
                  close_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: object
                    minProperties: 1
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
              - title: changes prices
                type: object
                required: [prices]
                properties:
                  close_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: object
                    minProperties: 1
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
              - title: changes block
                type: object
                required: [block]
                properties:
                  close_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: array
                    minItems: 1
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
              - title: changes unblock
                type: object
                required: [unblock]
                properties:
                  close_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  open_sectors:
                    type: [array, 'null']
                    items: {$ref: '#/components/schemas/SectorCode'}
                  sector_price_categories:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/SectorCode'}
                    additionalProperties: {$ref: '#/components/schemas/PriceCategory'}
                  prices:
                    type: [object, 'null']
                    propertyNames: {$ref: '#/components/schemas/PriceCategory'}
                    additionalProperties: {type: integer, minimum: 0, maximum: 1000000}
                  block:
                    type: [array, 'null']
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToBlock'}
                  unblock:
                    type: array
                    minItems: 1
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/SeatToUnblock'}
                  reason:
                    anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
            SeatRef:
              type: object
              required: [sector, row, seat]
              properties:
                sector: {type: string}
                row: {type: string}
                seat: {type: string}
            ConfigChangeRecord:
              description: a configuration change as recorded (version 1 records {})
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
                change: {$ref: '#/components/schemas/ConfigChangeRecord'}
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
                      status: {type: string, enum: [available, held, sold, blocked, allocated]}
                      accessible: {type: boolean}
                      restricted_view: {type: boolean}
            HoldRequest:
              description: 'Best available (sector and quantity) or chosen seats (unit ids of one sector of this match, each once), not both; null counts
                as absent. The server reads a sector as 1 to 12 bytes and answers 404 for one the match does not have: the codes that exist are as in SectorCode.'
              anyOf:
              - title: best available
                type: object
                required: [sector, quantity]
                properties:
                  sector: {$ref: '#/components/schemas/SectorCode'}
                  quantity: {type: integer, minimum: 1, maximum: 50}
                  seats: {type: 'null'}
              - title: chosen seats
                type: object
                required: [seats]
                properties:
                  sector: {type: 'null'}
                  quantity: {type: 'null'}
                  seats:
                    type: array
                    minItems: 1
                    maxItems: 50
                    uniqueItems: true
                    items: {$ref: '#/components/schemas/Int64'}
            BusEnvelope:
              description: >-
                An event as the bus delivers it (docs/contracts.md), read as raw JSON without the body rules: subject and
                message_id non-empty strings, timestamp a date-time, data any JSON value (null included); other members and
                the strings' characters are not checked.
              x-hns-raw: true
              type: object
              required: [subject, message_id, timestamp, data]
              properties:
                subject: {type: string, minLength: 1}
                message_id: {type: string, minLength: 1}
                timestamp:
                  description: an RFC 3339 date-time, as in DateTime (no length limit here)
                  type: string
                  format: date-time
                  pattern: "^(([0-9]{4})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|(\
                    [0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[048]|[2468][048]|[13579][26])00)-02-29)[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0\
                    -5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
                data: {}
            StripeDelivery:
              description: >-
                A Stripe event in the bus's envelope. subject, message_id and timestamp are required strings the
                server does not read further; data is the Stripe event.
              type: object
              required: [subject, message_id, timestamp, data]
              properties:
                subject: {$ref: '#/components/schemas/Text'}
                message_id: {$ref: '#/components/schemas/Text'}
                timestamp: {$ref: '#/components/schemas/Text'}
                data: {$ref: '#/components/schemas/StripeEvent'}
            StripeEvent:
              type: object
              required: [id, type, data]
              properties:
                id: {$ref: '#/components/schemas/Text'}
                type: {$ref: '#/components/schemas/Text'}
                data:
                  type: object
                  required: [object]
                  properties:
                    object: {$ref: '#/components/schemas/StripeObject'}
            StripeObject:
              type: object
              required: [id]
              properties:
                id: {$ref: '#/components/schemas/Text'}
                object:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                amount: {type: [integer, 'null'], minimum: -9223372036854775808, maximum: 9223372036854775807}
                amount_received: {type: [integer, 'null'], minimum: -9223372036854775808, maximum: 9223372036854775807}
                currency:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                status:
                  anyOf: [{$ref: '#/components/schemas/Text'}, {type: 'null'}]
                metadata:
                  description: string values only
                  type: [object, 'null']
                  additionalProperties: {$ref: '#/components/schemas/Text'}
            # ---- Answers ----
            Order:
              type: object
              properties:
                id: {type: string, format: uuid}
                match_id: {type: integer}
                buyer_id: {type: string}
                hold_id: {type: string, format: uuid}
                state: {type: string, enum: [created, seats_held, awaiting_payment, paid, tickets_issued, partially_refunded, refunded, expired, cancelled, payment_failed]}
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
            TicketTransfer:
              description: >-
                The ticket's new holder, identified as a ticket holder at purchase (OIB check digit, passport
                format, blacklist, one ticket per person per match); a `deliver_to_email` inside `holder`
                is ignored. With `deliver_to_email` the ticket leaves the wallet it is in and appears in the
                wallet of whoever signs in with that address; without, it stays where it is.
              type: object
              required: [holder, reason]
              properties:
                holder: {$ref: '#/components/schemas/Attendee'}
                deliver_to_email: {$ref: '#/components/schemas/DeliverToEmail'}
                reason: {$ref: '#/components/schemas/NonBlank', maxLength: 500, description: why (kept in the ticket's history)}
            SupportTicket:
              type: object
              required: [id, order_id, match_id, position, status, holder_name, sector, row, seat, wallet_user_id, deliver_to_email, transfers]
              properties:
                id: {type: string, format: uuid}
                order_id: {type: string, format: uuid}
                match_id: {type: integer}
                position: {type: integer}
                status: {type: string, enum: [issued, activated, used, void]}
                holder_name: {type: string}
                sector: {type: string}
                row: {type: [string, "null"]}
                seat: {type: [string, "null"]}
                wallet_user_id: {type: [string, "null"], description: whose wallet shows it; null while it waits for deliver_to_email}
                deliver_to_email: {type: [string, "null"]}
                transfers:
                  description: every earlier holder, oldest first
                  type: array
                  items:
                    type: object
                    required: [id, at, from_holder_name, to_holder_name, to_email, reason, agent]
                    properties:
                      id: {type: string, format: uuid}
                      at: {type: string, format: date-time}
                      from_holder_name: {type: string}
                      to_holder_name: {type: string}
                      to_email: {type: [string, "null"]}
                      reason: {type: string}
                      agent: {type: string, description: the support agent's user id}
            RefundRequest:
              description: >-
                Tickets of a paid order to refund (all its valid ones when `ticket_ids` is left out), why,
                an optional cancellation fee kept from the amount (less than the tickets' price), and
                whether the seats go back on sale (default) or stay blocked.
              type: object
              required: [reason]
              properties:
                ticket_ids:
                  type: [array, 'null']
                  minItems: 1
                  maxItems: 50
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/Uuid'}
                reason: {$ref: '#/components/schemas/NonBlank', maxLength: 500}
                fee_cents: {type: [integer, 'null'], minimum: 0, maximum: 9223372036854775807}
                release_seats: {type: [boolean, 'null']}
            Refund:
              type: object
              required: [id, payment_intent_id, amount_cents, fee_cents, state, source, reason, ticket_ids, created_at, updated_at]
              properties:
                id: {type: string, format: uuid}
                order_id: {type: string, format: uuid}
                payment_intent_id: {type: string}
                amount_cents: {type: integer, description: what goes back (the tickets' price less the fee)}
                fee_cents: {type: integer}
                state: {type: string, enum: [created, pending, succeeded, failed, canceled]}
                source: {type: string, enum: [automatic, support, match_cancellation]}
                reason: {type: string}
                ticket_ids: {type: array, items: {type: string, format: uuid}}
                stripe_refund_id: {type: string}
                failure_reason: {type: string, description: Stripe's reason, once failed}
                requested_by: {type: string}
                created_at: {type: string, format: date-time}
                updated_at: {type: string, format: date-time}
            Reconciliation:
              type: object
              required: [match_id, checked_at, orders, captured_cents, refunded_cents, valid_tickets, stripe_checked, unexplained, pending,
                         by_kind, rows, not_checked]
              properties:
                match_id: {type: [integer, 'null']}
                checked_at: {type: string, format: date-time}
                orders: {type: integer}
                captured_cents: {type: integer}
                refunded_cents: {type: integer}
                valid_tickets: {type: integer}
                stripe_checked: {type: integer}
                unexplained: {type: integer}
                pending: {type: integer}
                by_kind: {type: object, additionalProperties: {type: integer}}
                rows:
                  type: array
                  items:
                    type: object
                    required: [kind, status, subject, detail]
                    properties:
                      kind:
                        type: string
                        enum: [seat_sold_twice, tickets_without_payment, payment_not_covered, refund_failed, refund_pending, cancellation_refund_pending,
                               stripe_payment_mismatch, stripe_refund_mismatch, stripe_unreadable, invoice_pending, invoice_missing, invoice_failed,
                               invoice_amount_mismatch, credit_note_pending, credit_note_missing, credit_note_failed, credit_note_amount_mismatch]
                      status: {type: string, enum: [unexplained, pending]}
                      subject: {type: string}
                      detail: {type: string}
                      amount_cents: {type: [integer, 'null']}
                      age_seconds: {type: [integer, 'null']}
                not_checked: {type: array, items: {type: string}}
            FinancialReport:
              type: object
              required: [match_id, from, to, generated_at, currency, totals, sales_by_channel, sales_by_sector, sales_by_payment_method,
                refunds, documents, receivables, notes]
              properties:
                match_id: {type: [integer, 'null']}
                from: {type: [string, 'null'], format: date}
                to: {type: [string, 'null'], format: date}
                generated_at: {type: string, format: date-time}
                currency: {type: string}
                totals:
                  type: object
                  required: [orders, tickets, gross_cents, refunded_cents, refunds_owed_cents, fees_kept_cents, net_cents]
                  properties:
                    orders: {type: integer}
                    tickets: {type: integer}
                    gross_cents: {type: integer}
                    refunded_cents: {type: integer}
                    refunds_owed_cents: {type: integer}
                    fees_kept_cents: {type: integer}
                    net_cents: {type: integer}
                sales_by_channel:
                  type: array
                  items:
                    type: object
                    required: [channel, orders, tickets, gross_cents]
                    properties: {channel: {type: string}, orders: {type: integer}, tickets: {type: integer}, gross_cents: {type: integer}}
                sales_by_sector:
                  type: array
                  items:
                    type: object
                    required: [match_id, sector, price_category, orders, tickets, gross_cents]
                    properties:
                      match_id: {type: integer}
                      sector: {type: string}
                      price_category: {type: string}
                      orders: {type: integer}
                      tickets: {type: integer}
                      gross_cents: {type: integer}
                sales_by_payment_method:
                  type: array
                  items:
                    type: object
                    required: [payment_method, orders, gross_cents]
                    properties: {payment_method: {type: string}, orders: {type: integer}, gross_cents: {type: integer}}
                refunds:
                  type: array
                  items:
                    type: object
                    required: [source, state, count, refunded_cents, fees_cents]
                    properties:
                      source: {type: string, enum: [automatic, support, match_cancellation]}
                      state: {type: string, enum: [created, pending, succeeded, failed, canceled]}
                      count: {type: integer}
                      refunded_cents: {type: integer}
                      fees_cents: {type: integer}
                documents:
                  type: array
                  items:
                    type: object
                    required: [kind, state, count, amount_cents]
                    properties:
                      kind: {type: string, enum: [invoice, credit_note]}
                      state: {type: string, enum: [queued, issued, failed]}
                      count: {type: integer}
                      amount_cents: {type: integer}
                receivables: {$ref: '#/components/schemas/ReceivableTotals'}
                notes: {type: array, items: {type: string}}
            PinRequestInput:
              description: >-
                The holders of the tickets to buy at a Petrol station, in one sector of a match (`sector`, or
                `price_category`: the open sector of that category with the most seats left); checked now as a
                purchase's attendees are (OIB or passport, blacklist, one ticket per person per match).
              type: object
              required: [match_id, attendees]
              oneOf:
                - {required: [sector], not: {required: [price_category]}}
                - {required: [price_category], not: {required: [sector]}}
              properties:
                match_id: {type: integer, minimum: 1, maximum: 9223372036854775807}
                sector: {type: string, minLength: 1, maxLength: 40}
                price_category: {type: string, minLength: 1, maxLength: 40}
                attendees:
                  type: array
                  minItems: 1
                  maxItems: 10
                  uniqueItems: true
                  items: {$ref: '#/components/schemas/Attendee'}
            PinRequest:
              description: >-
                A PIN to show at a Petrol till: pending (no till holds it), held (seats held at `station` until
                `hold_expires_at`), confirmed (sold: `order_id`'s tickets are in the wallet), cancelled or expired.
              type: object
              required: [id, pin, match_id, sector, quantity, unit_price_cents, amount_cents, currency, state, expires_at, station,
                hold_expires_at, order_id, holder_names]
              properties:
                id: {type: string, format: uuid}
                pin: {type: string, pattern: '^[0-9]{10}$'}
                match_id: {type: integer}
                sector: {type: string}
                quantity: {type: integer}
                unit_price_cents: {type: integer}
                amount_cents: {type: integer}
                currency: {type: string}
                state: {type: string, enum: [pending, held, confirmed, cancelled, expired]}
                expires_at: {type: string, format: date-time}
                station: {type: [string, 'null']}
                hold_expires_at: {type: [string, 'null'], format: date-time}
                order_id: {type: [string, 'null'], format: uuid}
                holder_names: {type: array, items: {type: string}}
            TillInput:
              type: object
              required: [terminal_id]
              properties:
                terminal_id: {type: string, minLength: 1, maxLength: 64, description: the till's id (the station is the clerk's token's)}
                payment_reference: {type: string, minLength: 1, maxLength: 128, description: "Petrol's payment reference (confirm: required)"}
            TillView:
              description: What the till shows of a PIN's sale; holders by name only.
              type: object
              required: [pin, match_id, sector, quantity, amount_cents, currency, state, station, terminal_id, hold_expires_at, order_id,
                holder_names, ticket_ids]
              properties:
                pin: {type: string}
                match_id: {type: integer}
                sector: {type: string}
                quantity: {type: integer}
                amount_cents: {type: integer}
                currency: {type: string}
                state: {type: string, enum: [pending, held, confirmed, cancelled, expired]}
                station: {type: [string, 'null']}
                terminal_id: {type: [string, 'null']}
                hold_expires_at: {type: [string, 'null'], format: date-time}
                order_id: {type: [string, 'null'], format: uuid}
                holder_names: {type: array, items: {type: string}}
                ticket_ids: {type: array, items: {type: string, format: uuid}}
            AttendanceReport:
              type: object
              required: [import_id, match_id, format, rows, codes, repeated_scans, marked_used, already_used, unknown, revoked_scanned,
                         sectors, sold, scanned, no_shows, loyalty, replayed]
              properties:
                import_id: {type: string, format: uuid}
                match_id: {type: integer}
                format: {type: string, enum: [csv, xlsx]}
                rows: {type: integer}
                codes: {type: integer, description: distinct codes in the file}
                repeated_scans: {type: integer, description: scans of a code after its first (re-entries)}
                marked_used: {type: integer}
                already_used: {type: integer, description: used by an earlier import}
                unknown:
                  type: object
                  required: [count, codes]
                  properties:
                    count: {type: integer}
                    codes: {type: array, maxItems: 1000, items: {type: string}}
                revoked_scanned:
                  description: revoked codes that were scanned (a fraud signal), with why they were revoked
                  type: array
                  items:
                    type: object
                    required: [barcode, ticket_id, reason, revoked_at, scanned_at, gate]
                    properties:
                      barcode: {type: string}
                      ticket_id: {type: [string, 'null']}
                      reason: {type: string, enum: [transferred, refunded, partner_unpaid, match_cancelled, blocked_by_support]}
                      revoked_at: {type: [string, 'null'], format: date-time}
                      scanned_at: {type: string, format: date-time}
                      gate: {type: [string, 'null']}
                sectors:
                  type: array
                  items:
                    type: object
                    required: [sector, sold, scanned, no_shows]
                    properties:
                      sector: {type: string}
                      sold: {type: integer}
                      scanned: {type: integer}
                      no_shows: {type: integer}
                sold: {type: integer}
                scanned: {type: integer}
                no_shows: {type: integer}
                loyalty:
                  type: object
                  required: [people_awarded, tier_changes]
                  properties:
                    people_awarded: {type: integer}
                    tier_changes: {type: integer}
                replayed: {type: boolean}
            LoyaltyAccount:
              type: object
              required: [points, tier, next_tier, points_to_next_tier, history]
              properties:
                points: {type: integer}
                tier: {type: string, enum: [none, bronze, silver, gold]}
                next_tier: {type: [string, 'null'], enum: [bronze, silver, gold, null]}
                points_to_next_tier: {type: [integer, 'null']}
                history:
                  type: array
                  maxItems: 100
                  items:
                    type: object
                    required: [points, reason, match_id, ticket_id, at]
                    properties:
                      points: {type: integer}
                      reason: {type: string, enum: [attendance]}
                      match_id: {type: [integer, 'null']}
                      ticket_id: {type: [string, 'null'], format: uuid}
                      at: {type: string, format: date-time}
            AccessExport:
              type: object
              required: [version, since_version, format, holder_names, actor, started_at, completed_at, valid_rows, revoked_rows, sha256]
              properties:
                version: {type: integer}
                since_version: {type: [integer, 'null']}
                format: {type: string, enum: [xlsx, csv]}
                holder_names: {type: boolean}
                actor: {type: string}
                started_at: {type: string, format: date-time}
                completed_at: {type: [string, 'null'], format: date-time, description: null while the file streams, or when it broke off}
                valid_rows: {type: [integer, 'null']}
                revoked_rows: {type: [integer, 'null']}
                sha256: {type: [string, 'null']}
            PetrolSettlementLine:
              type: object
              required: [station, day, sales, tickets, amount_cents, commission_cents, net_cents]
              properties:
                station: {type: string}
                day: {type: string}
                sales: {type: integer}
                tickets: {type: integer}
                amount_cents: {type: integer}
                commission_cents: {type: integer}
                net_cents: {type: integer, description: what Petrol owes HNS (amount less commission)}
            ReceivableTotals:
              description: Partner orders on account by state (overdue are open ones past their due date, also counted as open).
              type: object
              required: [open_orders, open_cents, overdue_orders, overdue_cents, paid_orders, paid_cents, blocked_orders, blocked_cents,
                cancelled_orders]
              properties:
                open_orders: {type: integer}
                open_cents: {type: integer}
                overdue_orders: {type: integer}
                overdue_cents: {type: integer}
                paid_orders: {type: integer}
                paid_cents: {type: integer}
                blocked_orders: {type: integer}
                blocked_cents: {type: integer}
                cancelled_orders: {type: integer}
            Receivable:
              description: >-
                A quota order issued on a partner's account: offered for payment in e-računi (`offer`, a pro-forma due
                on `due_date`), invoiced by accounting (`invoice`, pulled back from e-računi), paid when the payments
                recorded on that invoice cover it; blocked when still unpaid at the configured time before kick-off
                (its tickets void, its seats back on sale); cancelled with its match.
              type: object
              required: [order_id, match_id, buyer_id, buyer_email, amount_cents, currency, due_date, state, overdue, days_overdue, paid_cents,
                paid_at, closed_at, reminders, last_reminded_at, offer, invoice]
              properties:
                order_id: {type: string, format: uuid}
                match_id: {type: integer}
                buyer_id: {type: string}
                buyer_email: {type: [string, 'null']}
                amount_cents: {type: integer}
                currency: {type: string}
                due_date: {type: string, format: date}
                state: {type: string, enum: [open, paid, blocked, cancelled]}
                overdue: {type: boolean}
                days_overdue: {type: integer}
                paid_cents: {type: integer}
                paid_at: {type: [string, 'null'], format: date-time}
                closed_at: {type: [string, 'null'], format: date-time}
                reminders: {type: integer}
                last_reminded_at: {type: [string, 'null'], format: date-time}
                offer: {oneOf: [{$ref: '#/components/schemas/ReceivableDocument'}, {type: 'null'}]}
                invoice: {oneOf: [{$ref: '#/components/schemas/ReceivableDocument'}, {type: 'null'}]}
            ReceivableDocument:
              type: object
              required: [id, state, number, document_id]
              properties:
                id: {type: integer, description: the document's id in GET /api/v1/admin/invoicing/documents}
                state: {type: string, enum: [queued, issued, failed]}
                number: {type: [string, 'null']}
                document_id: {type: [string, 'null']}
            AccountingDocument:
              description: >-
                An invoice (a paid order) or credit note (a refund of its tickets: negative amount, reversing the
                invoice `reverses_id`) as made in e-računi: queued (in order, at the account's pace), issued (with
                e-računi's document id, number, date and, when fiscalized, JIR and ZKI) or failed (refused; an admin
                retries it). A payment offer is the pro-forma of a partner's order on account; the invoice accounting
                makes from it is pulled back (`offer_id` names the offer).
              type: object
              required: [id, kind, reference, order_id, refund_id, reverses_id, match_id, amount_cents, currency, state, attempts, last_error,
                document_id, number, document_date, jir, zki, queued_at, issued_at, offer_id]
              properties:
                id: {type: integer}
                kind: {type: string, enum: [invoice, credit_note, payment_offer]}
                reference: {type: string, description: ours, written on the document}
                order_id: {type: string, format: uuid}
                refund_id: {type: [string, 'null'], format: uuid}
                reverses_id: {type: [integer, 'null']}
                match_id: {type: integer}
                amount_cents: {type: integer}
                currency: {type: string}
                state: {type: string, enum: [queued, issued, failed]}
                attempts: {type: integer}
                last_error: {type: [string, 'null']}
                document_id: {type: [string, 'null']}
                number: {type: [string, 'null']}
                document_date: {type: [string, 'null'], format: date}
                jir: {type: [string, 'null']}
                zki: {type: [string, 'null']}
                queued_at: {type: string, format: date-time}
                issued_at: {type: [string, 'null'], format: date-time}
                offer_id: {type: [integer, 'null']}
            Cancellation:
              type: object
              required: [match_id, dry_run, state, reason, tickets_voided, orders_refunded, orders_to_refund, open_orders, amount_to_refund_cents,
                refunds_by_method, refunds, started_at, finished_at]
              properties:
                match_id: {type: integer}
                dry_run: {type: boolean}
                state: {type: [string, 'null'], enum: [running, done, null], description: null for a dry run}
                reason: {type: [string, 'null']}
                tickets_voided: {type: integer, description: voided (or, in a dry run, valid and to be voided)}
                orders_refunded: {type: integer}
                orders_to_refund: {type: integer}
                open_orders: {type: integer, description: orders still awaiting payment; refunded by a later batch if paid}
                amount_to_refund_cents: {type: integer}
                refunds_by_method: {type: object, additionalProperties: {type: integer}}
                refunds: {type: object, description: the cancellation's refunds by state, additionalProperties: {type: integer}}
                started_at: {type: [string, 'null'], format: date-time}
                finished_at: {type: [string, 'null'], format: date-time}
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
                first_name: {type: string}
                last_name: {type: string}
                date_of_birth: {type: string, format: date}
                oib: {type: [string, "null"], pattern: '^[0-9]{11}$', description: ISO 7064 MOD 11,10 check digit; required for HR}
                passport_number: {type: [string, "null"]}
                passport_country: {type: [string, "null"], pattern: '^[A-Z]{2}$'}
                nationality: {type: string, pattern: '^[A-Z]{2}$'}
                phone: {type: [string, "null"], pattern: '^\+[1-9][0-9]{6,14}$'}
                loyalty_tier: {type: string, enum: [none, bronze, silver, gold], readOnly: true}
                updated_at: {type: string, format: date-time, readOnly: true}
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
          /api/v1/loyalty/me:
            get:
              summary: >-
                The signed-in fan's loyalty points, tier and latest awards (by the person their profile names: OIB or passport;
                zero without a profile). Points come from attendance; tiers open early-access sales phases.
              x-hns-role: customer
              responses:
                '200': {description: the account, content: {application/json: {schema: {$ref: '#/components/schemas/LoyaltyAccount'}}}}
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
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/ProfileUpdate'}}}}
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
                '201':
                  description: held
                  headers: {Idempotent-Replayed: {$ref: '#/components/headers/IdempotentReplayed'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/Hold'}}}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/RateLimited'}
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
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/state:
            post:
              summary: Move the match through its state machine (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/MatchStateChange'}}}}
              responses:
                '200': {description: moved, content: {application/json: {schema: {$ref: '#/components/schemas/Match'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/config:
            get:
              summary: The current configuration version (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: current version, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigVersion'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
            post:
              summary: Change the configuration; refused with the list of conflicts if it touches held or sold seats (admin)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigChange'}}}}
              responses:
                '201': {description: the new version, content: {application/json: {schema: {$ref: '#/components/schemas/ConfigVersion'}}}}
                '404': {$ref: '#/components/responses/Problem'}
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
                '404': {$ref: '#/components/responses/Problem'}
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
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/SeatMapRequest'}}}}
              responses:
                '200': {description: seated, content: {application/json: {schema: {type: object, properties: {match: {$ref: '#/components/schemas/Match'}, assigned_units: {type: integer}}}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/access-export:
            get:
              summary: >-
                The valid codes for the stadium's gate system (admin): a real XLSX, or CSV with `format=csv`, streamed.
                Each export gets the next version (header `HNS-Export-Version`); `since_version=N` gives only what changed
                since export N: codes added or re-seated (`change` added) and codes revoked with their reason. Cells a
                spreadsheet would run as a formula start with `'`.
              x-hns-role: admin
              parameters:
                - {$ref: '#/components/parameters/matchId'}
                - {name: format, in: query, required: false, schema: {type: string, enum: [xlsx, csv]}}
                - {name: since_version, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 2147483647}}
                - {name: holder_names, in: query, required: false, schema: {type: string, enum: ['true', 'false']}}
              responses:
                '200':
                  description: >-
                    the codes: barcode, ticket_id, sector, row, seat, gate, price_category, holder_name (unless
                    holder_names=false), state; a delta adds change first and reason, revoked_at last
                  headers:
                    HNS-Export-Version: {schema: {type: integer}}
                  content:
                    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
                    text/csv: {schema: {type: string}}
                '404': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/attendance:
            post:
              summary: >-
                Import the stadium's attendance export (admin), CSV (comma or semicolon) or XLSX (first sheet), all or
                nothing: each scanned code marks its ticket used (first scan's time and gate) and earns its holder loyalty
                points. The columns are header names: given here they are kept for the match's stadium, else the stadium's
                kept ones, else barcode, scanned_at, gate. Times are RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or
                `DD.MM.YYYY HH:MM[:SS]` in Zagreb time, or date cells. The same file again answers its first report (200,
                `replayed`) and changes nothing. Bad rows are named `rows[n].field`, n the file's row number (the header
                is row 1).
              x-hns-role: admin
              parameters:
                - {$ref: '#/components/parameters/matchId'}
                - {name: barcode_column, in: query, required: false, schema: {type: string, minLength: 1, maxLength: 100}}
                - {name: scanned_at_column, in: query, required: false, schema: {type: string, minLength: 1, maxLength: 100}}
                - {name: gate_column, in: query, required: false, schema: {type: string, maxLength: 100, description: empty for none}}
              requestBody:
                required: true
                content:
                  text/csv: {schema: {type: string, minLength: 1}}
                  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
              responses:
                '201': {description: imported, content: {application/json: {schema: {$ref: '#/components/schemas/AttendanceReport'}}}}
                '200': {description: this file was imported before, content: {application/json: {schema: {$ref: '#/components/schemas/AttendanceReport'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/access-exports:
            get:
              summary: The match's gate exports (admin), newest first, each with its rows and the SHA-256 of the file as sent
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200':
                  description: exports
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [exports]
                        properties:
                          exports: {type: array, items: {$ref: '#/components/schemas/AccessExport'}}
                '404': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/attendee-list:
            get:
              summary: >-
                AWAY match — the ticket holders for the host federation as XLSX (admin): name, date of birth, nationality,
                document, sector and seat once assigned; 409 for a home match
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200':
                  description: the list
                  content:
                    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
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
                '201':
                  description: created in seats_held
                  headers: {Idempotent-Replayed: {$ref: '#/components/headers/IdempotentReplayed'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/RateLimited'}
                '503': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}:
            get:
              summary: One of my orders; with `wait`, a long poll for its payment's outcome
              x-hns-role: customer
              parameters:
                - {$ref: '#/components/parameters/orderId'}
                - name: wait
                  in: query
                  required: false
                  description: >-
                    Whole seconds, 0 to 30, given at most once (0 is no wait). While the order is open (created,
                    seats_held, awaiting_payment) the answer waits up to this long for it to settle (tickets_issued,
                    payment_failed, expired, cancelled) and comes as soon as it does; an order that is not open answers at once.
                  schema: {type: integer, minimum: 0, maximum: 30}
              responses:
                '200': {description: the order, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}/invoice:
            get:
              summary: >-
                My order's invoice as a PDF (fetched from e-računi once, then kept). 409 invoice-not-issued while it
                waits in the accounting queue (hours after a sell-out); 503 with Retry-After when e-računi cannot be asked now.
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/orderId'}]
              responses:
                '200': {description: the invoice, content: {application/pdf: {schema: {type: string, format: binary}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}/payment:
            post:
              summary: Start paying (creates the Stripe PaymentIntent; the hold then waits for its outcome)
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/orderId'}, {$ref: '#/components/parameters/idempotencyKey'}, {$ref: '#/components/parameters/purchaseToken'}]
              responses:
                '201':
                  description: pay with the client secret
                  headers: {Idempotent-Replayed: {$ref: '#/components/headers/IdempotentReplayed'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/PaymentStart'}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/RateLimited'}
                '503': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
          /api/v1/orders/{orderId}/cancel:
            post:
              summary: Give up an unpaid order; its PaymentIntent is cancelled and the seats go back
              x-hns-role: customer
              parameters: [{$ref: '#/components/parameters/orderId'}]
              responses:
                '200': {description: cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
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
          /api/v1/support/tickets/{ticketId}:
            get:
              summary: A ticket and every holder it had (support)
              x-hns-role: support
              parameters: [{$ref: '#/components/parameters/ticketId'}]
              responses:
                '200': {description: the ticket, content: {application/json: {schema: {$ref: '#/components/schemas/SupportTicket'}}}}
          /api/v1/support/tickets/{ticketId}/transfer:
            post:
              summary: >-
                Give a ticket to another holder (support): a new barcode (the old one is revoked for good), the
                order's attendee replaced, both sides notified (409 for a used or void ticket, within the freeze
                before kick-off, or a new holder who already has a ticket for the match; 403 for a blacklisted one)
              x-hns-role: support
              parameters: [{$ref: '#/components/parameters/ticketId'}, {$ref: '#/components/parameters/idempotencyKey'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TicketTransfer'}}}}
              responses:
                '200': {description: transferred, content: {application/json: {schema: {$ref: '#/components/schemas/SupportTicket'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/support/orders/{orderId}/refunds:
            post:
              summary: >-
                Refund tickets of a paid order (support): the tickets are void at once, the seats go back on
                sale (or stay blocked), the order becomes partially refunded or refunded, and the refund is
                sent to Stripe (409 for an order that is not paid, or a chosen ticket that is used or void)
              x-hns-role: support
              parameters: [{$ref: '#/components/parameters/orderId'}, {$ref: '#/components/parameters/idempotencyKey'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/RefundRequest'}}}}
              responses:
                '201':
                  description: refunded (the refund's state is where Stripe's answer left it)
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [refund, order_state, voided_ticket_ids]
                        properties:
                          refund: {$ref: '#/components/schemas/Refund'}
                          order_state: {type: string, enum: [partially_refunded, refunded]}
                          voided_ticket_ids: {type: array, items: {type: string, format: uuid}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/quotas:
            post:
              summary: >-
                Create a quota (admin): its seats are allocated at once with a sale's rules (rows together, snake order,
                no orphan seat where avoidable), in one transaction with the inventory; 409 not-enough-seats names the
                sector and how many are free. The owner is invited (email and push jobs with a deep link).
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}, {$ref: '#/components/parameters/idempotencyKey'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaCreate'}}}}
              responses:
                '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Quota'}}}}
                '409': {$ref: '#/components/responses/Problem'}
            get:
              summary: The match's quotas (admin) as trees, with totals and per owner
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: the report, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaMatchReport'}}}}
          /api/v1/admin/quotas/{quotaId}:
            get:
              summary: A quota (admin) with its seats and its sub-quotas
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/quotaId'}]
              responses:
                '200': {description: the quota, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaDetail'}}}}
          /api/v1/admin/quotas/{quotaId}/resize:
            post:
              summary: >-
                Set a root quota's seats per sector (admin): more are allocated, fewer give back the root's own free
                seats (409 when delegated or claimed seats would be needed)
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/quotaId'}]
              requestBody:
                required: true
                content: {application/json: {schema: {type: object, required: [sectors], properties: {sectors: {$ref: '#/components/schemas/QuotaSeats', minItems: 1}}}}}
              responses:
                '200': {description: resized, content: {application/json: {schema: {$ref: '#/components/schemas/Quota'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/quotas/{quotaId}/revoke:
            post:
              summary: Revoke a root quota and its tree (admin); unclaimed seats go back to general sale, issued tickets stay valid
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/quotaId'}]
              requestBody:
                required: true
                content: {application/json: {schema: {type: object, required: [reason], properties: {reason: {$ref: '#/components/schemas/NonBlank', maxLength: 500}}}}}
              responses:
                '200': {description: revoked, content: {application/json: {schema: {$ref: '#/components/schemas/Quota'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/quotas:
            get:
              summary: >-
                The caller's quotas at any level (quota_owner or customer). A quota is its owner email's: the first user
                who signs in with it owns it from then on.
              x-hns-role: quota_owner
              responses:
                '200':
                  description: the quotas
                  content:
                    application/json:
                      schema: {type: object, required: [quotas], properties: {quotas: {type: array, items: {$ref: '#/components/schemas/Quota'}}}}
          /api/v1/quotas/{quotaId}:
            get:
              summary: A quota with every seat's state and its sub-quotas as a tree, for its owner or an owner above it (else 404)
              x-hns-role: quota_owner
              parameters: [{$ref: '#/components/parameters/quotaId'}]
              responses:
                '200': {description: the quota, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaDetail'}}}}
          /api/v1/quotas/{quotaId}/claims:
            post:
              summary: >-
                Claim seats for named people (the quota's owner). Card quotas place an order at the quota's price, paid
                with POST /api/v1/quotas/{quotaId}/claims/{claimId}/payment; deferred quotas issue the tickets at once on the partner's
                account (409 credit-limit past its limit), free ones at once. 409 quota-closed after the deadline.
              x-hns-role: quota_owner
              parameters: [{$ref: '#/components/parameters/quotaId'}, {$ref: '#/components/parameters/idempotencyKey'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaClaim'}}}}
              responses:
                '201': {description: claimed, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaClaimAnswer'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/quotas/{quotaId}/claims/{claimId}/payment:
            post:
              summary: >-
                Start paying a card quota's claim (its owner; no queue token needed): the order's Stripe PaymentIntent at
                the quota's price, as POST /api/v1/orders/{orderId}/payment does for a purchase (409 for a claim issued
                without a card payment)
              x-hns-role: quota_owner
              parameters:
              - {$ref: '#/components/parameters/quotaId'}
              - {name: claimId, in: path, required: true, schema: {$ref: '#/components/schemas/Uuid'}}
              - {$ref: '#/components/parameters/idempotencyKey'}
              responses:
                '201':
                  description: pay with the client secret
                  headers: {Idempotent-Replayed: {$ref: '#/components/headers/IdempotentReplayed'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/PaymentStart'}}}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
          /api/v1/quotas/{quotaId}/subquotas:
            post:
              summary: Hand part of the quota's free seats to another email (the quota's owner, when its root allows that depth)
              x-hns-role: quota_owner
              parameters: [{$ref: '#/components/parameters/quotaId'}, {$ref: '#/components/parameters/idempotencyKey'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/SubquotaCreate'}}}}
              responses:
                '201': {description: delegated, content: {application/json: {schema: {$ref: '#/components/schemas/Quota'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/quotas/{quotaId}/returns:
            post:
              summary: Give free seats back (the quota's owner) to the parent quota, or from a root to general sale
              x-hns-role: quota_owner
              parameters: [{$ref: '#/components/parameters/quotaId'}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/QuotaReturn'}}}}
              responses:
                '200': {description: given back, content: {application/json: {schema: {$ref: '#/components/schemas/Quota'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/support/refunds:
            get:
              summary: Refunds, newest first (support); `state=failed` lists those to look at
              x-hns-role: support
              parameters:
              - {name: state, in: query, required: false, schema: {type: string, enum: [created, pending, succeeded, failed, canceled]}}
              - {name: order_id, in: query, required: false, schema: {$ref: '#/components/schemas/Uuid'}}
              responses:
                '200':
                  description: refunds
                  content:
                    application/json:
                      schema: {type: object, required: [refunds], properties: {refunds: {type: array, items: {$ref: '#/components/schemas/Refund'}}}}
          /api/v1/support/refunds/{refundId}/retry:
            post:
              summary: Send a failed refund to Stripe again (support); 409 unless it failed
              x-hns-role: support
              parameters: [{$ref: '#/components/parameters/refundId'}]
              responses:
                '200': {description: sent again, content: {application/json: {schema: {$ref: '#/components/schemas/Refund'}}}}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/matches/{matchId}/cancel:
            post:
              summary: >-
                Cancel a match (admin). With `dry_run: true`, what would happen (tickets to void, paid orders and
                the amount to refund, orders still open) and nothing changes. Else, at once, the match becomes
                cancelled and every valid ticket void, its holds end; then every paid order is refunded in the
                background, resumably (202 with the progress). Cancelling again answers the progress.
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [reason]
                      properties:
                        dry_run: {type: [boolean, 'null']}
                        reason: {$ref: '#/components/schemas/NonBlank', maxLength: 500}
              responses:
                '200': {description: a dry run, content: {application/json: {schema: {$ref: '#/components/schemas/Cancellation'}}}}
                '202': {description: cancelled; refunds under way, content: {application/json: {schema: {$ref: '#/components/schemas/Cancellation'}}}}
                '409': {$ref: '#/components/responses/Problem'}
            get:
              summary: Where a match's cancellation stands (admin); 404 when it has none
              x-hns-role: admin
              parameters: [{$ref: '#/components/parameters/matchId'}]
              responses:
                '200': {description: progress, content: {application/json: {schema: {$ref: '#/components/schemas/Cancellation'}}}}
          /api/v1/admin/reconciliation:
            get:
              summary: >-
                Prove every seat, payment and refund (admin): each seat at most one valid ticket; each captured
                payment equal to its valid tickets' price or covered by refunds; each paid order with an invoice
                and each refund of tickets with a credit note of that amount; our payments and refunds as Stripe
                reports them. Every row that breaks is listed, `unexplained` or `pending` (a refund on its way, a
                document queued for e-računi, with its age). `stripe=false` skips asking Stripe (two requests per payment, at the refunds' pace).
              x-hns-role: admin
              parameters:
                - {name: match, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
                - {name: stripe, in: query, required: false, schema: {type: string, enum: ['true', 'false']}}
              responses:
                '200': {description: the report, content: {application/json: {schema: {$ref: '#/components/schemas/Reconciliation'}}}}
          /api/v1/admin/reports/financial:
            get:
              summary: >-
                The money of a match or a period (admin): sales by channel, by sector and price category and by
                payment method (orders whose tickets were issued, when they were); refunds by source and state
                with the fees kept; invoices and credit notes by state; partner receivables. `from` and `to` are
                days in Zagreb, both included. `format=csv` is one table (a `section` column, amounts in cents);
                `format=xlsx` a workbook (a summary and a sheet per part, amounts in euros).
              x-hns-role: admin
              parameters:
                - {name: match, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
                - {name: from, in: query, required: false, schema: {type: string, format: date}}
                - {name: to, in: query, required: false, schema: {type: string, format: date}}
                - {name: format, in: query, required: false, schema: {type: string, enum: [json, csv, xlsx]}}
              responses:
                '200':
                  description: the report
                  content:
                    application/json: {schema: {$ref: '#/components/schemas/FinancialReport'}}
                    text/csv: {schema: {type: string}}
                    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/invoicing/documents:
            get:
              summary: >-
                Accounting's documents (admin), in queue order, at most 500: `state=failed` is what needs an admin,
                `order_id` an order's invoice and credit notes; with the backlog's size and the oldest queued document's age.
              x-hns-role: admin
              parameters:
                - {name: state, in: query, required: false, schema: {type: string, enum: [queued, issued, failed]}}
                - {name: order_id, in: query, required: false, schema: {type: string, format: uuid}}
              responses:
                '200':
                  description: documents
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [queued, oldest_queued_seconds, documents]
                        properties:
                          queued: {type: integer}
                          oldest_queued_seconds: {type: integer}
                          documents: {type: array, items: {$ref: '#/components/schemas/AccountingDocument'}}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/invoicing/documents/{documentId}/retry:
            post:
              summary: Send a failed document to e-računi again (admin); it goes next. 409 unless it failed
              x-hns-role: admin
              parameters:
                - {name: documentId, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
              responses:
                '200': {description: queued again, content: {application/json: {schema: {$ref: '#/components/schemas/AccountingDocument'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pin-requests:
            post:
              summary: >-
                Ask for a PIN to buy these holders' tickets at a Petrol station (the fan): checked now as a purchase is;
                one live request per fan and match (409 pin-closed); the answer names the amount to pay at the till.
              x-hns-role: customer
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/PinRequestInput'}}}}
              responses:
                '201': {description: the PIN, content: {application/json: {schema: {$ref: '#/components/schemas/PinRequest'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pin-requests/{requestId}:
            get:
              summary: A PIN request of mine and its state
              x-hns-role: customer
              parameters:
                - {name: requestId, in: path, required: true, schema: {type: string, format: uuid}}
              responses:
                '200': {description: the request, content: {application/json: {schema: {$ref: '#/components/schemas/PinRequest'}}}}
                '404': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pin-requests/{requestId}/cancel:
            post:
              summary: Withdraw a PIN request not yet sold (a till's hold on it ends with it)
              x-hns-role: customer
              parameters:
                - {name: requestId, in: path, required: true, schema: {type: string, format: uuid}}
              responses:
                '200': {description: cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/PinRequest'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pins/{pin}/hold:
            post:
              summary: >-
                Hold the PIN's seats at this till for 20 minutes (petrol_staff; the token's `petrol_station` names the station). The same till again: the same hold; another till while held: 409 pin-held-elsewhere. Look-ups are limited per clerk and station; repeated misses lock the clerk out (429).
              x-hns-role: petrol_staff
              parameters:
                - {name: pin, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 64}}
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TillInput'}}}}
              responses:
                '200': {description: the sale at this till, content: {application/json: {schema: {$ref: '#/components/schemas/TillView'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pins/{pin}/confirm:
            post:
              summary: >-
                Petrol took the money: the order is paid through the channel petrol and its tickets issued (the holders checked against the blacklist again). 409 petrol-hold-ended after the hold ran out; the same confirmation again answers the same sale. Look-ups are limited per clerk and station; repeated misses lock the clerk out (429).
              x-hns-role: petrol_staff
              parameters:
                - {name: pin, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 64}}
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TillInput'}}}}
              responses:
                '200': {description: the sale at this till, content: {application/json: {schema: {$ref: '#/components/schemas/TillView'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/Problem'}
          /api/v1/petrol/pins/{pin}/release:
            post:
              summary: >-
                Give the PIN's seats back (the fan may go to another till). Look-ups are limited per clerk and station; repeated misses lock the clerk out (429).
              x-hns-role: petrol_staff
              parameters:
                - {name: pin, in: path, required: true, schema: {type: string, minLength: 1, maxLength: 64}}
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TillInput'}}}}
              responses:
                '200': {description: the sale at this till, content: {application/json: {schema: {$ref: '#/components/schemas/TillView'}}}}
                '403': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '429': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/petrol/settlement:
            get:
              summary: >-
                Petrol's settlement (admin): confirmed sales per station and Zagreb day from `from` to `to` (inclusive),
                with Petrol's commission and what Petrol owes; JSON or a real XLSX (`format=xlsx`).
              x-hns-role: admin
              parameters:
                - {name: from, in: query, required: true, schema: {type: string, format: date}}
                - {name: to, in: query, required: true, schema: {type: string, format: date}}
                - {name: station, in: query, required: false, schema: {type: string, minLength: 1, maxLength: 64}}
                - {name: format, in: query, required: false, schema: {type: string, enum: [json, xlsx]}}
              responses:
                '200':
                  description: the settlement
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [from, to, commission_basis_points, lines, totals]
                        properties:
                          from: {type: string}
                          to: {type: string}
                          commission_basis_points: {type: integer}
                          lines: {type: array, items: {$ref: '#/components/schemas/PetrolSettlementLine'}}
                          totals: {$ref: '#/components/schemas/PetrolSettlementLine'}
                    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/receivables:
            get:
              summary: >-
                What partners owe for quota orders on their account (admin), oldest due first, at most 1000, with totals:
                `state=overdue` is what is past due and unpaid.
              x-hns-role: admin
              parameters:
                - {name: match_id, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 9223372036854775807}}
                - {name: state, in: query, required: false, schema: {type: string, enum: [open, overdue, paid, blocked, cancelled]}}
              responses:
                '200':
                  description: receivables
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [totals, receivables]
                        properties:
                          totals: {$ref: '#/components/schemas/ReceivableTotals'}
                          receivables: {type: array, items: {$ref: '#/components/schemas/Receivable'}}
                '422': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/receivables/{orderId}/reminders:
            post:
              summary: Remind the partner of an open order on account now (admin), by email; 409 unless open
              x-hns-role: admin
              parameters:
                - {name: orderId, in: path, required: true, schema: {type: string, format: uuid}}
              responses:
                '200': {description: reminded, content: {application/json: {schema: {$ref: '#/components/schemas/Receivable'}}}}
                '404': {$ref: '#/components/responses/Problem'}
                '409': {$ref: '#/components/responses/Problem'}
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
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/BlacklistEntryInput'}}}}
              responses:
                '201': {description: added, content: {application/json: {schema: {$ref: '#/components/schemas/BlacklistEntry'}}}}
                '422': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403': {$ref: '#/components/responses/Problem'}
          /api/v1/admin/blacklist/import:
            post:
              summary: Import a CSV (header from oib, passport_country, passport_number, first_name, last_name, date_of_birth, reason); all or nothing (admin)
              x-hns-role: admin
              requestBody:
                required: true
                content:
                  text/csv:
                    schema:
                      description: >-
                        A header line naming some of the columns (any order, reason required), then one entry per line with
                        as many fields as the header, each a blacklist entry as for POST /api/v1/admin/blacklist (blank fields
                        are absent; an OIB's check digit is checked) and at least one entry; fields are separated by commas,
                        a field may be double-quoted ("" for a quote), and no field holds a control character (but tab) or
                        more than 10000 characters; blank lines are skipped; at most 8 MiB (the schema says 2097152 characters,
                        which always fit). JSON Schema cannot count a
                        header's columns, so the pattern describes three plain forms of such a file: passport entries,
                        entries by name and date of birth, and all seven columns with a passport or a name and date of birth.
                      type: string
                      minLength: 1
                      maxLength: 2097152
                      pattern: "^(passport_country,passport_number,reason(\\r?\\n(AD|AE|AF|AG|AI|AL|AM|AO|AQ|AR|AS|AT|AU|AW|AX|AZ|BA|BB|BD|BE|BF|BG|BH\
                        |BI|BJ|BL|BM|BN|BO|BQ|BR|BS|BT|BV|BW|BY|BZ|CA|CC|CD|CF|CG|CH|CI|CK|CL|CM|CN|CO|CR|CU|CV|CW|CX|CY|CZ|DE|DJ|DK|DM|DO|DZ|\
                        EC|EE|EG|EH|ER|ES|ET|FI|FJ|FK|FM|FO|FR|GA|GB|GD|GE|GF|GG|GH|GI|GL|GM|GN|GP|GQ|GR|GS|GT|GU|GW|GY|HK|HM|HN|HR|HT|HU|ID|I\
                        E|IL|IM|IN|IO|IQ|IR|IS|IT|JE|JM|JO|JP|KE|KG|KH|KI|KM|KN|KP|KR|KW|KY|KZ|LA|LB|LC|LI|LK|LR|LS|LT|LU|LV|LY|MA|MC|MD|ME|MF\
                        |MG|MH|MK|ML|MM|MN|MO|MP|MQ|MR|MS|MT|MU|MV|MW|MX|MY|MZ|NA|NC|NE|NF|NG|NI|NL|NO|NP|NR|NU|NZ|OM|PA|PE|PF|PG|PH|PK|PL|PM|\
                        PN|PR|PS|PT|PW|PY|QA|RE|RO|RS|RU|RW|SA|SB|SC|SD|SE|SG|SH|SI|SJ|SK|SL|SM|SN|SO|SR|SS|ST|SV|SX|SY|SZ|TC|TD|TF|TG|TH|TJ|T\
                        K|TL|TM|TN|TO|TR|TT|TV|TW|TZ|UA|UG|UM|US|UY|UZ|VA|VC|VE|VG|VI|VN|VU|WF|WS|YE|YT|ZA|ZM|ZW|XK),[\\u0009\\u0020\\u0021\
                        \\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\
                        \\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\
                        \\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\
                        \\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\
                        \\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\
                        \\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\
                        \\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\
                        \\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\
                        \\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\
                        \\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\
                        \\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*)+|first_name\
                        ,last_name,date_of_birth,reason(\\r?\\n[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\
                        \\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\
                        \\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\
                        \\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\
                        \\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E\
                        -\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\\u0020\
                        \\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E\
                        -\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\
                        \\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\
                        \\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\
                        \\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\
                        \\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,((158[3-9]|159[0-9]|1[6-9][0-9]{2}|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1\
                        -9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|((1[6-9]|[2-9][0-9])(0[48]|[2468][04\
                        8]|[13579][26])|158[48]|159[26]|(16|[2468][048]|[3579][26])00)-02-29),[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\
                        \\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A\
                        -\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A1-\
                        \\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\
                        \\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\
                        \\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\
                        \\u3000]*)+|oib,passport_country,passport_number,first_name,last_name,date_of_birth,reason(\\r?\\n[\\u0009\\u0020\
                        \\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,((AD|AE|AF|AG|AI|AL|AM|AO|AQ|AR|AS|AT|AU|AW|AX|AZ|BA|BB|BD|BE|BF|\
                        BG|BH|BI|BJ|BL|BM|BN|BO|BQ|BR|BS|BT|BV|BW|BY|BZ|CA|CC|CD|CF|CG|CH|CI|CK|CL|CM|CN|CO|CR|CU|CV|CW|CX|CY|CZ|DE|DJ|DK|DM|D\
                        O|DZ|EC|EE|EG|EH|ER|ES|ET|FI|FJ|FK|FM|FO|FR|GA|GB|GD|GE|GF|GG|GH|GI|GL|GM|GN|GP|GQ|GR|GS|GT|GU|GW|GY|HK|HM|HN|HR|HT|HU\
                        |ID|IE|IL|IM|IN|IO|IQ|IR|IS|IT|JE|JM|JO|JP|KE|KG|KH|KI|KM|KN|KP|KR|KW|KY|KZ|LA|LB|LC|LI|LK|LR|LS|LT|LU|LV|LY|MA|MC|MD|\
                        ME|MF|MG|MH|MK|ML|MM|MN|MO|MP|MQ|MR|MS|MT|MU|MV|MW|MX|MY|MZ|NA|NC|NE|NF|NG|NI|NL|NO|NP|NR|NU|NZ|OM|PA|PE|PF|PG|PH|PK|P\
                        L|PM|PN|PR|PS|PT|PW|PY|QA|RE|RO|RS|RU|RW|SA|SB|SC|SD|SE|SG|SH|SI|SJ|SK|SL|SM|SN|SO|SR|SS|ST|SV|SX|SY|SZ|TC|TD|TF|TG|TH\
                        |TJ|TK|TL|TM|TN|TO|TR|TT|TV|TW|TZ|UA|UG|UM|US|UY|UZ|VA|VC|VE|VG|VI|VN|VU|WF|WS|YE|YT|ZA|ZM|ZW|XK),[\\u0009\\u0020\
                        \\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E\
                        -\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\
                        \\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\
                        \\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\
                        \\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\
                        \\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\
                        \\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\
                        \\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\
                        \\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\
                        \\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,([\\u0009\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\
                        \\u205F\\u3000]*|((158[3-9]|159[0-9]|1[6-9][0-9]{2}|[2-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|\
                        11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|((1[6-9]|[2-9][0-9])(0[48]|[2468][048]|[13579][26])|158[48]|159[2\
                        6]|(16|[2468][048]|[3579][26])00)-02-29))|[\\u0009\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\
                        \\u0020\\u00A0\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\
                        \\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\
                        \\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A1-\
                        \\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\
                        \\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\
                        \\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\
                        \\u3000]*,[\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\
                        \\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\
                        \\u3000]*[\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\
                        \\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\
                        \\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\
                        \\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*,((158[3-9]|159[0-9]|1[6-9][0-9]{2}|[2-9][0-9]{3})-\
                        ((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))|((1[6-9]|[2-9]\
                        [0-9])(0[48]|[2468][048]|[13579][26])|158[48]|159[26]|(16|[2468][048]|[3579][26])00)-02-29)),[\\u0009\\u0020\\u0021\
                        \\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\
                        \\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*[\\u0021\\u0023-\
                        \\u002B\\u002D-\\u007E\\u00A1-\\u02FF\\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\
                        \\u0482\\u048A-\\u052F\\u4E00-\\u9FFF][\\u0009\\u0020\\u0021\\u0023-\\u002B\\u002D-\\u007E\\u00A0\\u00A1-\\u02FF\
                        \\u0370-\\u0377\\u037A-\\u037F\\u0384-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u0482\\u048A-\\u052F\\u4E00-\\u9FFF\
                        \\u1680\\u2000-\\u200A\\u202F\\u205F\\u3000]*)+)(\\r?\\n)?$"
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
                '503': {$ref: '#/components/responses/Problem'}
          /webhooks/stripe:
            post:
              summary: Stripe events as the event bus delivers them (envelope {subject, data, timestamp, message_id}); Bearer = the bus subscription token
              security: [{busDelivery: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/StripeDelivery'}}}}
              responses:
                '200':
                  description: handled (or a duplicate)
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          outcome:
                            type: string
                            enum: [duplicate, ignored, tickets_issued, already_paid, refunded, failed, cancelled, unknown_order, refund_updated]
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
        """#
}
