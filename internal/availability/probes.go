package availability

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// The kinds of probe. ICMP needs raw sockets (root or CAP_NET_RAW) and is
// not offered; a TCP connect to the service's port says more anyway.
const (
	ProbeHTTP = "http" // GET a URL: status, optionally a word in the body, and the certificate's expiry
	ProbeTCP  = "tcp"  // connect to host:port
	ProbeDNS  = "dns"  // resolve a name
)

// Probe is a check samdrift runs against a subscription's service on a
// schedule: failing FailuresToOpen times in a row opens an outage (from
// the first failure), the next success ends it.
type Probe struct {
	ID              int64      `json:"id"`
	SubscriptionID  int64      `json:"subscription_id"`
	UnitID          int64      `json:"unit_id"`
	MunicipalityID  int64      `json:"municipality_id"`
	Name            string     `json:"name"`
	Kind            string     `json:"kind"`
	Target          string     `json:"target"`
	IntervalSeconds int        `json:"interval_seconds"`
	TimeoutMillis   int        `json:"timeout_ms"`
	ExpectStatus    int        `json:"expect_status"`
	ExpectBody      string     `json:"expect_body"`
	FailuresToOpen  int        `json:"failures_to_open"`
	Enabled         bool       `json:"enabled"`
	State           string     `json:"state"` // unknown, up, down
	LastCheckedAt   *time.Time `json:"last_checked_at"`
	LastError       string     `json:"last_error"`
	TLSExpiresAt    *time.Time `json:"tls_expires_at"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
}

// NewProbe is what AddProbe needs.
type NewProbe struct {
	Subscription int64
	Name         string
	Kind         string
	Target       string
	Interval     time.Duration // default 60 s; 1 s to 1 h
	Timeout      time.Duration // default 10 s; 100 ms to 30 s, under the interval
	ExpectStatus int           // HTTP: 0 accepts 200–399
	ExpectBody   string        // HTTP: a word the body must hold (first 64 KiB)
	// FailuresToOpen is how many failed checks in a row open an outage
	// (default 2: one lost packet is not an outage).
	FailuresToOpen int
}

// checkTarget validates a probe's target for its kind.
func checkTarget(kind, target string) (string, error) {
	target = strings.TrimSpace(target)
	if target == "" || len(target) > 500 {
		return "", errs.Field("target", "give the address to check (at most 500 characters)")
	}
	switch kind {
	case ProbeHTTP:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return "", errs.Field("target", "an HTTP probe's target is an http:// or https:// URL without credentials, got %q", target)
		}
	case ProbeTCP:
		host, port, err := net.SplitHostPort(target)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return "", errs.Field("target", "a TCP probe's target is host:port, got %q", target)
		}
	case ProbeDNS:
		if strings.ContainsAny(target, " /:@") || !strings.Contains(target, ".") {
			return "", errs.Field("target", "a DNS probe's target is a name such as intra.kommune.dk, got %q", target)
		}
	default:
		return "", errs.Field("kind", "a probe's kind is http, tcp or dns, got %q", kind)
	}
	return target, nil
}

// AddProbe adds a probe of a subscription (its delivering unit's service
// desk or manager, or an administrator).
func (s *Service) AddProbe(ctx context.Context, sc access.Scope, n NewProbe) (Probe, error) {
	var err error
	if n.Name, err = errs.Text("name", n.Name, 1, 200); err != nil {
		return Probe{}, err
	}
	if n.Target, err = checkTarget(n.Kind, n.Target); err != nil {
		return Probe{}, err
	}
	if n.Interval == 0 {
		n.Interval = time.Minute
	}
	if n.Timeout == 0 {
		n.Timeout = min(10*time.Second, n.Interval/2)
	}
	if n.Interval < time.Second || n.Interval > time.Hour || n.Interval%time.Second != 0 {
		return Probe{}, errs.Field("interval_seconds", "the interval is 1–3600 whole seconds")
	}
	if n.Timeout < 100*time.Millisecond || n.Timeout > 30*time.Second || n.Timeout >= n.Interval {
		return Probe{}, errs.Field("timeout_ms", "the timeout is 100–30000 ms and shorter than the interval")
	}
	if n.FailuresToOpen == 0 {
		n.FailuresToOpen = 2
	}
	if n.FailuresToOpen < 1 || n.FailuresToOpen > 10 {
		return Probe{}, errs.Field("failures_to_open", "failures_to_open is 1–10")
	}
	if n.ExpectStatus != 0 && (n.ExpectStatus < 100 || n.ExpectStatus > 599 || n.Kind != ProbeHTTP) {
		return Probe{}, errs.Field("expect_status", "expect_status is an HTTP status (100–599), for HTTP probes")
	}
	if len(n.ExpectBody) > 200 || (n.ExpectBody != "" && n.Kind != ProbeHTTP) {
		return Probe{}, errs.Field("expect_body", "expect_body is at most 200 characters, for HTTP probes")
	}
	now := s.Clock().UTC()
	var id int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		sub, err := s.subscription(ctx, tx, sc, n.Subscription)
		if err != nil {
			return err
		}
		if !mayRecord(sc, sub.unit) {
			return errs.E(errs.Forbidden, "only the unit delivering the subscription sets up its probes")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO probes (subscription_id, unit_id, municipality_id, name, kind, target, interval_seconds, timeout_ms,
			expect_status, expect_body, failures_to_open, next_due, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			sub.id, sub.unit, sub.municipality, n.Name, n.Kind, n.Target, int(n.Interval/time.Second), int(n.Timeout/time.Millisecond),
			n.ExpectStatus, n.ExpectBody, n.FailuresToOpen, now.UnixMilli(), sc.Username, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot add the probe")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "probe.add", TargetType: "probe", TargetID: strconv.FormatInt(id, 10),
			OrgID: sub.municipality, After: n})
	})
	if err != nil {
		return Probe{}, err
	}
	return s.probe(ctx, s.db.Reader(), sc, id)
}

const probeColumns = `p.id, p.subscription_id, p.unit_id, p.municipality_id, p.name, p.kind, p.target, p.interval_seconds, p.timeout_ms, p.expect_status,
	p.expect_body, p.failures_to_open, p.enabled, p.state, p.last_checked_at, p.last_error, p.tls_expires_at, p.created_by, p.created_at`

func scanProbe(row interface{ Scan(...any) error }) (Probe, error) {
	var p Probe
	var checked, expires sql.NullTime
	err := row.Scan(&p.ID, &p.SubscriptionID, &p.UnitID, &p.MunicipalityID, &p.Name, &p.Kind, &p.Target, &p.IntervalSeconds, &p.TimeoutMillis,
		&p.ExpectStatus, &p.ExpectBody, &p.FailuresToOpen, &p.Enabled, &p.State, &checked, &p.LastError, &expires, &p.CreatedBy, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	if checked.Valid {
		t := checked.Time.UTC()
		p.LastCheckedAt = &t
	}
	if expires.Valid {
		t := expires.Time.UTC()
		p.TLSExpiresAt = &t
	}
	return p, err
}

func (s *Service) probe(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Probe, error) {
	var a store.Args
	p, err := scanProbe(q.QueryRowContext(ctx, `SELECT `+probeColumns+` FROM probes p JOIN orders o ON o.id = p.subscription_id WHERE p.id = `+a.Add(id)+
		` AND `+visible(sc, &a), a.Values()...))
	if err == sql.ErrNoRows {
		return p, errs.E(errs.NotFound, "no probe %d", id)
	}
	return p, errs.Wrap(err, "cannot read probe %d", id)
}

// SetProbeEnabled pauses (false) or resumes a probe (its delivering
// unit's service desk or manager). A paused probe's open outage stays
// open until it is ended by hand or the probe, resumed, sees the service.
func (s *Service) SetProbeEnabled(ctx context.Context, sc access.Scope, id int64, enabled bool) (Probe, error) {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		p, err := s.probe(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if !mayRecord(sc, p.UnitID) {
			return errs.E(errs.Forbidden, "only the unit delivering the subscription sets up its probes")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE probes SET enabled = $1, next_due = $2 WHERE id = $3`, enabled, s.Clock().UnixMilli(), id); err != nil {
			return errs.Wrap(err, "cannot change probe %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "probe.enable", TargetType: "probe", TargetID: strconv.FormatInt(id, 10),
			OrgID: p.MunicipalityID, Before: map[string]bool{"enabled": p.Enabled}, After: map[string]bool{"enabled": enabled}})
	})
	if err != nil {
		return Probe{}, err
	}
	return s.probe(ctx, s.db.Reader(), sc, id)
}

