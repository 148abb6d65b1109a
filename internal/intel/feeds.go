package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
)

// FeedKinds are the partner feeds samdrift polls: a TAXII 2.1
// collection, a MISP feed, a CSAF provider (provider-metadata.json or a
// ROLIE feed) and a STIX bundle at a URL.
var FeedKinds = []string{"taxii", "misp", "csaf", "stix"}

// Feed is a partner's feed that samdrift polls on a schedule.
type Feed struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	URL        string     `json:"url"`
	Collection string     `json:"collection,omitempty"` // TAXII: the collection's id
	TokenEnv   string     `json:"token_env,omitempty"`  // the environment variable that holds its token
	TLP        string     `json:"tlp"`                  // nothing it brings is shared wider
	OrgID      int64      `json:"org_id,omitempty"`
	Interval   int        `json:"interval_minutes"`
	Enabled    bool       `json:"enabled"`
	PolledAt   *time.Time `json:"polled_at,omitempty"`
	NextPollAt time.Time  `json:"next_poll_at"`
	LastStatus string     `json:"last_status"` // ok, failed ("" before the first poll)
	LastError  string     `json:"last_error,omitempty"`
	Imported   int64      `json:"imported"`
}

// FeedChange creates or changes a feed (nil fields stay as they are).
type FeedChange struct {
	Name       *string `json:"name,omitempty"`
	Kind       *string `json:"kind,omitempty"`
	URL        *string `json:"url,omitempty"`
	Collection *string `json:"collection,omitempty"`
	TokenEnv   *string `json:"token_env,omitempty"`
	TLP        *string `json:"tlp,omitempty"`
	Interval   *int    `json:"interval_minutes,omitempty"`
	Enabled    *bool   `json:"enabled,omitempty"`
	OrgID      int64   `json:"-"`
}

const feedColumns = `id, name, kind, url, collection, token_env, tlp, COALESCE(org_id, 0), interval_s, enabled, polled_at, next_poll_at, last_status, last_error, imported`

func scanFeed(row interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var polled sql.NullInt64
	var next int64
	err := row.Scan(&f.ID, &f.Name, &f.Kind, &f.URL, &f.Collection, &f.TokenEnv, &f.TLP, &f.OrgID, &f.Interval, &f.Enabled, &polled, &next, &f.LastStatus,
		&f.LastError, &f.Imported)
	f.Interval /= 60
	if polled.Valid {
		t := time.UnixMicro(polled.Int64).UTC()
		f.PolledAt = &t
	}
	f.NextPollAt = time.UnixMicro(next).UTC()
	return f, err
}

