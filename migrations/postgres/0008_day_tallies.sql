-- Tallies of each account's logs per 15 minutes of UTC time, kept by triggers in the transaction
-- of every insert, update and delete of a log, whichever path writes (the API, demo seeding, an
-- account's deletion). The landing screen's cost must not grow with a busy day: feel then reads
-- at most 96 tally rows per day (and symptom type) instead of every log of the day. Every time
-- zone offset in use today is a multiple of 15 minutes, so a local day's bounds fall on bucket
-- bounds. A bucket is its first instant, in the log times' own type.
CREATE TABLE medication_log_tallies (
    user_id             UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bucket              TIMESTAMPTZ NOT NULL,
    logs                BIGINT NOT NULL,
    effectiveness_sum   BIGINT NOT NULL,
    effectiveness_rated BIGINT NOT NULL,
    PRIMARY KEY (user_id, bucket)
);

CREATE TABLE symptom_log_tallies (
    user_id         UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symptom_type_id UUID NOT NULL REFERENCES symptom_types (id) ON DELETE CASCADE,
    bucket          TIMESTAMPTZ NOT NULL,
    logs            BIGINT NOT NULL,
    severity_sum    BIGINT NOT NULL,
    severity_max    INTEGER NOT NULL,
    PRIMARY KEY (user_id, symptom_type_id, bucket)
);

-- The 15 minutes holding `at`, rounded down also before 1970 (epoch arithmetic rather than
-- date_bin, whose rounding before its origin differs between server versions).
CREATE FUNCTION log_tally_bucket(at TIMESTAMPTZ) RETURNS TIMESTAMPTZ
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_timestamp(floor(extract(epoch FROM at) / 900) * 900) $$;

-- Statement-level triggers over transition tables, as for account_usage: a statement that deletes
-- many logs (an account's deletion) changes each bucket once, not once per log. An update takes
-- its rows out of their old buckets and adds them to their new ones. The touched buckets are
-- locked first, in key order: two edits moving logs across the same buckets then wait for each
-- other instead of deadlocking, and a maximum read again after the lock sees every log that a
-- concurrent write has added to the bucket (each statement here takes a fresh snapshot).
CREATE FUNCTION medication_log_tallies_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- Most edits change notes or a dose, nothing a tally holds.
        IF NOT EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.user_id, log_tally_bucket(o.taken_at), o.effectiveness)
                IS DISTINCT FROM (n.user_id, log_tally_bucket(n.taken_at), n.effectiveness)
        ) THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM medication_log_tallies t
            WHERE (t.user_id, t.bucket) IN (
                SELECT user_id, log_tally_bucket(taken_at) FROM old_rows
                UNION SELECT user_id, log_tally_bucket(taken_at) FROM new_rows)
            ORDER BY t.user_id, t.bucket FOR UPDATE;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE medication_log_tallies t SET logs = t.logs - gone.logs,
            effectiveness_sum = t.effectiveness_sum - gone.effectiveness_sum,
            effectiveness_rated = t.effectiveness_rated - gone.effectiveness_rated
        FROM (SELECT user_id, log_tally_bucket(taken_at) AS bucket, COUNT(*) AS logs,
                     COALESCE(SUM(effectiveness), 0) AS effectiveness_sum,
                     COUNT(effectiveness) AS effectiveness_rated
              FROM old_rows GROUP BY 1, 2) gone
        WHERE t.user_id = gone.user_id AND t.bucket = gone.bucket;
        DELETE FROM medication_log_tallies t
        USING (SELECT DISTINCT user_id, log_tally_bucket(taken_at) AS bucket FROM old_rows) gone
        WHERE t.user_id = gone.user_id AND t.bucket = gone.bucket AND t.logs = 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO medication_log_tallies AS t
            (user_id, bucket, logs, effectiveness_sum, effectiveness_rated)
        SELECT user_id, log_tally_bucket(taken_at), COUNT(*), COALESCE(SUM(effectiveness), 0),
               COUNT(effectiveness)
        FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (user_id, bucket) DO UPDATE SET logs = t.logs + EXCLUDED.logs,
            effectiveness_sum = t.effectiveness_sum + EXCLUDED.effectiveness_sum,
            effectiveness_rated = t.effectiveness_rated + EXCLUDED.effectiveness_rated;
    END IF;
    RETURN NULL;
END;
$$;

