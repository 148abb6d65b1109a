-- Indicators carry a TLP 2.0 marking and the organisation that shared
-- them, and every read honours it (package detect): CLEAR and GREEN for
-- every user, AMBER for that organisation and the units that serve it,
-- AMBER+STRICT for that organisation, RED for the shared SOC and CERT.
-- Those stored before were shared with everybody: they stay GREEN.
ALTER TABLE indicators ADD COLUMN tlp TEXT NOT NULL DEFAULT 'green' CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red'));
ALTER TABLE indicators ADD COLUMN org_id INTEGER REFERENCES organizations (id);
