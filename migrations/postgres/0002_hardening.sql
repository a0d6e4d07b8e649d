-- Password checks reserved but not yet settled: they count toward the lockout like failures, so
-- a burst of guesses cannot all be verified before the first one is counted. A reservation whose
-- replica died stops counting at expires_at.
CREATE TABLE login_attempts (
    id         UUID PRIMARY KEY NOT NULL,
    email_key  TEXT NOT NULL REFERENCES login_guards (email_key) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_attempts_key_expiry ON login_attempts (email_key, expires_at);

-- Data changes SQL cannot compute (Unicode normalisation), done by the application at start-up
-- right after the SQL migrations, each recorded here once.
CREATE TABLE data_migrations (
    name       TEXT PRIMARY KEY NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_user_created ON sessions (user_id, created_at);

-- Name keys compare byte-wise, as SQLite's do, whatever locale the cluster was created with: both
-- databases then order every list identically. The indexes on these columns are rebuilt.
ALTER TABLE medications ALTER COLUMN name_key TYPE TEXT COLLATE "C";
ALTER TABLE symptom_types ALTER COLUMN name_key TYPE TEXT COLLATE "C";
ALTER TABLE conditions ALTER COLUMN name_key TYPE TEXT COLLATE "C";
ALTER TABLE doctors ALTER COLUMN name_key TYPE TEXT COLLATE "C";
