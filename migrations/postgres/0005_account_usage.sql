-- How many records of each counted kind every account holds, so that a quota is checked by
-- reading one row instead of counting up to 200 000 index entries on every insert. Triggers keep
-- the counts in the same transaction as the insert or delete, whichever path writes (the API,
-- demo seeding, a cascade); the backfill below counts what existed before this migration.
CREATE TABLE account_usage (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    used       BIGINT NOT NULL,
    PRIMARY KEY (user_id, collection)
);

-- Statement-level triggers over transition tables: a statement that deletes many rows (an
-- account's deletion) changes each count once, not once per row, so one hot row does not collect
-- thousands of versions inside one transaction. The collection is the table's own name.
CREATE FUNCTION account_usage_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_usage (user_id, collection, used)
        SELECT user_id, TG_TABLE_NAME::text, COUNT(*) FROM inserted_rows GROUP BY user_id
    ON CONFLICT (user_id, collection) DO UPDATE SET used = account_usage.used + EXCLUDED.used;
    RETURN NULL;
END;
$$;

CREATE FUNCTION account_usage_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_usage u SET used = u.used - gone.n
        FROM (SELECT user_id, COUNT(*) AS n FROM deleted_rows GROUP BY user_id) gone
        WHERE u.user_id = gone.user_id AND u.collection = TG_TABLE_NAME::text;
    RETURN NULL;
END;
$$;

CREATE TRIGGER medications_counted AFTER INSERT ON medications
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER medications_uncounted AFTER DELETE ON medications
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER symptom_types_counted AFTER INSERT ON symptom_types
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER symptom_types_uncounted AFTER DELETE ON symptom_types
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER conditions_counted AFTER INSERT ON conditions
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER conditions_uncounted AFTER DELETE ON conditions
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER doctors_counted AFTER INSERT ON doctors
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER doctors_uncounted AFTER DELETE ON doctors
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER schedules_counted AFTER INSERT ON schedules
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER schedules_uncounted AFTER DELETE ON schedules
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER medication_logs_counted AFTER INSERT ON medication_logs
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER medication_logs_uncounted AFTER DELETE ON medication_logs
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

CREATE TRIGGER symptom_logs_counted AFTER INSERT ON symptom_logs
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_inserted();
CREATE TRIGGER symptom_logs_uncounted AFTER DELETE ON symptom_logs
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION account_usage_deleted();

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