// Probes lists the probes sc may see (of one subscription when sub is
// not 0).
func (s *Service) Probes(ctx context.Context, sc access.Scope, sub int64) ([]Probe, error) {
	var a store.Args
	q := `SELECT ` + probeColumns + ` FROM probes p JOIN orders o ON o.id = p.subscription_id WHERE ` + visible(sc, &a)
	if sub != 0 {
		q += ` AND p.subscription_id = ` + a.Add(sub)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` ORDER BY p.id LIMIT 5000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list probes")
	}
	defer rows.Close()
	out := []Probe{}
	for rows.Next() {
		p, err := scanProbe(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read a probe")
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "cannot list probes")
}

// Prober runs the probes that are due. Run one per deployment (under a
// lease): RunDue starts the checks that are due and returns; each check
// records its result when it is done.
type Prober struct {
	s      *Service
	client *http.Client
	dialer *net.Dialer
	res    *net.Resolver
	sem    chan struct{}

	mu       sync.Mutex
	inflight map[int64]bool

	// Lag is the largest delay of a check after its due time in the last
	// RunDue (the scheduling drift).
	Lag time.Duration
}

// maxProbeBody bounds what an HTTP probe reads of a body.
const maxProbeBody = 64 << 10

// NewProber returns a Prober over s running at most parallel checks at
// once. allowLocal lets probes reach loopback and link-local addresses
// (tests; the cloud's metadata service and samdrift's own host are off
// limits otherwise); private ranges, where the municipalities' services
// live, are always allowed.
func (s *Service) NewProber(parallel int, allowLocal bool) *Prober {
	d := &net.Dialer{Timeout: 30 * time.Second}
	if !allowLocal {
		d.Control = notLocal
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second,
		Proxy: nil, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}
	return &Prober{s: s, dialer: d, res: &net.Resolver{}, sem: make(chan struct{}, parallel), inflight: map[int64]bool{},
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// notLocal refuses loopback, link-local, unspecified and multicast
// addresses, on the address actually dialled.
func notLocal(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
		return fmt.Errorf("%s is a local address; probes check services on the network, not samdrift's own host", ip)
	}
	return nil
}

// due is a probe to check now.
type due struct {
	p   Probe
	due int64 // Unix ms
}

// RunDue starts the checks of every enabled probe that is due and not
// being checked already, at most 1,000 a call, and returns; the checks
// record their results (and open and end outages) when done. ctx bounds
// the checks too.
func (r *Prober) RunDue(ctx context.Context) (int, error) {
	now := r.s.Clock()
	rows, err := r.s.db.Reader().QueryContext(ctx, `SELECT `+probeColumns+`, p.next_due FROM probes p WHERE p.enabled = TRUE AND p.next_due <= $1
		ORDER BY p.next_due LIMIT 1000`, now.UnixMilli())
	if err != nil {
		return 0, errs.Wrap(err, "cannot list due probes")
	}
	var ds []due
	for rows.Next() {
		var d due
		var p Probe
		var checked, expires sql.NullTime
		if err := rows.Scan(&p.ID, &p.SubscriptionID, &p.UnitID, &p.MunicipalityID, &p.Name, &p.Kind, &p.Target, &p.IntervalSeconds, &p.TimeoutMillis,
			&p.ExpectStatus, &p.ExpectBody, &p.FailuresToOpen, &p.Enabled, &p.State, &checked, &p.LastError, &expires, &p.CreatedBy, &p.CreatedAt, &d.due); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "cannot read a due probe")
		}
		d.p = p
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "cannot list due probes")
	}
	started := 0
	var lag time.Duration
	for _, d := range ds {
		r.mu.Lock()
		busy := r.inflight[d.p.ID]
		r.inflight[d.p.ID] = true
		r.mu.Unlock()
		if busy {
			continue
		}
		lag = max(lag, now.Sub(time.UnixMilli(d.due)))
		started++
		go func() {
			defer func() {
				r.mu.Lock()
				delete(r.inflight, d.p.ID)
				r.mu.Unlock()
			}()
			select {
			case r.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			at := r.s.Clock()
			res := r.check(ctx, d.p)
			<-r.sem
			if ctx.Err() == nil {
				_ = r.record(context.WithoutCancel(ctx), d, at, res)
			}
		}()
	}
	r.Lag = lag
	return started, nil
}

// result is one check's outcome.
type result struct {
	err     error
	latency time.Duration
	expires time.Time // the server certificate's expiry (HTTPS)
}

// check runs one probe once.
func (r *Prober) check(ctx context.Context, p Probe) result {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.TimeoutMillis)*time.Millisecond)
	defer cancel()
	start := time.Now()
	var res result
	switch p.Kind {
	case ProbeTCP:
		c, err := r.dialer.DialContext(ctx, "tcp", p.Target)
		if err == nil {
			c.Close()
		}
		res.err = err
	case ProbeDNS:
		addrs, err := r.res.LookupHost(ctx, p.Target)
		if err == nil && len(addrs) == 0 {
			err = fmt.Errorf("%s has no address", p.Target)
		}
		res.err = err
	case ProbeHTTP:
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Target, nil)
		if err != nil {
			res.err = err
			break
		}
		req.Header.Set("User-Agent", "samdrift-probe/1")
		resp, err := r.client.Do(req)
		if err != nil {
			res.err = err
			break
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
		resp.Body.Close()
		if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
			res.expires = resp.TLS.PeerCertificates[0].NotAfter
		}
		switch {
		case p.ExpectStatus != 0 && resp.StatusCode != p.ExpectStatus:
			res.err = fmt.Errorf("status %d, want %d", resp.StatusCode, p.ExpectStatus)
		case p.ExpectStatus == 0 && (resp.StatusCode < 200 || resp.StatusCode > 399):
			res.err = fmt.Errorf("status %d", resp.StatusCode)
		case err != nil:
			res.err = fmt.Errorf("cannot read the body: %v", err)
		case p.ExpectBody != "" && !strings.Contains(string(body), p.ExpectBody):
			res.err = fmt.Errorf("the body lacks %q", p.ExpectBody)
		}
	}
	res.latency = time.Since(start)
	return res
}

// record stores a check's result: the probe's state and next due time,
// the day's counts, and an outage opened (from the first failure of the
// streak) or ended (at this success).
func (r *Prober) record(ctx context.Context, d due, at time.Time, res result) error {
	p := d.p
	interval := int64(p.IntervalSeconds) * 1000
	// The next due time follows the schedule, not the check's end (no
	// drift); a probe far behind skips the checks it missed.
	next := d.due + interval
	if now := r.s.Clock().UnixMilli(); next <= now {
		next = now + interval - (now-d.due)%interval
	}
	var open, end, created bool
	var firstFailed time.Time
	var outage int64
	var refused error
	sc := access.System("probe")
	key := "probe:" + strconv.FormatInt(p.ID, 10)
	now := r.s.Clock().UTC()
	err := r.s.db.Write(ctx, func(tx *sql.Tx) error {
		var state string
		var failures int
		var ff sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT state, failures, first_failed_at FROM probes WHERE id = $1`, p.ID).Scan(&state, &failures, &ff); err != nil {
			return err
		}
		msg := ""
		if res.err != nil {
			msg = res.err.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			failures++
			if failures == 1 || !ff.Valid {
				ff = sql.NullTime{Time: at.UTC(), Valid: true}
			}
			if failures >= p.FailuresToOpen && state != "down" {
				state, open, firstFailed = "down", true, ff.Time
			}
		} else {
			end = state == "down"
			state, failures, ff = "up", 0, sql.NullTime{}
		}
		var expires any
		if !res.expires.IsZero() {
			expires = res.expires.UTC()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE probes SET state = $1, failures = $2, first_failed_at = $3, last_checked_at = $4, last_error = $5,
			tls_expires_at = COALESCE($6, tls_expires_at), next_due = $7 WHERE id = $8`, state, failures, ff, at.UTC(), msg, expires, next, p.ID); err != nil {
			return err
		}
		failed := 0
		if res.err != nil {
			failed = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO probe_days (probe_id, day, checks, failures, latency_ms) VALUES ($1, $2, 1, $3, $4)
			ON CONFLICT (probe_id, day) DO UPDATE SET checks = probe_days.checks + 1, failures = probe_days.failures + excluded.failures,
			latency_ms = probe_days.latency_ms + excluded.latency_ms`, p.ID, at.UTC().Format("2006-01-02"), failed, res.latency.Milliseconds()); err != nil {
			return err
		}
		// The outage opens or ends in the same transaction as the state
		// that says so: nobody reads a probe up with its outage still
		// open, and a crash between the two leaves neither. A refusal
		// (the subscription ended, say) keeps the check recorded.
		var err error
		switch {
		case open:
			var n NewOutage
			n, err = checkOutage(NewOutage{Subscription: p.SubscriptionID, Start: firstFailed, Source: SourceProbe, Fingerprint: key,
				Cause: truncate(p.Name+": "+res.err.Error(), maxCause), Unit: p.UnitID}, now)
			if err == nil {
				outage, created, err = r.s.openIn(ctx, tx, sc, n, now)
			}
		case end:
			outage, err = r.s.openByKey(ctx, tx, sc, p.UnitID, p.SubscriptionID, key)
			if err == nil && outage != 0 {
				err = r.s.endIn(ctx, tx, sc, outage, at, now)
			}
		}
		if errs.CodeOf(err) == errs.Internal {
			return err
		}
		refused = err
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "cannot record probe %d's check", p.ID)
	}
	if refused != nil || outage == 0 {
		return refused
	}
	if open {
		_, _, err = r.s.opened(ctx, sc, outage, created)
	} else {
		_, err = r.s.ended(ctx, sc, outage)
	}
	return err
}