-- As for medication logs; besides, a maximum cannot be taken back: when a log that may hold it
-- leaves, the bucket's maximum is read again from the logs still in it (one symptom type's 15
-- minutes of the covering index).
CREATE FUNCTION symptom_log_tallies_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.user_id, o.symptom_type_id, log_tally_bucket(o.started_at), o.severity)
                IS DISTINCT FROM
                  (n.user_id, n.symptom_type_id, log_tally_bucket(n.started_at), n.severity)
        ) THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM symptom_log_tallies t
            WHERE (t.user_id, t.symptom_type_id, t.bucket) IN (
                SELECT user_id, symptom_type_id, log_tally_bucket(started_at) FROM old_rows
                UNION SELECT user_id, symptom_type_id, log_tally_bucket(started_at) FROM new_rows)
            ORDER BY t.user_id, t.symptom_type_id, t.bucket FOR UPDATE;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM symptom_log_tallies t
            WHERE (t.user_id, t.symptom_type_id, t.bucket) IN (
                SELECT user_id, symptom_type_id, log_tally_bucket(started_at) FROM old_rows)
            ORDER BY t.user_id, t.symptom_type_id, t.bucket FOR UPDATE;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE symptom_log_tallies t SET logs = t.logs - gone.logs,
            severity_sum = t.severity_sum - gone.severity_sum,
            severity_max = CASE WHEN gone.top < t.severity_max THEN t.severity_max
                ELSE COALESCE((SELECT MAX(l.severity) FROM symptom_logs l
                               WHERE l.user_id = t.user_id AND l.symptom_type_id = t.symptom_type_id
                                 AND l.started_at >= t.bucket
                                 AND l.started_at < t.bucket + INTERVAL '15 minutes'), 0) END
        FROM (SELECT user_id, symptom_type_id, log_tally_bucket(started_at) AS bucket,
                     COUNT(*) AS logs, SUM(severity) AS severity_sum, MAX(severity) AS top
              FROM old_rows GROUP BY 1, 2, 3) gone
        WHERE t.user_id = gone.user_id AND t.symptom_type_id = gone.symptom_type_id
          AND t.bucket = gone.bucket;
        DELETE FROM symptom_log_tallies t
        USING (SELECT DISTINCT user_id, symptom_type_id, log_tally_bucket(started_at) AS bucket
               FROM old_rows) gone
        WHERE t.user_id = gone.user_id AND t.symptom_type_id = gone.symptom_type_id
          AND t.bucket = gone.bucket AND t.logs = 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO symptom_log_tallies AS t
            (user_id, symptom_type_id, bucket, logs, severity_sum, severity_max)
        SELECT user_id, symptom_type_id, log_tally_bucket(started_at), COUNT(*), SUM(severity),
               MAX(severity)
        FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (user_id, symptom_type_id, bucket) DO UPDATE SET logs = t.logs + EXCLUDED.logs,
            severity_sum = t.severity_sum + EXCLUDED.severity_sum,
            severity_max = GREATEST(t.severity_max, EXCLUDED.severity_max);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER medication_logs_tallied AFTER INSERT ON medication_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION medication_log_tallies_kept();
CREATE TRIGGER medication_logs_retallied AFTER UPDATE ON medication_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION medication_log_tallies_kept();
CREATE TRIGGER medication_logs_untallied AFTER DELETE ON medication_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION medication_log_tallies_kept();

CREATE TRIGGER symptom_logs_tallied AFTER INSERT ON symptom_logs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION symptom_log_tallies_kept();
CREATE TRIGGER symptom_logs_retallied AFTER UPDATE ON symptom_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION symptom_log_tallies_kept();
CREATE TRIGGER symptom_logs_untallied AFTER DELETE ON symptom_logs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION symptom_log_tallies_kept();

INSERT INTO medication_log_tallies (user_id, bucket, logs, effectiveness_sum, effectiveness_rated)
SELECT user_id, log_tally_bucket(taken_at), COUNT(*), COALESCE(SUM(effectiveness), 0),
       COUNT(effectiveness)
FROM medication_logs GROUP BY 1, 2;

INSERT INTO symptom_log_tallies (user_id, symptom_type_id, bucket, logs, severity_sum, severity_max)
SELECT user_id, symptom_type_id, log_tally_bucket(started_at), COUNT(*), SUM(severity),
       MAX(severity)
FROM symptom_logs GROUP BY 1, 2, 3;