// mayManageFeeds: the CERT and administrators configure partners' feeds.
func mayManageFeeds(sc access.Scope) error {
	if sc.IsSystem() || sc.Role == access.RoleAdmin || sc.Role == access.RoleCERT {
		return nil
	}
	return errs.E(errs.Forbidden, "partners' feeds are configured by the CERT")
}

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,63}$`)

func (c *FeedChange) apply(f *Feed) error {
	var err error
	if c.Name != nil {
		if f.Name, err = errs.Text("name", *c.Name, 2, 100); err != nil {
			return err
		}
	}
	if c.Kind != nil {
		f.Kind = *c.Kind
	}
	if err := errs.OneOf("kind", f.Kind, FeedKinds); err != nil {
		return err
	}
	if c.URL != nil {
		f.URL = strings.TrimSpace(*c.URL)
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(f.URL) > 2000 {
		return errs.Field("url", "give the feed's http(s) address (for TAXII the API root, e.g. https://cert.example/taxii2/api/)")
	}
	if c.Collection != nil {
		f.Collection = strings.TrimSpace(*c.Collection)
	}
	if f.Kind == "taxii" && f.Collection == "" {
		return errs.Field("collection", "a TAXII feed names the collection to poll (its id)")
	}
	if len(f.Collection) > 200 {
		return errs.Field("collection", "at most 200 characters")
	}
	if c.TokenEnv != nil {
		f.TokenEnv = strings.TrimSpace(*c.TokenEnv)
	}
	if f.TokenEnv != "" && !envName.MatchString(f.TokenEnv) {
		return errs.Field("token_env", "the name of an environment variable (A–Z, 0–9, _), e.g. SAMDRIFT_FEED_CERTEU_TOKEN; samdrift never stores the token itself")
	}
	if c.TLP != nil {
		f.TLP = strings.ToLower(*c.TLP)
	}
	if err := checkTLP("tlp", f.TLP); err != nil {
		return err
	}
	if c.Interval != nil {
		f.Interval = *c.Interval
	}
	if f.Interval < 5 || f.Interval > 7*24*60 {
		return errs.Field("interval_minutes", "poll every 5 minutes to 7 days (10080 minutes)")
	}
	if c.Enabled != nil {
		f.Enabled = *c.Enabled
	}
	return nil
}

// AddFeed registers a partner's feed (the CERT); it is polled at once and
// then every interval.
func (s *Service) AddFeed(ctx context.Context, sc access.Scope, c FeedChange) (Feed, error) {
	if err := mayManageFeeds(sc); err != nil {
		return Feed{}, err
	}
	f := Feed{TLP: "amber", Interval: 60, Enabled: true}
	if c.Name == nil || c.Kind == nil || c.URL == nil {
		return Feed{}, errs.Field("name", "a feed needs a name, a kind (taxii, misp, csaf, stix) and a url")
	}
	if err := c.apply(&f); err != nil {
		return Feed{}, err
	}
	org := c.OrgID
	if org == 0 {
		org = sc.OrgID
	}
	var out Feed
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var id int64
		var o any
		if org != 0 {
			o = org
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO intel_feeds (name, kind, url, collection, token_env, tlp, org_id, interval_s, enabled, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, f.Name, f.Kind, f.URL, f.Collection, f.TokenEnv, f.TLP, o, f.Interval*60, f.Enabled,
			sc.Actor().Name, s.now().UnixMicro()).Scan(&id)
		if err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "unique") {
				return errs.E(errs.Conflict, "a feed named %q exists already", f.Name)
			}
			return errs.Wrap(err, "cannot add feed %q", f.Name)
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.feed.add", TargetType: "intel_feed", TargetID: strconv.FormatInt(id, 10),
			After: map[string]any{"name": f.Name, "kind": f.Kind, "url": f.URL, "tlp": f.TLP}}); err != nil {
			return err
		}
		out, err = feedByID(ctx, tx, id)
		return err
	})
	return out, err
}

func feedByID(ctx context.Context, q store.Querier, id int64) (Feed, error) {
	f, err := scanFeed(q.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM intel_feeds WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Feed{}, errs.E(errs.NotFound, "no feed %d", id)
	}
	return f, errs.Wrap(err, "cannot read feed %d", id)
}

// UpdateFeed changes a feed (the CERT).
func (s *Service) UpdateFeed(ctx context.Context, sc access.Scope, id int64, c FeedChange) (Feed, error) {
	if err := mayManageFeeds(sc); err != nil {
		return Feed{}, errs.E(errs.NotFound, "no feed %d", id)
	}
	var out Feed
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		f, err := feedByID(ctx, tx, id)
		if err != nil {
			return err
		}
		before := f
		if err := c.apply(&f); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET name = $1, kind = $2, url = $3, collection = $4, token_env = $5, tlp = $6, interval_s = $7, enabled = $8
			WHERE id = $9`, f.Name, f.Kind, f.URL, f.Collection, f.TokenEnv, f.TLP, f.Interval*60, f.Enabled, id); err != nil {
			return errs.Wrap(err, "cannot change feed %d", id)
		}
		// The cursor is a position in what the feed pointed at: pointed
		// elsewhere, it starts over, at once. A new interval counts from
		// the last poll (sooner or later than planned), as does a feed
		// enabled again.
		switch {
		case f.Kind != before.Kind || f.URL != before.URL || f.Collection != before.Collection:
			if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET cursor = '', next_poll_at = 0 WHERE id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot change feed %d", id)
			}
		case f.Interval != before.Interval || f.Enabled && !before.Enabled:
			if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET next_poll_at = COALESCE(polled_at, 0) + CAST(interval_s AS BIGINT) * 1000000 WHERE id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot change feed %d", id)
			}
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.feed.update", TargetType: "intel_feed", TargetID: strconv.FormatInt(id, 10),
			Before: before, After: f}); err != nil {
			return err
		}
		out, err = feedByID(ctx, tx, id)
		return err
	})
	return out, err
}

// Feeds lists the partners' feeds (the CERT, the SOC and administrators).
func (s *Service) Feeds(ctx context.Context, sc access.Scope) ([]Feed, error) {
	if err := mayShare(sc); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+feedColumns+` FROM intel_feeds ORDER BY name`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list feeds")
	}
	defer rows.Close()
	out := []Feed{}
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read a feed")
		}
		out = append(out, f)
	}
	return out, errs.Wrap(rows.Err(), "cannot list feeds")
}

