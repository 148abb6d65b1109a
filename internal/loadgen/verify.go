package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
)

// VerifyReport is what reached the store of one run.
type VerifyReport struct {
	Run        string
	Expected   int // the run's size, as carried by its events
	Stored     int // distinct sequence numbers found
	Missing    int
	Duplicated int      // events found more than once
	Gaps       []string // missing sequence ranges, "a-b" or "a"
}

// String is the closing line users and scripts read.
func (r VerifyReport) String() string {
	return fmt.Sprintf("stored %d of %d, missing %d, duplicated %d", r.Stored, r.Expected, r.Missing, r.Duplicated)
}

// runQuery finds a run's events whatever transport carried them.
func runQuery(run string) string {
	q := strconv.Quote(run)
	return LabelRunKey + ":" + q + " OR " + SyslogRunKey + ":" + q
}

type tally struct {
	seen     map[int]int
	expected int
}

func (t *tally) add(e event.Event) {
	seq, size := e.Get(LabelSeqKey), e.Get(LabelSizeKey)
	if seq == "" {
		seq, size = e.Get(SyslogSeqKey), e.Get(SyslogSizeKey)
	}
	if n, err := strconv.Atoi(seq); err == nil {
		t.seen[n]++
	}
	if n, err := strconv.Atoi(size); err == nil {
		t.expected = max(t.expected, n)
	}
}

func (t *tally) report(run string) VerifyReport {
	r := VerifyReport{Run: run, Expected: t.expected}
	for seq, n := range t.seen {
		if seq >= 1 && seq <= t.expected {
			r.Stored++
		}
		r.Duplicated += n - 1
	}
	gapStart := 0
	for seq := 1; seq <= t.expected+1; seq++ {
		_, ok := t.seen[seq]
		switch {
		case !ok && seq <= t.expected:
			r.Missing++
			if gapStart == 0 {
				gapStart = seq
			}
		case gapStart != 0:
			if gapStart == seq-1 {
				r.Gaps = append(r.Gaps, strconv.Itoa(gapStart))
			} else {
				r.Gaps = append(r.Gaps, strconv.Itoa(gapStart)+"-"+strconv.Itoa(seq-1))
			}
			gapStart = 0
		}
	}
	return r
}

// everything is the time range a verification searches.
func everything() (time.Time, time.Time) {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(48 * time.Hour)
}

// VerifyStore counts a run's events in the store directly.
func VerifyStore(ctx context.Context, es *eventstore.Store, run string) (VerifyReport, error) {
	t := &tally{seen: map[int]int{}}
	from, to := everything()
	err := es.Each(ctx, access.System("loadgen verify"), eventstore.Query{From: from, To: to, Q: runQuery(run)}, func(e event.Event) error {
		t.add(e)
		return nil
	})
	return t.report(run), err
}

// VerifyAPI counts a run's events through the export API of a running
// server (token: an API token of a user who sees the run's tenants).
func VerifyAPI(ctx context.Context, base, token, run string) (VerifyReport, error) {
	from, to := everything()
	q := url.Values{"q": {runQuery(run)}, "format": {"ndjson"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/api/v1/events/export?"+q.Encode(), nil)
	if err != nil {
		return VerifyReport{}, errs.Field("api", "not a URL: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return VerifyReport{}, errs.E(errs.Invalid, "cannot reach %s: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return VerifyReport{}, errs.E(errs.Invalid, "%s answered %s: %s", base, resp.Status, strings.TrimSpace(string(b)))
	}
	t := &tally{seen: map[int]int{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return VerifyReport{}, errs.E(errs.Internal, "the export holds a line that is not an event: %v", err)
		}
		t.add(e)
	}
	return t.report(run), sc.Err()
}
