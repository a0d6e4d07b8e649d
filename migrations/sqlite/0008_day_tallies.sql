-- Tallies of each account's logs per 15 minutes of UTC time, kept by triggers in the transaction
-- of every insert, update and delete of a log, whichever path writes (the API, demo seeding, an
-- account's deletion). The landing screen's cost must not grow with a busy day: feel then reads
-- at most 96 tally rows per day (and symptom type) instead of every log of the day. Every time
-- zone offset in use today is a multiple of 15 minutes, so a local day's bounds fall on bucket
-- bounds. A bucket is its first instant, in the log times' own unit (milliseconds since the
-- epoch), rounded down also before 1970.
CREATE TABLE medication_log_tallies (
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bucket              INTEGER NOT NULL,
    logs                INTEGER NOT NULL,
    effectiveness_sum   INTEGER NOT NULL,
    effectiveness_rated INTEGER NOT NULL,
    PRIMARY KEY (user_id, bucket)
) WITHOUT ROWID;

CREATE TABLE symptom_log_tallies (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symptom_type_id TEXT NOT NULL REFERENCES symptom_types (id) ON DELETE CASCADE,
    bucket          INTEGER NOT NULL,
    logs            INTEGER NOT NULL,
    severity_sum    INTEGER NOT NULL,
    severity_max    INTEGER NOT NULL,
    PRIMARY KEY (user_id, symptom_type_id, bucket)
) WITHOUT ROWID;

CREATE TRIGGER medication_logs_tallied AFTER INSERT ON medication_logs BEGIN
    INSERT INTO medication_log_tallies (user_id, bucket, logs, effectiveness_sum, effectiveness_rated)
    VALUES (NEW.user_id, NEW.taken_at - (NEW.taken_at % 900000 + 900000) % 900000, 1,
            COALESCE(NEW.effectiveness, 0), NEW.effectiveness IS NOT NULL)
    ON CONFLICT (user_id, bucket) DO UPDATE SET logs = logs + 1,
        effectiveness_sum = effectiveness_sum + excluded.effectiveness_sum,
        effectiveness_rated = effectiveness_rated + excluded.effectiveness_rated;
END;

-- A bucket's row goes with its last log, so that an account's tallies hold only what it logged.
CREATE TRIGGER medication_logs_untallied AFTER DELETE ON medication_logs BEGIN
    DELETE FROM medication_log_tallies
    WHERE user_id = OLD.user_id AND bucket = OLD.taken_at - (OLD.taken_at % 900000 + 900000) % 900000
      AND logs = 1;
    UPDATE medication_log_tallies SET logs = logs - 1,
        effectiveness_sum = effectiveness_sum - COALESCE(OLD.effectiveness, 0),
        effectiveness_rated = effectiveness_rated - (OLD.effectiveness IS NOT NULL)
    WHERE user_id = OLD.user_id AND bucket = OLD.taken_at - (OLD.taken_at % 900000 + 900000) % 900000;
END;

-- An edit that moves a log to another bucket or changes its rating takes it out of its old bucket
-- and adds it to its new one; other edits (notes, dose) leave the tallies alone.
CREATE TRIGGER medication_logs_retallied AFTER UPDATE OF user_id, taken_at, effectiveness ON medication_logs
WHEN OLD.user_id IS NOT NEW.user_id
  OR OLD.taken_at - (OLD.taken_at % 900000 + 900000) % 900000
     <> NEW.taken_at - (NEW.taken_at % 900000 + 900000) % 900000
  OR OLD.effectiveness IS NOT NEW.effectiveness
BEGIN
    DELETE FROM medication_log_tallies
    WHERE user_id = OLD.user_id AND bucket = OLD.taken_at - (OLD.taken_at % 900000 + 900000) % 900000
      AND logs = 1;
    UPDATE medication_log_tallies SET logs = logs - 1,
        effectiveness_sum = effectiveness_sum - COALESCE(OLD.effectiveness, 0),
        effectiveness_rated = effectiveness_rated - (OLD.effectiveness IS NOT NULL)
    WHERE user_id = OLD.user_id AND bucket = OLD.taken_at - (OLD.taken_at % 900000 + 900000) % 900000;
    INSERT INTO medication_log_tallies (user_id, bucket, logs, effectiveness_sum, effectiveness_rated)
    VALUES (NEW.user_id, NEW.taken_at - (NEW.taken_at % 900000 + 900000) % 900000, 1,
            COALESCE(NEW.effectiveness, 0), NEW.effectiveness IS NOT NULL)
    ON CONFLICT (user_id, bucket) DO UPDATE SET logs = logs + 1,
        effectiveness_sum = effectiveness_sum + excluded.effectiveness_sum,
        effectiveness_rated = effectiveness_rated + excluded.effectiveness_rated;
