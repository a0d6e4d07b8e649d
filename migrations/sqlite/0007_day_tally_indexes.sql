-- Covering indexes for the two-day tallies behind feel and the summary: each day's logs are
-- aggregated from the index alone (per symptom type for symptom logs), so a day at the daily limit
-- costs a scan of its own index entries, without a visit to each row or a sort.
CREATE INDEX medication_logs_user_time_effectiveness ON medication_logs (user_id, taken_at, effectiveness);
CREATE INDEX symptom_logs_user_type_time_severity ON symptom_logs (user_id, symptom_type_id, started_at, severity);
