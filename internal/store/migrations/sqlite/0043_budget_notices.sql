-- Error budget warnings sent (package availability): one per
-- subscription and month, so the job that looks every quarter of an hour
-- tells the unit and the municipality once.
CREATE TABLE budget_notices (
    subscription_id INTEGER NOT NULL REFERENCES orders (id),
    month           TEXT NOT NULL,
    sent_at         DATETIME NOT NULL,
    PRIMARY KEY (subscription_id, month)
);
