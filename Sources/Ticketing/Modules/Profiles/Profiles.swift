import Foundation
import HNSCore
import HNSIdentity
import HNSPostgres
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// E1: the ticketing profile linked to a Drupal user id.
struct Profiles: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    /// A person's loyalty tier (the loyalty ledger's, by person key); shown on the profile.
    var tierOf: @Sendable (_ personKey: String) async throws -> String = { _ in "none" }

    /// Sent flat: the person's fields beside the profile's own.
    struct Profile: Encodable, ResponseEncodable, Sendable, Equatable {
        var userId: String
        var email: String?
        var person: PersonIdentity
        var phone: String?
        var loyaltyTier: String
        var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case userId = "user_id"
            case email, phone
            case loyaltyTier = "loyalty_tier"
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            try self.person.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(self.userId, forKey: .userId)
            try c.encode(self.email, forKey: .email)
            try c.encode(self.phone, forKey: .phone)
            try c.encode(self.loyaltyTier, forKey: .loyaltyTier)
            try c.encode(self.updatedAt, forKey: .updatedAt)
        }
    }

    struct Update: Decodable, Sendable {
        var person: PersonIdentity
        var phone: String?

        init(from decoder: any Decoder) throws {
            self.person = try PersonIdentity(from: decoder)
            let c = try decoder.container(keyedBy: Keys.self)
            self.phone = try c.decodeIfPresent(String.self, forKey: .phone)
        }
        enum Keys: String, CodingKey { case phone }
    }

    func profile(userID: String) async throws -> Profile? {
        let rows = try await self.postgres.query(
            """
            SELECT user_id, email, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD'), oib, passport_number,
                   passport_country, nationality, phone, updated_at
            FROM profiles.profiles WHERE user_id = \(userID)
            """, logger: self.logger)
        for try await (user, email, first, last, dob, oib, passport, country, nationality, phone, updated) in rows.decode(
            (String, String?, String, String, String, String?, String?, String?, String, String?, Date).self)
        {
            let person = PersonIdentity(
                firstName: first, lastName: last, dateOfBirth: dob, oib: oib, passportNumber: passport,
                passportCountry: country, nationality: nationality)
            return Profile(
                userId: user, email: email, person: person, phone: phone, loyaltyTier: try await self.tierOf(person.key), updatedAt: updated)
        }
        return nil
    }

    /// Creates or replaces the caller's profile. Invalid input changes nothing.
    func save(userID: String, email: String?, update: Update, actor: Actor) async throws -> Profile {
        let person = update.person.normalized()
        var errors = person.validate()
        let phone = update.phone?.replacingOccurrences(of: " ", with: "")
        if let phone, !phone.isEmpty, phone.wholeMatch(of: /\+[1-9][0-9]{6,14}/) == nil {
            errors.append(.init(field: "phone", message: "must be an international number such as +385911234567"))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        do {
            try await self.postgres.withTransaction(logger: self.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO profiles.profiles (user_id, email, first_name, last_name, date_of_birth, oib, passport_number,
                                                   passport_country, nationality, phone)
                    VALUES (\(userID), \(email), \(person.firstName), \(person.lastName), \(person.dateOfBirth)::date, \(person.oib),
                            \(person.passportNumber), \(person.passportCountry), \(person.nationality), \(phone?.isEmpty == false ? phone : nil))
                    ON CONFLICT (user_id) DO UPDATE SET
                        email = EXCLUDED.email, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                        date_of_birth = EXCLUDED.date_of_birth, oib = EXCLUDED.oib, passport_number = EXCLUDED.passport_number,
                        passport_country = EXCLUDED.passport_country, nationality = EXCLUDED.nationality, phone = EXCLUDED.phone,
                        updated_at = now()
                    """, logger: self.logger)
                // The trail says which fields were sent, not the personal data itself (it lives in the profile).
                try await Audit.write(
                    Audit.Entry(
                        domain: .userProfile, action: "profile.saved", actor: actor, subjects: ["user:\(userID)"],
                        data: [
                            "identity": .string(person.oib != nil ? "oib" : "passport"), "phone": .bool(phone?.isEmpty == false),
                        ]), on: connection, logger: self.logger)
            }
        } catch  where SQLState.isUniqueViolation(error) {
            throw Problem(
                TicketingProblems.oibTaken, detail: "This OIB already belongs to another profile.",
                errors: [.init(field: "oib", message: "belongs to another profile")])
        }
        return try await self.profile(userID: userID)!
    }

    /// The person a user's profile names (OIB, else passport: `PersonIdentity.key`); nil without a profile.
    func personKey(userID: String) async throws -> String? {
        let rows = try await self.postgres.query(
            "SELECT oib, passport_country, passport_number FROM profiles.profiles WHERE user_id = \(userID)", logger: self.logger)
        for try await (oib, country, number) in rows.decode((String?, String?, String?).self) {
            return PersonIdentity.key(oib: oib, passportCountry: country, passportNumber: number)
        }
        return nil
    }

    /// The users whose profiles name these people (the fans a loyalty notice goes to).
    static func users(_ connection: PostgresConnection, personKeys: [String], logger: Logger) async throws -> [String] {
        let oibs = personKeys.compactMap { $0.hasPrefix("oib:") ? String($0.dropFirst(4)) : nil }
        let passports = personKeys.filter { $0.hasPrefix("passport:") }
        let rows = try await connection.query(
            """
            SELECT p.user_id FROM profiles.profiles p JOIN unnest(\(oibs)::text[]) AS k(oib) ON p.oib = k.oib
            UNION
            SELECT p.user_id FROM profiles.profiles p JOIN unnest(\(passports)::text[]) AS k(key)
                ON 'passport:' || p.passport_country || ':' || p.passport_number = k.key
            WHERE p.passport_number IS NOT NULL
            """, logger: logger)
        var out: [String] = []
        for try await user in rows.decode(String.self) { out.append(user) }
        return out
    }
}

extension Profiles {
    func addRoutes(to groups: RouteGroups) {
        groups.customer.get("me/profile") { _, context -> Profile in
            guard let profile = try await self.profile(userID: context.identity.userID) else {
                throw Problem.notFound("You have no ticketing profile yet; PUT one.")
            }
            return profile
        }
        groups.customer.put("me/profile") { request, context -> Profile in
            let update = try await request.decodeJSON(as: Update.self, context: context)
            return try await self.save(userID: context.identity.userID, email: context.identity.email, update: update, actor: context.actor)
        }
    }
}
