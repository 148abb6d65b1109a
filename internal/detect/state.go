package detect

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/samdrift/samdrift/internal/errs"
)

// Correlation windows outlive a restart: SaveState writes the
// correlator's groups at shutdown (zstd-compressed JSON lines, one row),
// and the first compile of the next start loads them into its correlator
// (groups of correlations whose shape changed in between are dropped)
// and deletes the row, so that stale state is never loaded twice. State
// of a process that crashed is lost: windows start over.

// stateName is the detect_state row of the correlator.
const stateName = "correlations"

// SaveState saves the open correlation windows for the next start and
// returns how many groups it saved. Call it after the last Handle.
func (d *Detector) SaveState(ctx context.Context) (int, error) {
	return d.SavePartition(ctx, stateName, nil)
}

// PartitionState is the detect_state row of partition p of n: the
// single-partition row of old when n is 1.
func PartitionState(p, n int) string {
	if n <= 1 {
		return stateName
	}
	return fmt.Sprintf("%s.%d", stateName, p)
}

// SavePartition saves the open correlation windows of the tenants keep
// accepts (all when nil) under name and forgets them, as a node does when
// it gives a partition up; the node that takes the partition over loads
// them with LoadPartition. It returns how many groups it saved.
func (d *Detector) SavePartition(ctx context.Context, name string, keep func(tenant int64) bool) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state == nil || d.state.corr == nil {
		return 0, nil
	}
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return 0, errs.Wrap(err, "cannot compress correlation state")
	}
	n, err := d.state.corr.SaveWhere(zw, keep, keep != nil)
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return 0, errs.Wrap(err, "cannot save correlation state")
	}
	if n == 0 {
		return 0, nil
	}
	err = d.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO detect_state (name, saved_at, groups, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET saved_at = excluded.saved_at, groups = excluded.groups, data = excluded.data`,
			name, time.Now().UnixMicro(), n, buf.Bytes())
		return err
	})
	if err != nil {
		return 0, errs.Wrap(err, "cannot store correlation state")
	}
	return n, nil
}

// restoreState loads saved correlation state into st's correlator and
// deletes it. A state that cannot be read is logged and dropped: it must
// not keep detection from starting.
func (d *Detector) restoreState(ctx context.Context, st *runState) { d.restore(ctx, st, stateName) }

// LoadPartition loads the correlation windows saved under name (by
// SavePartition on the node that had the partition before) into the
// running correlator, compiling the rules first if none are loaded yet.
func (d *Detector) LoadPartition(ctx context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, err := d.current(ctx)
	if err != nil {
		return err
	}
	if name != stateName { // the single partition's row was loaded by the compile
		d.restore(ctx, st, name)
	}
	return nil
}

// restore loads state row name into st's correlator and deletes the row.
func (d *Detector) restore(ctx context.Context, st *runState, name string) {
	if st.corr == nil {
		return
	}
	var data []byte
	var savedAt int64
	err := d.db.Reader().QueryRowContext(ctx, `SELECT saved_at, data FROM detect_state WHERE name = $1`, name).Scan(&savedAt, &data)
	if isNoRows(err) {
		return
	}
	if err != nil {
		d.log.Warn("cannot read saved correlation state; windows start over", "err", err)
		return
	}
	if err := d.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM detect_state WHERE name = $1`, name)
		return err
	}); err != nil {
		d.log.Warn("cannot delete saved correlation state; not loading it", "err", err)
		return
	}
	zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1))
	if err != nil {
		d.log.Warn("cannot read saved correlation state; windows start over", "err", err)
		return
	}
	defer zr.Close()
	kept, dropped, err := st.corr.Load(zr)
	if err != nil {
		d.log.Warn("saved correlation state is damaged; loaded what came before the damage", "err", err, "kept", kept)
	}
	d.log.Info("correlation windows restored", "state", name, "saved", time.UnixMicro(savedAt).UTC().Format(time.RFC3339), "kept", kept, "dropped", dropped)
}
