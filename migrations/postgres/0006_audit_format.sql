-- Which document an `account.export` event wrote, so the stored trail tells a JSON export from a
-- FHIR one as the log line does; NULL for every other event.
ALTER TABLE audit_events ADD COLUMN format TEXT CHECK (format IN ('json', 'fhir'));