// PollNow polls feed id at once (the CERT), whatever its schedule.
func (s *Service) PollNow(ctx context.Context, sc access.Scope, id int64) (Feed, error) {
	if err := mayManageFeeds(sc); err != nil {
		return Feed{}, errs.E(errs.NotFound, "no feed %d", id)
	}
	if _, err := feedByID(ctx, s.db.Reader(), id); err != nil {
		return Feed{}, err
	}
	if err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET next_poll_at = 0 WHERE id = $1`, id)
		return errs.Wrap(err, "cannot schedule feed %d", id)
	}); err != nil {
		return Feed{}, err
	}
	if _, err := s.poll(ctx, id); err != nil {
		return Feed{}, err
	}
	return feedByID(ctx, s.db.Reader(), id)
}

// Poll polls every enabled feed that is due. Each feed is claimed before
// it is polled (its next poll time moves on in one conditional update),
// so that with several nodes each due feed is polled by exactly one. It
// returns how many feeds it polled.
func (s *Service) Poll(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM intel_feeds WHERE enabled AND next_poll_at <= $1 ORDER BY next_poll_at`, s.now().UnixMicro())
	if err != nil {
		return 0, errs.Wrap(err, "cannot find due feeds")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "cannot find due feeds")
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		ok, err := s.poll(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// poll claims feed id and polls it; a failure of the partner is recorded
// on the feed, not returned.
func (s *Service) poll(ctx context.Context, id int64) (bool, error) {
	now := s.now()
	var f Feed
	var cursor string
	claimed := false
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if f, err = feedByID(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT cursor FROM intel_feeds WHERE id = $1`, id).Scan(&cursor); err != nil {
			return errs.Wrap(err, "cannot read feed %d", id)
		}
		if f.NextPollAt.After(now) {
			return nil // another node claimed it since the caller found it due
		}
		r, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3`,
			now.Add(time.Duration(f.Interval)*time.Minute).UnixMicro(), id, f.NextPollAt.UnixMicro())
		if err != nil {
			return errs.Wrap(err, "cannot claim feed %d", id)
		}
		n, _ := r.RowsAffected()
		claimed = n == 1
		return nil
	})
	if err != nil || !claimed {
		return false, err
	}
	sc := access.System("feed:" + f.Name)
	opt := ImportOptions{Name: f.Name, TLP: f.TLP, Default: f.TLP, Org: f.OrgID, Origin: f.Name, Feed: f.ID}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	res, next, perr := s.fetch(pctx, sc, f, cursor, opt)
	cancel()
	status, msg := "ok", ""
	if perr != nil {
		status, msg = "failed", clip(perr.Error(), 1000)
		s.log.Warn("feed poll failed", "feed", f.Name, "err", perr)
	}
	imported := int64(res.Indicators.Added + res.Reports + res.Advisories + res.AdvisoriesUpdated)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		// fetch returns the cursor it started from when it fails, or as
		// far as it got (TAXII pages are imported one by one).
		_, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET polled_at = $1, last_status = $2, last_error = $3, imported = imported + $4, cursor = $5 WHERE id = $6`,
			now.UnixMicro(), status, msg, imported, next, id)
		if err != nil {
			return errs.Wrap(err, "cannot record the poll of feed %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.feed.poll", TargetType: "intel_feed", TargetID: strconv.FormatInt(id, 10),
			After: map[string]any{"status": status, "error": msg, "reports": res.Reports, "indicators": res.Indicators.Added, "advisories": res.Advisories,
				"skipped": len(res.Skipped)}})
	})
	return true, err
}

// fetch reads what feed f has after cursor and imports it; it returns the
// next cursor, which on failure is cursor unless part was imported for
// good (TAXII pages).
func (s *Service) fetch(ctx context.Context, sc access.Scope, f Feed, cursor string, opt ImportOptions) (ImportResult, string, error) {
	total := ImportResult{Skipped: []string{}}
	var since time.Time
	if cursor != "" && f.Kind != "taxii" {
		since, _ = time.Parse(time.RFC3339Nano, cursor)
	}
	started := s.now().Format(time.RFC3339Nano)
	switch f.Kind {
	case "misp":
		// The cursor is the last timestamp handled (ReadFeed's own advice),
		// not our clock: an event the partner changed before we polled
		// but wrote to its feed after is still after it.
		var events []misp.Event
		latest := since
		err := misp.ReadFeed(ctx, s.authClient(f), f.URL, since, func(e misp.Event) error {
			events = append(events, e)
			if e.Timestamp.After(latest) {
				latest = e.Timestamp
			}
			return nil
		})
		if err != nil {
			return total, cursor, err
		}
		if len(events) > 0 {
			res, err := s.importMISP(ctx, sc, events, opt)
			if err != nil {
				return total, cursor, err
			}
			total.add(res)
		}
		if latest.IsZero() {
			return total, cursor, nil
		}
		return total, latest.UTC().Format(time.RFC3339Nano), nil
	case "csaf":
		// The cursor is the newest update the provider listed (its clock,
		// not ours), moved past documents it refused too: they are
		// reported once, and read again when the provider updates them.
		latest, err := s.FetchCSAF(ctx, sc, s.authClient(f), f.URL, since, opt, func(added, updated int) { total.Advisories += added; total.AdvisoriesUpdated += updated })
		next := cursor
		if latest.After(since) {
			next = latest.UTC().Format(time.RFC3339Nano)
		}
		return total, next, err
	case "stix":
		data, err := s.get(ctx, f, f.URL, "application/json")
		if err != nil {
			return total, cursor, err
		}
		res, err := s.ImportSTIX(ctx, sc, data, opt)
		if err != nil {
			return total, cursor, err
		}
		total.add(res)
		return total, started, nil
	case "taxii":
		return s.pollTAXII(ctx, sc, f, cursor, opt)
	}
	return total, cursor, errs.E(errs.Invalid, "feed kind %q", f.Kind)
}

// pollTAXII pages a partner's TAXII 2.1 collection from added_after =
// cursor, importing each page in its own transaction and moving the
// cursor on with X-TAXII-Date-Added-Last.
func (s *Service) pollTAXII(ctx context.Context, sc access.Scope, f Feed, cursor string, opt ImportOptions) (ImportResult, string, error) {
	total := ImportResult{Skipped: []string{}}
	base := strings.TrimSuffix(f.URL, "/") + "/collections/" + url.PathEscape(f.Collection) + "/objects/"
	// next continues the query it came from: added_after stays as it was
	// while the server hands out next, and only moves on (to the last
	// date added) when it pages without one.
	after, next := cursor, ""
	for page := 0; page < 1000; page++ {
		q := url.Values{"limit": {"1000"}}
		if after != "" {
			q.Set("added_after", after)
		}
		if next != "" {
			q.Set("next", next)
		}
		resp, data, err := s.do(ctx, f, base+"?"+q.Encode(), taxiiMedia)
		if err != nil {
			return total, cursor, err
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return total, cursor, errs.E(errs.Invalid, "%s: not a TAXII envelope: %v", base, err)
		}
		if len(env.Objects) > 0 {
			res, err := s.ImportSTIX(ctx, sc, data, opt)
			if err != nil {
				return total, cursor, err
			}
			total.add(res)
		}
		if last := resp.Header.Get("X-TAXII-Date-Added-Last"); last != "" {
			cursor = last
		}
		if !env.More {
			return total, cursor, nil
		}
		if env.Next == "" {
			// Without next, added_after alone moves on.
			if after == cursor {
				return total, cursor, errs.E(errs.Invalid, "%s: more objects, but neither next nor X-TAXII-Date-Added-Last says where they start", base)
			}
			after, next = cursor, ""
		} else {
			next = env.Next
		}
	}
	return total, cursor, errs.E(errs.Invalid, "%s: more than 1000 pages in one poll; the rest follows on the next poll", base)
}

const taxiiMedia = "application/taxii+json;version=2.1"

// authClient is the client for feed f (its token, if any, goes in each
// request's header: see do).
func (s *Service) authClient(f Feed) *http.Client {
	if f.TokenEnv == "" {
		return s.Client
	}
	tok := s.Getenv(f.TokenEnv)
	base := s.Client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *s.Client
	c.Transport = tokenTransport{base: base, token: tok, origin: originOf(f.URL)}
	return &c
}

// originOf is the scheme and host of u: a token goes only there (never
// to another host, nor over plain http when the feed is https).
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// tokenTransport adds the feed's token to requests to the feed's own
// origin only.
type tokenTransport struct {
	base   http.RoundTripper
	token  string
	origin string
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token != "" && r.URL.Scheme+"://"+r.URL.Host == t.origin {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.base.RoundTrip(r)
}

func (s *Service) get(ctx context.Context, f Feed, u, accept string) ([]byte, error) {
	_, data, err := s.do(ctx, f, u, accept)
	return data, err
}

// do GETs u for feed f (at most 64 MiB).
func (s *Service) do(ctx context.Context, f Feed, u, accept string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "%s: %v", u, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := s.authClient(f).Do(req)
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "%s: %v", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20+1))
	if err != nil {
		return nil, nil, errs.E(errs.Invalid, "%s: %v", u, err)
	}
	if len(data) > 64<<20 {
		return nil, nil, errs.E(errs.Invalid, "%s: more than 64 MiB", u)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, errs.E(errs.Invalid, "%s answered %s: %s", u, resp.Status, clip(strings.TrimSpace(string(data)), 200))
	}
	return resp, data, nil
}
