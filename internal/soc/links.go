package soc

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// ObservableKinds are the kinds of observable a case records.
var ObservableKinds = []string{"ip", "domain", "url", "hash", "user", "host", "email"}

// Observable is an artefact of an incident: an address, a name, a hash.
type Observable struct {
	ID     int64     `json:"id"`
	Kind   string    `json:"kind"`
	Value  string    `json:"value"`
	Note   string    `json:"note,omitempty"`
	Source string    `json:"source"` // "analyst", "alert 12", "case 3"
	At     time.Time `json:"at"`
	// Cases counts the other cases within the reader's reach that share
	// it (set by Detail).
	Cases int `json:"cases"`
	// Indicator is the source of a known indicator of compromise with
	// this value ("" when none; set by Detail).
	Indicator string `json:"indicator,omitempty"`
}

var (
	hashRe   = regexp.MustCompile(`^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$|^[0-9a-f]{128}$`)
	domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	emailRe  = regexp.MustCompile(`^[^@\s]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// normalizeObservable checks value for kind and returns its canonical
// form (addresses in canonical notation; hashes, domains and e-mail
// addresses in lower case), so that equal observables meet.
func normalizeObservable(kind, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" || len(v) > 2048 {
		return "", errs.Field("value", "give the observable's value (at most 2048 characters)")
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(v) {
		return "", errs.Field("value", "an observable is one line of text without control characters")
	}
	switch kind {
	case "ip":
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return "", errs.Field("value", "%q is not an IP address", v)
		}
		return ip.Unmap().String(), nil
	case "hash":
		v = strings.ToLower(v)
		if !hashRe.MatchString(v) {
			return "", errs.Field("value", "a hash is MD5, SHA-1, SHA-256 or SHA-512 in hexadecimal")
		}
	case "domain":
		v = strings.TrimSuffix(strings.ToLower(v), ".")
		if !domainRe.MatchString(v) {
			return "", errs.Field("value", "%q is not a domain name", v)
		}
	case "email":
		v = strings.ToLower(v)
		if !emailRe.MatchString(v) {
			return "", errs.Field("value", "%q is not an e-mail address", v)
		}
	case "url":
		if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "ftp://") {
			return "", errs.Field("value", "a URL starts with http://, https:// or ftp://")
		}
	case "user", "host":
		if len(v) > 256 || strings.ContainsAny(v, "\r\n\x00") {
			return "", errs.Field("value", "a %s name has at most 256 characters on one line", kind)
		}
		if kind == "host" {
			v = strings.ToLower(v)
		}
	default:
		return "", errs.Field("kind", "unknown observable kind %q; want one of %s", kind, strings.Join(ObservableKinds, ", "))
	}
	return v, nil
}

// addObservable records one observable on case id (a repeat is kept
// once) and reports whether it was new.
func addObservable(ctx context.Context, tx *sql.Tx, id int64, kind, value, note, source string, now time.Time) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_observables WHERE case_id = $1`, id).Scan(&n); err != nil {
		return false, errs.Wrap(err, "cannot count observables of case %d", id)
	}
	if n >= maxObservables {
		return false, errs.E(errs.Conflict, "case %d holds %d observables, the most a case takes", id, maxObservables)
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO case_observables (case_id, kind, value, note, source, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (case_id, kind, value) DO NOTHING`, id, kind, value, note, source, now)
	if err != nil {
		return false, errs.Wrap(err, "cannot record an observable on case %d", id)
	}
	c, _ := r.RowsAffected()
	return c == 1, nil
}

// AddObservable records an observable an analyst found.
func (s *Service) AddObservable(ctx context.Context, sc access.Scope, id int64, kind, value, note string) (Observable, error) {
	if err := mayWork(sc); err != nil {
		return Observable{}, err
	}
	v, err := normalizeObservable(kind, value)
	if err != nil {
		return Observable{}, err
	}
	if note, err = errs.Text("note", note, 0, 1000); err != nil {
		return Observable{}, err
	}
	var out Observable
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		isNew, err := addObservable(ctx, tx, id, kind, v, note, "analyst", now)
		if err != nil {
			return err
		}
		if !isNew {
			return errs.E(errs.Conflict, "case %d has observable %s %s already", id, kind, v)
		}
		if err := entry(ctx, tx, id, now, sc, "observable", "", map[string]any{"kind": kind, "value": v}); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		out = Observable{Kind: kind, Value: v, Note: note, Source: "analyst", At: now}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM case_observables WHERE case_id = $1 AND kind = $2 AND value = $3`, id, kind, v).Scan(&out.ID); err != nil {
			return errs.Wrap(err, "cannot read back the observable")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.observable", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"kind": kind, "value": v}})
	})
	return out, err
}

