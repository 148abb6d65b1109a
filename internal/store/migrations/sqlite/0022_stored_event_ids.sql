-- PostgreSQL gains stored_event_ids here; SQLite has had it since 0009.
SELECT 1;