END;

CREATE TRIGGER symptom_logs_tallied AFTER INSERT ON symptom_logs BEGIN
    INSERT INTO symptom_log_tallies (user_id, symptom_type_id, bucket, logs, severity_sum, severity_max)
    VALUES (NEW.user_id, NEW.symptom_type_id,
            NEW.started_at - (NEW.started_at % 900000 + 900000) % 900000, 1, NEW.severity, NEW.severity)
    ON CONFLICT (user_id, symptom_type_id, bucket) DO UPDATE SET logs = logs + 1,
        severity_sum = severity_sum + excluded.severity_sum,
        severity_max = MAX(severity_max, excluded.severity_max);
END;

-- A maximum cannot be taken back: when the log that may hold it leaves, the bucket's maximum is
-- read again from the logs still in it (one symptom type's 15 minutes of the covering index).
CREATE TRIGGER symptom_logs_untallied AFTER DELETE ON symptom_logs BEGIN
    DELETE FROM symptom_log_tallies
    WHERE user_id = OLD.user_id AND symptom_type_id = OLD.symptom_type_id
      AND bucket = OLD.started_at - (OLD.started_at % 900000 + 900000) % 900000 AND logs = 1;
    UPDATE symptom_log_tallies SET logs = logs - 1, severity_sum = severity_sum - OLD.severity,
        severity_max = CASE WHEN OLD.severity < severity_max THEN severity_max ELSE (
            SELECT MAX(l.severity) FROM symptom_logs l
            WHERE l.user_id = OLD.user_id AND l.symptom_type_id = OLD.symptom_type_id
              AND l.started_at >= symptom_log_tallies.bucket
              AND l.started_at < symptom_log_tallies.bucket + 900000) END
    WHERE user_id = OLD.user_id AND symptom_type_id = OLD.symptom_type_id
      AND bucket = OLD.started_at - (OLD.started_at % 900000 + 900000) % 900000;
END;

CREATE TRIGGER symptom_logs_retallied AFTER UPDATE OF user_id, symptom_type_id, started_at, severity ON symptom_logs
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.symptom_type_id IS NOT NEW.symptom_type_id
  OR OLD.started_at - (OLD.started_at % 900000 + 900000) % 900000
     <> NEW.started_at - (NEW.started_at % 900000 + 900000) % 900000
  OR OLD.severity <> NEW.severity
BEGIN
    DELETE FROM symptom_log_tallies
    WHERE user_id = OLD.user_id AND symptom_type_id = OLD.symptom_type_id
      AND bucket = OLD.started_at - (OLD.started_at % 900000 + 900000) % 900000 AND logs = 1;
    UPDATE symptom_log_tallies SET logs = logs - 1, severity_sum = severity_sum - OLD.severity,
        severity_max = CASE WHEN OLD.severity < severity_max THEN severity_max ELSE (
            SELECT MAX(l.severity) FROM symptom_logs l
            WHERE l.user_id = OLD.user_id AND l.symptom_type_id = OLD.symptom_type_id
              AND l.started_at >= symptom_log_tallies.bucket
              AND l.started_at < symptom_log_tallies.bucket + 900000) END
    WHERE user_id = OLD.user_id AND symptom_type_id = OLD.symptom_type_id
      AND bucket = OLD.started_at - (OLD.started_at % 900000 + 900000) % 900000;
    INSERT INTO symptom_log_tallies (user_id, symptom_type_id, bucket, logs, severity_sum, severity_max)
    VALUES (NEW.user_id, NEW.symptom_type_id,
            NEW.started_at - (NEW.started_at % 900000 + 900000) % 900000, 1, NEW.severity, NEW.severity)
    ON CONFLICT (user_id, symptom_type_id, bucket) DO UPDATE SET logs = logs + 1,
        severity_sum = severity_sum + excluded.severity_sum,
        severity_max = MAX(severity_max, excluded.severity_max);
END;

INSERT INTO medication_log_tallies (user_id, bucket, logs, effectiveness_sum, effectiveness_rated)
SELECT user_id, taken_at - (taken_at % 900000 + 900000) % 900000 AS bucket, COUNT(*),
       COALESCE(SUM(effectiveness), 0), COUNT(effectiveness)
FROM medication_logs GROUP BY user_id, bucket;

INSERT INTO symptom_log_tallies (user_id, symptom_type_id, bucket, logs, severity_sum, severity_max)
SELECT user_id, symptom_type_id, started_at - (started_at % 900000 + 900000) % 900000 AS bucket,
       COUNT(*), SUM(severity), MAX(severity)
FROM symptom_logs GROUP BY user_id, symptom_type_id, bucket;
