-- SQLite schema. Timestamps are INTEGER milliseconds since the Unix epoch (UTC), ids are
-- lower-case hyphenated UUID text, dates are 'YYYY-MM-DD' text, booleans are 0/1.
-- The PostgreSQL schema (migrations/postgres) has the same tables, columns and constraints.

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    display_name    TEXT,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    is_demo         INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    demo_expires_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (is_demo = 1 OR password_hash IS NOT NULL)
);
CREATE INDEX users_demo_expiry ON users (demo_expires_at) WHERE is_demo = 1;

-- The id column holds a SHA-256 of the cookie value, so a copy of the database holds no live session.
CREATE TABLE sessions (
    id                  TEXT PRIMARY KEY NOT NULL,
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    demo                INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    idle_expires_at     INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    created_at          INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_idle_expiry ON sessions (idle_expires_at);

-- Lockout state is keyed by an HMAC of the normalised email, whether or not an account exists.
CREATE TABLE login_guards (
    email_key    TEXT PRIMARY KEY NOT NULL,
    locked_until INTEGER
);
CREATE TABLE login_failures (
    email_key TEXT NOT NULL REFERENCES login_guards (email_key) ON DELETE CASCADE,
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_key_time ON login_failures (email_key, failed_at);

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- No foreign key to users: an audit trail outlives the account (anonymised on deletion).
CREATE TABLE audit_events (
    id           TEXT PRIMARY KEY NOT NULL,
    occurred_at  INTEGER NOT NULL,
    event        TEXT NOT NULL,
    user_id      TEXT,
    email_masked TEXT,
    ip           TEXT,
    request_id   TEXT,
    reason       TEXT
);
CREATE INDEX audit_events_user ON audit_events (user_id);

CREATE TABLE doctors (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key   TEXT NOT NULL,
    specialty  TEXT CHECK (length(specialty) <= 100),
    phone      TEXT CHECK (length(phone) <= 40),
    email      TEXT CHECK (length(email) <= 254),
    address    TEXT CHECK (length(address) <= 300),
    notes      TEXT CHECK (length(notes) <= 1000),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX doctors_user_name ON doctors (user_id, name_key, id);

CREATE TABLE conditions (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved')),
    diagnosed_on TEXT,
    notes        TEXT CHECK (length(notes) <= 1000),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX conditions_user_name_key ON conditions (user_id, name_key);

CREATE TABLE doctor_conditions (
    doctor_id    TEXT NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
    condition_id TEXT NOT NULL REFERENCES conditions (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (doctor_id, condition_id)
);
CREATE INDEX doctor_conditions_condition ON doctor_conditions (condition_id);
CREATE INDEX doctor_conditions_user ON doctor_conditions (user_id);

CREATE TABLE medications (
    id                    TEXT PRIMARY KEY NOT NULL,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key              TEXT NOT NULL,
    dosage                TEXT CHECK (length(dosage) <= 50),
    form                  TEXT CHECK (length(form) <= 50),
    purpose               TEXT CHECK (length(purpose) <= 500),
    frequency             TEXT CHECK (length(frequency) <= 100),
    prescribing_doctor_id TEXT REFERENCES doctors (id),
    condition_id          TEXT REFERENCES conditions (id) ON DELETE SET NULL,
    notes                 TEXT CHECK (length(notes) <= 1000),
    active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE UNIQUE INDEX medications_user_name_key ON medications (user_id, name_key);
CREATE INDEX medications_doctor ON medications (prescribing_doctor_id);
CREATE INDEX medications_condition ON medications (condition_id);

CREATE TABLE medication_logs (
    id                   TEXT PRIMARY KEY NOT NULL,
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    medication_id        TEXT NOT NULL REFERENCES medications (id),
    taken_at             INTEGER NOT NULL,
    dose_amount          REAL CHECK (dose_amount > 0),
    dose_unit            TEXT CHECK (length(dose_unit) <= 20),
    effectiveness        INTEGER CHECK (effectiveness BETWEEN 1 AND 5),
    side_effects         TEXT CHECK (length(side_effects) <= 500),
    side_effect_severity INTEGER CHECK (side_effect_severity BETWEEN 1 AND 10),
    notes                TEXT CHECK (length(notes) <= 1000),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX medication_logs_user_time ON medication_logs (user_id, taken_at DESC, id DESC);
CREATE INDEX medication_logs_medication ON medication_logs (medication_id, taken_at DESC, id DESC);

CREATE TABLE symptom_types (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key         TEXT NOT NULL,
    description      TEXT CHECK (length(description) <= 500),
    category         TEXT CHECK (length(category) <= 100),
    default_severity INTEGER NOT NULL DEFAULT 5 CHECK (default_severity BETWEEN 1 AND 10),
    default_impact   INTEGER NOT NULL DEFAULT 5 CHECK (default_impact BETWEEN 1 AND 10),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX symptom_types_user_name_key ON symptom_types (user_id, name_key);

CREATE TABLE symptom_logs (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symptom_type_id  TEXT NOT NULL REFERENCES symptom_types (id),
    started_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    duration_minutes INTEGER CHECK (duration_minutes BETWEEN 1 AND 1440),
    severity         INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 10),
    impact           INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 10),
    notes            TEXT CHECK (length(notes) <= 1000),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((ended_at IS NULL) = (duration_minutes IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX symptom_logs_user_time ON symptom_logs (user_id, started_at DESC, id DESC);
CREATE INDEX symptom_logs_type ON symptom_logs (symptom_type_id, started_at DESC, id DESC);
