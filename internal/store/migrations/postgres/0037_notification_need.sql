-- A notice about a need (package needs) names the need, so that the inbox
-- links to it as it does to a ticket, an alert or a case.

ALTER TABLE notifications ADD COLUMN need_id BIGINT;
