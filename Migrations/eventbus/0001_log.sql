-- The bus's own schema: an append-only log with a gap-free sequence, dedupe ids, and one
-- cursor per durable subscription.
CREATE SCHEMA IF NOT EXISTS eventbus;

-- One row per stream: the sequencer. Publishing transactions lock it, so sequence numbers are
-- assigned and committed in the same order and a reader never sees seq N+1 before N.
CREATE TABLE eventbus.streams (
    name        text PRIMARY KEY,
    last_seq    bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The log. `data` keeps the published JSON text byte for byte.
CREATE TABLE eventbus.messages (
    seq           bigint PRIMARY KEY,
    subject       text NOT NULL,
    msg_id        text NOT NULL,
    data          text NOT NULL,
    published_at  timestamptz NOT NULL
);
CREATE INDEX messages_published_at ON eventbus.messages (published_at);

-- Publisher-supplied Msg-Ids inside the duplicate window.
CREATE TABLE eventbus.dedupe (
    msg_id        text PRIMARY KEY,
    seq           bigint NOT NULL,
    published_at  timestamptz NOT NULL
);
CREATE INDEX dedupe_published_at ON eventbus.dedupe (published_at);

-- Durable subscriptions. Every seq <= acked_seq is done for this subscription.
CREATE TABLE eventbus.subscriptions (
    name          text PRIMARY KEY,
    acked_seq     bigint NOT NULL,
    generation    bigint NOT NULL DEFAULT 0,     -- bumped by a reset so the running worker reloads
    lease_owner   text,
    lease_until   timestamptz,
    last_error    text,
    last_error_at timestamptz,
    missed        bigint NOT NULL DEFAULT 0,     -- messages removed by retention before delivery
    created_at    timestamptz NOT NULL DEFAULT now(),
    removed_at    timestamptz                    -- no longer in the config; cursor kept for a while
);

-- Attempts of messages that failed at least once (absent = never failed).
CREATE TABLE eventbus.attempts (
    subscription  text NOT NULL REFERENCES eventbus.subscriptions (name) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    attempts      integer NOT NULL,
    last_error    text,
    PRIMARY KEY (subscription, seq)
);

CREATE TABLE eventbus.dead_letters (
    subscription  text NOT NULL REFERENCES eventbus.subscriptions (name) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    attempts      integer NOT NULL,
    last_error    text,
    dead_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription, seq)
);

-- Operator requests to deliver a message again (redeliver, re-drive of dead letters).
CREATE TABLE eventbus.redeliveries (
    subscription  text NOT NULL REFERENCES eventbus.subscriptions (name) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscription, seq)
);
