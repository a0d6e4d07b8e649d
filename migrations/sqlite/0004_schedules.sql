-- Medication schedules. Planned doses are computed from these rows, never stored.
-- Times are "HH:MM" joined by commas (1 to 12 of them); weekdays are ISO numbers joined by
-- commas, NULL meaning every day. Dates are YYYY-MM-DD text, which sorts as dates do.
CREATE TABLE schedules (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A medication deleted (possible only while no log refers to it) takes its schedules along.
    medication_id TEXT NOT NULL REFERENCES medications (id) ON DELETE CASCADE,
    times         TEXT NOT NULL CHECK (length(times) BETWEEN 5 AND 71),
    days_of_week  TEXT CHECK (length(days_of_week) BETWEEN 1 AND 13),
    starts_on     TEXT NOT NULL CHECK (length(starts_on) = 10),
    ends_on       TEXT CHECK (length(ends_on) = 10 AND ends_on >= starts_on),
    dose_amount   REAL CHECK (dose_amount > 0),
    dose_unit     TEXT CHECK (length(dose_unit) BETWEEN 1 AND 20),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX schedules_user_medication ON schedules (user_id, medication_id, starts_on);
CREATE INDEX schedules_medication ON schedules (medication_id);

-- When the medication was last deactivated: doses planned after that moment are not shown.
ALTER TABLE medications ADD COLUMN deactivated_at INTEGER;
