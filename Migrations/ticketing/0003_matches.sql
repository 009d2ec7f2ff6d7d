-- E2: stadium templates, matches, their state history and versioned per-match configuration.
CREATE TABLE matches.stadiums (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    city        text NOT NULL,
    -- The template exactly as imported, so export returns what came in.
    template    jsonb NOT NULL,
    seat_count  integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE matches.matches (
    id                    bigserial PRIMARY KEY,
    competition           text NOT NULL,
    opponent              text NOT NULL,
    venue_kind            text NOT NULL CHECK (venue_kind IN ('home', 'away')),
    venue                 text NOT NULL,
    -- HOME: the template the inventory was copied from; AWAY: null until a seat map is attached.
    stadium_id            bigint REFERENCES matches.stadiums (id),
    kickoff_at            timestamptz NOT NULL,
    state                 text NOT NULL DEFAULT 'draft'
                          CHECK (state IN ('draft', 'published', 'on_sale', 'sold_out', 'closed', 'cancelled')),
    max_tickets_per_buyer integer NOT NULL DEFAULT 4 CHECK (max_tickets_per_buyer BETWEEN 1 AND 50),
    sales_phases          jsonb NOT NULL DEFAULT '[]',
    config_version        integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (venue_kind = 'away' OR stadium_id IS NOT NULL)
);

CREATE TABLE matches.state_changes (
    id         bigserial PRIMARY KEY,
    match_id   bigint NOT NULL REFERENCES matches.matches (id),
    from_state text,
    to_state   text NOT NULL,
    actor      text NOT NULL,
    reason     text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_changes_match ON matches.state_changes (match_id, id);

-- Every version of a match's configuration is kept: the whole document and the change that made it.
CREATE TABLE matches.config_versions (
    match_id   bigint NOT NULL REFERENCES matches.matches (id),
    version    integer NOT NULL CHECK (version >= 1),
    config     jsonb NOT NULL,
    change     jsonb NOT NULL,
    actor      text NOT NULL,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (match_id, version)
);
