-- One row that readiness rewrites to prove that writes work again after a storage fault.
CREATE TABLE heartbeat (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    beat_at INTEGER NOT NULL
);
