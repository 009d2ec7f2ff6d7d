-- E1: the ticketing profile of a Drupal user (identity lives in Drupal; this is what we need to sell).
CREATE TABLE profiles.profiles (
    user_id          text PRIMARY KEY,
    email            text,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    date_of_birth    date NOT NULL,
    oib              char(11),
    passport_number  text,
    passport_country char(2),
    nationality      char(2) NOT NULL,
    phone            text,
    -- Set by the loyalty programme; sales phases may admit only some tiers.
    loyalty_tier     text NOT NULL DEFAULT 'none' CHECK (loyalty_tier IN ('none', 'bronze', 'silver', 'gold')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (oib IS NOT NULL OR passport_number IS NOT NULL),
    CHECK ((passport_number IS NULL) = (passport_country IS NULL))
);
-- One person, one profile: an OIB identifies a person.
CREATE UNIQUE INDEX profiles_oib_unique ON profiles.profiles (oib) WHERE oib IS NOT NULL;
