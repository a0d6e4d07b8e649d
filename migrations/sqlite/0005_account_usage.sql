-- How many records of each counted kind every account holds, so that a quota is checked by
-- reading one row instead of counting up to 200 000 index entries on every insert. Triggers keep
-- the counts in the same transaction as the insert or delete, whichever path writes (the API,
-- demo seeding, a cascade); the backfill below counts what existed before this migration.
CREATE TABLE account_usage (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    used       INTEGER NOT NULL,
    PRIMARY KEY (user_id, collection)
) WITHOUT ROWID;

CREATE TRIGGER medications_counted AFTER INSERT ON medications BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'medications', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER medications_uncounted AFTER DELETE ON medications BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'medications';
END;

CREATE TRIGGER symptom_types_counted AFTER INSERT ON symptom_types BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'symptom_types', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER symptom_types_uncounted AFTER DELETE ON symptom_types BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'symptom_types';
END;

CREATE TRIGGER conditions_counted AFTER INSERT ON conditions BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'conditions', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER conditions_uncounted AFTER DELETE ON conditions BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'conditions';
END;

CREATE TRIGGER doctors_counted AFTER INSERT ON doctors BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'doctors', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER doctors_uncounted AFTER DELETE ON doctors BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'doctors';
END;

CREATE TRIGGER schedules_counted AFTER INSERT ON schedules BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'schedules', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER schedules_uncounted AFTER DELETE ON schedules BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'schedules';
END;

CREATE TRIGGER medication_logs_counted AFTER INSERT ON medication_logs BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'medication_logs', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER medication_logs_uncounted AFTER DELETE ON medication_logs BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'medication_logs';
END;

CREATE TRIGGER symptom_logs_counted AFTER INSERT ON symptom_logs BEGIN
    INSERT INTO account_usage (user_id, collection, used) VALUES (NEW.user_id, 'symptom_logs', 1)
    ON CONFLICT (user_id, collection) DO UPDATE SET used = used + 1;
END;
CREATE TRIGGER symptom_logs_uncounted AFTER DELETE ON symptom_logs BEGIN
    UPDATE account_usage SET used = used - 1 WHERE user_id = OLD.user_id AND collection = 'symptom_logs';
END;

INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'medications', COUNT(*) FROM medications GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'symptom_types', COUNT(*) FROM symptom_types GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'conditions', COUNT(*) FROM conditions GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'doctors', COUNT(*) FROM doctors GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'schedules', COUNT(*) FROM schedules GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'medication_logs', COUNT(*) FROM medication_logs GROUP BY user_id;
INSERT INTO account_usage (user_id, collection, used)
    SELECT user_id, 'symptom_logs', COUNT(*) FROM symptom_logs GROUP BY user_id;
