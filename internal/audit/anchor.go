package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Anchor is the chain's head at one moment, kept outside the database (a
// file on another disk, an operator's copy): someone able to rewrite the
// audit tables can remove the last records and rewind the head so that
// the chain still holds together, but not change what was written down
// elsewhere. Verify with anchors notices the records that are gone.
type Anchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// Head returns the chain's head now, as an anchor.
func Head(ctx context.Context, q store.Querier) (Anchor, error) {
	a := Anchor{At: time.Now().UTC().Truncate(time.Second)}
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&a.Seq, &a.Hash); err != nil {
		return a, errs.Wrap(err, "cannot read audit chain head")
	}
	return a, nil
}

// AppendAnchor adds a as one JSON line to the file at path (created with
// mode 0600 when missing) and syncs it to disk.
func AppendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open audit anchor file: %w", err)
	}
	b, _ := json.Marshal(a)
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("cannot write audit anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot sync audit anchor file: %w", err)
	}
	return f.Close()
}

// ReadAnchors reads anchors written by AppendAnchor (or by `samdrift audit
// anchor`), one JSON object a line; a bad line is an error naming it.
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var a Anchor
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Seq < 0 || len(a.Hash) != 64 && a.Seq > 0 {
			return nil, fmt.Errorf("anchor line %d is not {\"seq\":N,\"hash\":\"<64 hex>\",\"at\":…}", line)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// VerifyAnchors checks the chain against anchors taken earlier: the record
// each anchor names must still be there with the hash it had. It returns
// a *Broken naming the first anchor that does not hold (records removed
// from the end with the head rewound, or the chain rewritten). Run Verify
// as well: this checks only the anchored records.
func VerifyAnchors(ctx context.Context, q store.Querier, anchors []Anchor) error {
	var headSeq int64
	if err := q.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&headSeq); err != nil {
		return errs.Wrap(err, "cannot read audit chain head")
	}
	for _, a := range anchors {
		if a.Seq == 0 {
			continue
		}
		if a.Seq > headSeq {
			return &Broken{Seq: headSeq + 1, Reason: fmt.Sprintf("the anchor of %s names record %d, but the chain ends at %d (records removed from the end and the head rewound)",
				a.At.Format(time.RFC3339), a.Seq, headSeq)}
		}
		var hash string
		err := q.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, a.Seq).Scan(&hash)
		if err != nil {
			return &Broken{Seq: a.Seq, Reason: fmt.Sprintf("the record the anchor of %s names is missing", a.At.Format(time.RFC3339))}
		}
		if hash != a.Hash {
			return &Broken{Seq: a.Seq, Reason: fmt.Sprintf("the record's hash differs from the anchor of %s (the chain was rewritten)", a.At.Format(time.RFC3339))}
		}
	}
	return nil
}
