package cluster

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/samdrift/samdrift/internal/errs"
)

// NodeID is the id of this process on host: host, process id and a
// random part, so that a restarted node never takes its predecessor's
// leases for its own.
func NodeID(host string, pid int, random string) string {
	return host + "-" + strconv.Itoa(pid) + "-" + random
}

// ReclaimLocal frees at once the leases held by earlier processes on
// host that no longer run (a node killed and started again on the same
// machine), instead of waiting for them to expire: the single-node
// default would otherwise store nothing for a TTL after a crash. It
// returns how many it freed. Processes are looked up by id, so only
// leases of this host are touched.
func (l *Leases) ReclaimLocal(ctx context.Context, host string) (int, error) {
	ls, err := l.List(ctx)
	if err != nil {
		return 0, err
	}
	freed := 0
	for _, x := range ls {
		rest, ok := strings.CutPrefix(x.Holder, host+"-")
		if !ok || x.Holder == l.holder || x.Expires.UnixMilli() == 0 {
			continue
		}
		pidStr, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if !ok || err != nil || pid <= 0 || alive(pid) {
			continue
		}
		err = l.db.Write(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND epoch = $3`, x.Name, x.Holder, x.Epoch)
			if err == nil {
				if n, _ := r.RowsAffected(); n == 1 {
					freed++
				}
			}
			return err
		})
		if err != nil {
			return freed, errs.Wrap(err, "cannot free lease %s", x.Name)
		}
	}
	return freed, nil
}

// alive reports whether a process with id pid runs on this machine.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
