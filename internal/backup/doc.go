// Package backup makes and restores backups of a samdrift data directory:
// one gzip'd tar file with a manifest (samdrift-backup.json) first, then
// the directory's files under data/.
//
// What a backup holds, in the order it is taken:
//
//   - the plain files of the data directory (the ingest TLS key and
//     certificate, audit-anchors.jsonl, anything else found there);
//   - the in-process event spine (NATS JetStream under spine/): the
//     consumers' state first, then the message blocks; the stream's
//     index is left out, so the server rebuilds it from the blocks at the
//     next start. The spine holds what ingest acknowledged to senders and
//     the store has not committed yet;
//   - the SQLite database, with SQLite's online backup API (one read
//     transaction), taken last. It holds the event store's blocks too.
//
// Taken in this order the pieces fit while serve keeps running: an event
// acknowledged before the backup began is in the spine copy or in the
// database copy (or both; a batch delivered again is stored once), and
// every anchor copied names a record the database copy holds.
//
// With PostgreSQL the database is not copied: Create checks the server's
// WAL archiving (point-in-time recovery) and records the counts and the
// audit chain's head, so that Restore can check a database brought back
// with pg_restore or PITR against them.
//
// The package knows the data directory's layout and the tables it counts;
// it knows nothing of the web layer or the services.
package backup