func touch(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = $1, version = version + 1 WHERE id = $2`, now, id)
	return errs.Wrap(err, "cannot touch case %d", id)
}

// LinkResult is what linking alerts did.
type LinkResult struct {
	Linked      []int64 `json:"linked"`
	Already     []int64 `json:"already"`
	Observables int     `json:"observables"`
}

// LinkAlerts links alerts to case id ("add to case"), taking over their
// observables. Every alert must be one sc may see and belong to the
// case's organisation; otherwise nothing is linked.
func (s *Service) LinkAlerts(ctx context.Context, sc access.Scope, id int64, ids []int64) (LinkResult, error) {
	if err := mayWork(sc); err != nil {
		return LinkResult{}, err
	}
	switch {
	case len(ids) == 0:
		return LinkResult{}, errs.Field("ids", "choose at least one alert")
	case len(ids) > MaxLink:
		return LinkResult{}, errs.Field("ids", "at most %d alerts at a time (got %d)", MaxLink, len(ids))
	}
	var out LinkResult
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if c.MergedInto != 0 {
			return errs.E(errs.Conflict, "case %d was merged into case %d; link alerts there", id, c.MergedInto)
		}
		now := s.now()
		out, err = linkAlerts(ctx, tx, sc, id, c.OrgID, ids, now, 0)
		if err != nil {
			return err
		}
		if len(out.Linked) == 0 {
			return nil
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.link_alerts", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"alerts": out.Linked}})
	})
	return out, err
}

// linkAlerts links ids to case id of organisation orgID inside tx.
func linkAlerts(ctx context.Context, tx *sql.Tx, sc access.Scope, id, orgID int64, ids []int64, now time.Time, via int64) (LinkResult, error) {
	out := LinkResult{Linked: []int64{}, Already: []int64{}}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	alerts, err := detect.AlertsByID(ctx, tx, sc, ids)
	if err != nil {
		return out, err
	}
	have := map[int64]detect.Alert{}
	for _, a := range alerts {
		have[a.ID] = a
	}
	for _, aid := range ids {
		a, ok := have[aid]
		if !ok {
			return out, errs.Field("ids", "no alert %d", aid)
		}
		if a.Tenant != orgID {
			return out, errs.Field("ids", "alert %d is not about this case's organisation; open a case for its own organisation", aid)
		}
	}
	for _, a := range alerts {
		r, err := tx.ExecContext(ctx, `INSERT INTO case_alerts (case_id, alert_id, linked_at, linked_by, via_case) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (case_id, alert_id) DO NOTHING`, id, a.ID, now, sc.Actor().Name, nullID(via))
		if err != nil {
			return out, errs.Wrap(err, "cannot link alert %d to case %d", a.ID, id)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			out.Already = append(out.Already, a.ID)
			continue
		}
		out.Linked = append(out.Linked, a.ID)
		if via == 0 {
			if err := entry(ctx, tx, id, now, sc, "alert", a.Title, map[string]any{"alert": a.ID, "level": a.Level, "first_seen": a.FirstSeen}); err != nil {
				return out, err
			}
		}
		for _, o := range alertObservables(a) {
			isNew, err := addObservable(ctx, tx, id, o[0], o[1], "", "alert "+idString(a.ID), now)
			if err != nil {
				return out, err
			}
			if isNew {
				out.Observables++
			}
		}
	}
	return out, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// observableFields maps event fields to observable kinds.
var observableFields = map[string]string{
	"source.ip": "ip", "destination.ip": "ip", "client.ip": "ip", "server.ip": "ip",
	"user.name": "user", "winlog.event_data.TargetUserName": "user", "winlog.event_data.SubjectUserName": "user",
	"host.name": "host", "winlog.computer_name": "host",
	"file.hash.sha256": "hash", "file.hash.sha1": "hash", "file.hash.md5": "hash", "process.hash.sha256": "hash",
	"url.domain": "domain", "dns.question.name": "domain", "destination.domain": "domain",
	"url.full": "url", "url.original": "url", "email.from.address": "email", "email.to.address": "email",
}

// alertObservables takes the observables out of an alert: its key and
// its sample event's well-known fields (ECS names). Values that are not
// valid for their kind are skipped.
func alertObservables(a detect.Alert) [][2]string {
	var out [][2]string
	add := func(kind, v string) {
		if n, err := normalizeObservable(kind, v); err == nil && !slices.Contains(out, [2]string{kind, n}) {
			out = append(out, [2]string{kind, n})
		}
	}
	if a.Key != "" {
		if _, err := netip.ParseAddr(a.Key); err == nil {
			add("ip", a.Key)
		} else {
			add("host", a.Key)
		}
	}
	var ev struct {
		Host     string `json:"host"`
		SourceIP string `json:"source_ip"`
		Fields   []struct {
			K string `json:"k"`
			V string `json:"v"`
		} `json:"fields"`
	}
	if len(a.Sample) > 0 && json.Unmarshal(a.Sample, &ev) == nil {
		if ev.Host != "" {
			add("host", ev.Host)
		}
		for _, f := range ev.Fields {
			if kind, ok := observableFields[f.K]; ok && f.V != "" && f.V != "-" {
				add(kind, f.V)
			}
		}
	}
	return out
}

// Similar is a case that shares observables with another.
type Similar struct {
	Case
	Shared int `json:"shared"`
}

// Similar returns up to limit cases that share observables with case id,
// most shared first — only cases sc may read, so a municipality never
// learns of another's case.
func (s *Service) Similar(ctx context.Context, sc access.Scope, id int64, limit int) ([]Similar, error) {
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	q := s.db.Reader()
	if _, err := get(ctx, q, sc, id); err != nil {
		return nil, err
	}
	var a store.Args
	p := a.Add(id)
	rows, err := q.QueryContext(ctx, `SELECT `+caseColumns+`, m.shared`+caseFrom+` JOIN (
		SELECT o2.case_id AS case_id, COUNT(*) AS shared FROM case_observables o1
		JOIN case_observables o2 ON o2.kind = o1.kind AND o2.value = o1.value AND o2.case_id <> o1.case_id
		WHERE o1.case_id = `+p+` GROUP BY o2.case_id) m ON m.case_id = c.id
		WHERE `+visible(sc, &a)+` AND c.merged_into IS NULL ORDER BY m.shared DESC, c.id DESC LIMIT `+a.Add(limit), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot find similar cases")
	}
	defer rows.Close()
	out := []Similar{}
	for rows.Next() {
		var sm Similar
		c, err := scanCase(rows, &sm.Shared)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read a similar case")
		}
		sm.Case = c
		out = append(out, sm)
	}
	return out, errs.Wrap(rows.Err(), "cannot find similar cases")
}
