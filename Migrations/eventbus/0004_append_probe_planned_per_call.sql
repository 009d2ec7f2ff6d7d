-- The dedupe probe is planned on every call (EXECUTE) instead of once per connection. PL/pgSQL
-- keeps a generic plan made when the table was small: a bus started on an empty table (and not yet
-- analysed) kept a sequential scan of eventbus.dedupe per id, ~10 ms per group commit after 20k
-- messages, until autovacuum's ANALYZE invalidated it. A fresh plan sizes the table as it is now;
-- planning it costs a few tens of microseconds per group commit. Same semantics as 0003.
CREATE OR REPLACE FUNCTION eventbus.append(p_stream text, p_subjects text[], p_msg_ids text[], p_data text[], p_window_s float8)
RETURNS TABLE (out_seq bigint, out_duplicate boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_last bigint;
    v_now timestamptz;
    v_n int := coalesce(array_length(p_subjects, 1), 0);
    v_known bigint[];
    v_seqs bigint[] := '{}';
    v_dups boolean[] := '{}';
    n_seq bigint[] := '{}';
    n_subject text[] := '{}';
    n_id text[] := '{}';
    n_data text[] := '{}';
    d_id text[] := '{}';
    d_seq bigint[] := '{}';
    v_id text;
    v_j int;
    v_seq bigint;
    v_subjects text;
BEGIN
    UPDATE eventbus.streams SET last_seq = last_seq WHERE name = p_stream
    RETURNING last_seq, clock_timestamp() INTO v_last, v_now;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown stream %', p_stream;
    END IF;
    -- Read after taking the lock: whatever the previous holder committed is visible here.
    -- One primary-key probe per id (LIMIT keeps the planner from flattening the lateral lookup
    -- back into a join), planned on every call: see the header.
    EXECUTE $q$
        SELECT array_agg(d.seq ORDER BY u.ord)
        FROM unnest($1) WITH ORDINALITY AS u(id, ord)
        LEFT JOIN LATERAL (
            SELECT x.seq FROM eventbus.dedupe x
            WHERE x.msg_id = u.id AND x.published_at > $2 - make_interval(secs => $3)
            LIMIT 1
        ) d ON true$q$
    INTO v_known USING p_msg_ids, v_now, p_window_s;
    FOR i IN 1..v_n LOOP
        v_id := nullif(p_msg_ids[i], '');  -- '' = no Msg-Id (a real one is 1 to 256 bytes)
        v_seq := NULL;
        IF v_id IS NOT NULL THEN
            v_seq := v_known[i];
            IF v_seq IS NULL THEN
                v_j := array_position(d_id, v_id);  -- a duplicate inside this group
                IF v_j IS NOT NULL THEN
                    v_seq := d_seq[v_j];
                END IF;
            END IF;
        END IF;
        IF v_seq IS NOT NULL THEN
            v_seqs := v_seqs || v_seq;
            v_dups := v_dups || true;
        ELSE
            v_last := v_last + 1;
            n_seq := n_seq || v_last;
            n_subject := n_subject || p_subjects[i];
            n_id := n_id || coalesce(v_id, gen_random_uuid()::text);
            n_data := n_data || p_data[i];
            IF v_id IS NOT NULL THEN
                d_id := d_id || v_id;
                d_seq := d_seq || v_last;
            END IF;
            v_seqs := v_seqs || v_last;
            v_dups := v_dups || false;
        END IF;
    END LOOP;
    IF coalesce(array_length(n_seq, 1), 0) > 0 THEN
        INSERT INTO eventbus.messages (seq, subject, msg_id, data, published_at)
        SELECT u.s, u.sub, u.id, u.d, v_now FROM unnest(n_seq, n_subject, n_id, n_data) AS u(s, sub, id, d);
        INSERT INTO eventbus.dedupe (msg_id, seq, published_at)
        SELECT u.id, u.s, v_now FROM unnest(d_id, d_seq) AS u(id, s)
        ON CONFLICT (msg_id) DO UPDATE SET seq = EXCLUDED.seq, published_at = EXCLUDED.published_at;
        UPDATE eventbus.streams SET last_seq = v_last WHERE name = p_stream;
        -- The payload names the subjects, so only the subscriptions that want them wake up.
        SELECT string_agg(DISTINCT x, ' ') INTO v_subjects FROM unnest(n_subject) AS x;
        PERFORM pg_notify('eventbus_published', CASE WHEN length(v_subjects) > 7000 THEN '*' ELSE v_subjects END);
    END IF;
    RETURN QUERY SELECT a.s, a.d FROM unnest(v_seqs, v_dups) AS a(s, d);
END
$fn$;
