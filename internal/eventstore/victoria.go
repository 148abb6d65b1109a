package eventstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/jsonx"
)

// Victoria is the event store on VictoriaLogs (issue 20; first step: the
// append path and searching by the query language, measured against the
// SQL stores' query corpus). Each tenant is its own VictoriaLogs tenant
// (AccountID = the organisation's id), so no filter samdrift writes can
// reach another tenant's events: every request names one.
type Victoria struct {
	base *url.URL
	hc   *http.Client
	// storage are a cluster's storage nodes (host:port of their HTTP
	// listeners), asked only whether they restarted (startedBefore).
	storage []string

	// downUntil (Unix nanoseconds) puts this copy last for reading
	// after a request found it unavailable.
	downUntil atomic.Int64
	// starts caches the processes' start times for a second.
	startsMu sync.Mutex
	starts   []float64
	startsAt time.Time
}

// NewVictoria returns the store at base: victorialogs://host:9428 (or
// http(s)://host:9428) for a single VictoriaLogs, or a cluster's
// insert/select node with its storage nodes named, as in
// victorialogs://front:9428?storage=s1:9491,s2:9491 (samdrift asks them
// only whether they restarted, so that a batch held for their disk is
// sent again when one did).
func NewVictoria(base string) (*Victoria, error) {
	u, err := url.Parse(base)
	if err == nil {
		switch u.Scheme {
		case "victorialogs":
			u.Scheme = "http"
		case "victorialogs+https":
			u.Scheme = "https"
		}
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errs.E(errs.Invalid, "the VictoriaLogs address %q must be victorialogs://host:port or http(s)://host:port", base)
	}
	v := &Victoria{hc: &http.Client{Timeout: time.Minute}}
	q := u.Query()
	for k := range q {
		if k != "storage" {
			return nil, errs.E(errs.Invalid, "the VictoriaLogs address %q has an unknown parameter %q: only storage (the cluster's storage nodes, host:port,host:port) is known", base, k)
		}
	}
	for _, h := range strings.Split(q.Get("storage"), ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			return nil, errs.E(errs.Invalid, "the VictoriaLogs address %q names storage node %q, which is not host:port", base, h)
		}
		v.storage = append(v.storage, h)
	}
	u.RawQuery = ""
	v.base = u
	return v, nil
}

// String is the copy's address, for logs.
func (v *Victoria) String() string { return v.base.Host }

// errUnavailable marks an answer that says nothing about the query: the
// copy is down or could not answer (another copy may).
var errUnavailable = errors.New("VictoriaLogs is unavailable")

// startedBefore tells whether every process of this copy (the one
// addressed and the storage nodes named) started before t: if one
// started later, what it had acknowledged before t but not yet written
// to disk is gone. A process that cannot be asked counts as restarted.
func (v *Victoria) startedBefore(ctx context.Context, t time.Time) (bool, error) {
	v.startsMu.Lock()
	defer v.startsMu.Unlock()
	if time.Since(v.startsAt) > time.Second {
		hosts := append([]string{v.base.Host}, v.storage...)
		starts := make([]float64, 0, len(hosts))
		for _, h := range hosts {
			u := *v.base
			u.Host, u.Path = h, "/metrics"
			st, err := v.startTime(ctx, u.String())
			if err != nil {
				return false, err
			}
			starts = append(starts, st)
		}
		v.starts, v.startsAt = starts, time.Now()
	}
	// Start times are whole seconds: a second's margin.
	limit := float64(t.Unix() - 1)
	for _, st := range v.starts {
		if st > limit {
			return false, nil
		}
	}
	return true, nil
}

// startTime reads process_start_time_seconds from a VictoriaLogs
// process's metrics at u.
func (v *Victoria) startTime(ctx context.Context, u string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", errUnavailable, u, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 64<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("process_start_time_seconds ")); ok {
			return strconv.ParseFloat(string(bytes.TrimSpace(rest)), 64)
		}
	}
	return 0, fmt.Errorf("%w: %s has no process_start_time_seconds", errUnavailable, u)
}

// appendDoc writes one event as a VictoriaLogs JSON line (without the
// newline): written by hand, as encoding/json's maps cost a seventh of the
// store consumer's time.
func appendDoc(b []byte, e event.Event) []byte {
	b = append(b, '{')
	kv := func(k, v string) {
		if len(b) > 1 && b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, k)
		b = append(b, ':')
		b = jsonx.AppendString(b, v)
	}
	kv("_time", e.Time.UTC().Format(time.RFC3339Nano))
	kv("_msg", e.Message)
	kv(vlColumns["id"], e.ID)
	kv(vlColumns["host"], e.Host)
	kv(vlColumns["app"], e.App)
	kv(vlColumns["severity"], strconv.Itoa(e.Severity))
	kv(vlColumns["format"], e.Format)
	kv(vlColumns["product"], e.Product)
	kv(vlColumns["source_ip"], e.SourceIP)
	kv(vlColumns["raw"], e.Raw)
	kv(vlColumns["parse_error"], e.ParseError)
	kv(vlColumn+"received", e.Received.UTC().Format(time.RFC3339Nano))
	kv(vlColumn+"facility", strconv.Itoa(e.Facility))
	kv(vlColumn+"source", e.Source)
	kv(vlColumn+"source_id", strconv.FormatInt(e.SourceID, 10))
	for j, f := range e.Fields {
		// The how-manieth value of its key this is (fields are few: a
		// look back is cheaper than a map).
		i := 0
		for _, g := range e.Fields[:j] {
			if g.Key == f.Key {
				i++
			}
		}
		if i >= vlMaxValues {
			continue
		}
		kv(vlFieldName(f.Key, i), f.Value)
	}
	return append(b, '}')
}

// Append sends events to VictoriaLogs, one request per tenant (at most
// vlParallel at once). VictoriaLogs answers before the events are on disk
// or searchable: see Flush and the spine's HoldAcks.
func (v *Victoria) Append(ctx context.Context, events []event.Event) (int, error) {
	// Each tenant's body is sized first: grown line by line, copying
	// it took a tenth of the store consumer's time (pprof).
	size := map[int64]int{}
	for _, e := range events {
		n := len(e.Message) + len(e.Raw) + 320
		for _, f := range e.Fields {
			n += len(f.Key) + len(f.Value) + 12
		}
		size[e.Tenant] += n
	}
	byTenant := make(map[int64]*bytes.Buffer, len(size))
	var order []int64
	for _, e := range events {
		b := byTenant[e.Tenant]
		if b == nil {
			b = bytes.NewBuffer(make([]byte, 0, size[e.Tenant]))
			byTenant[e.Tenant] = b
			order = append(order, e.Tenant)
		}
		b.Write(append(appendDoc(b.AvailableBuffer(), e), '\n'))
	}
	err := perTenant(ctx, order, func(ctx context.Context, _ int, t int64) error {
		q := url.Values{"_stream_fields": {vlColumns["host"] + "," + vlColumns["app"]}, "_time_field": {"_time"}, "_msg_field": {"_msg"}}
		_, err := v.do(ctx, t, "/insert/jsonline", q, byTenant[t])
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(events), nil
}

// perTenant runs fn for each of tenants, at most vlParallel at once, and
// returns the first error (the others' requests are cancelled then).
func perTenant(ctx context.Context, tenants []int64, fn func(ctx context.Context, i int, tenant int64) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(vlParallel)
	for i, t := range tenants {
		g.Go(func() error { return fn(ctx, i, t) })
	}
	return g.Wait()
}

// Flush makes what was appended searchable at once (VictoriaLogs does
// within about a second by itself). It does not put it on disk: the
// spine holds the batches for that (Options.HoldAcks).
func (v *Victoria) Flush(ctx context.Context) error {
	_, err := v.do(ctx, -1, "/internal/force_flush", nil, nil)
	return err
}

// withData narrows tenants to those VictoriaLogs holds events of in
// [from, to), so that a search over a hundred organisations asks only
// those with events (a tenant whose events were all deleted may still be
// listed: it is then asked, and answers nothing).
func (v *Victoria) withData(ctx context.Context, tenants []int64, from, to time.Time) ([]int64, error) {
	if len(tenants) <= 1 {
		return tenants, nil
	}
	body, err := v.do(ctx, -1, "/select/tenant_ids", url.Values{"start": {vlTime(from)}, "end": {vlTime(to)}}, nil)
	if err != nil {
		return nil, err
	}
	var ids []struct {
		Account int64 `json:"account_id"`
		Project int64 `json:"project_id"`
	}
	if err := json.Unmarshal(body, &ids); err != nil {
		return nil, errs.Wrap(err, "VictoriaLogs' tenant list is not JSON")
	}
	has := map[int64]bool{}
	for _, id := range ids {
		if id.Project == 0 {
			has[id.Account] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(tenants), func(t int64) bool { return !has[t] }), nil
}

// vlParallel bounds how many tenants one search reads at once.
const vlParallel = 8

// search returns a page of the events of tenants that match q, newest
// first (time, then id, as the SQL stores order), with the total capped
// at TotalCap: one query per tenant, at most vlParallel at a time,
// merged.
func (v *Victoria) search(ctx context.Context, tenants []int64, q Query) (Result, error) {
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return Result{}, errs.Field("limit", "limit must be 1–1000")
	}
	var curTS time.Time
	var curID string
	if q.Cursor != "" {
		ts, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return Result{}, err
		}
		curTS, curID = time.UnixMicro(ts).UTC(), id
	}
	tenants, err := v.withData(ctx, tenants, q.From, q.To)
	if err != nil {
		return Result{}, err
	}
	type answer struct {
		items []event.Event
		total int
	}
	answers := make([]answer, len(tenants))
	err = perTenant(ctx, tenants, func(ctx context.Context, i int, t int64) error {
		a := &answers[i]
		filter, err := v.filter(ctx, t, q)
		if err != nil {
			return err
		}
		if a.total, err = v.count(ctx, t, filter, TotalCap+1); err != nil {
			return err
		}
		page := filter
		if q.Cursor != "" {
			c := vlTime(curTS)
			page = "(" + filter + ") AND (_time:[" + vlTime(q.From) + ", " + c + ") OR (_time:[" + c + ", " + c + "] AND " +
				logsqlField(vlColumns["id"]) + ":string_range(\"\", " + strconv.Quote(curID) + ")))"
		}
		body, err := v.do(ctx, t, "/select/logsql/query", url.Values{"query": {page + " | sort by (_time desc, " + logsqlField(vlColumns["id"]) + " desc) | limit " +
			strconv.Itoa(q.Limit)}}, nil)
		if err != nil {
			return err
		}
		a.items, err = vlEvents(body, t)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	var res Result
	res.Items = []event.Event{}
	for _, a := range answers {
		res.Total += a.total
		res.Items = append(res.Items, a.items...)
	}
	slices.SortFunc(res.Items, func(a, b event.Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if len(res.Items) > q.Limit {
		res.Items = res.Items[:q.Limit]
	}
	res.TotalExact = res.Total <= TotalCap
	res.Total = min(res.Total, TotalCap)
	if len(res.Items) == q.Limit {
		last := res.Items[len(res.Items)-1]
		c := encodeCursor(last.Time.UnixMicro(), last.ID)
		res.Next = &c
	}
	return res, nil
}

// histogram counts the events of tenants matching q in n equal buckets
// over [q.From, q.To), as Store.Histogram does; the width is whole
// milliseconds (VictoriaLogs' bucket step), so it may be up to 1 ms more
// than the SQL stores'.
func (v *Victoria) histogram(ctx context.Context, tenants []int64, q Query, n int) ([]Bucket, time.Duration, error) {
	if n < 1 || n > 500 {
		return nil, 0, errs.Field("buckets", "buckets must be 1–500")
	}
	span := q.To.Sub(q.From)
	width := max((span+time.Duration(n)*time.Millisecond-1)/time.Duration(n)/time.Millisecond*time.Millisecond, time.Millisecond)
	out := make([]Bucket, n)
	for i := range out {
		out[i].Start = q.From.Add(time.Duration(i) * width).UTC()
	}
	tenants, err := v.withData(ctx, tenants, q.From, q.To)
	if err != nil {
		return nil, 0, err
	}
	// VictoriaLogs' buckets start at multiples of the step, moved back
	// by the offset: this offset makes them start at q.From.
	step := width.Milliseconds()
	offset := (step - q.From.UnixMilli()%step) % step
	counts := make([]map[int]int, len(tenants))
	err = perTenant(ctx, tenants, func(ctx context.Context, i int, t int64) error {
		filter, err := v.filter(ctx, t, q)
		if err != nil {
			return err
		}
		body, err := v.do(ctx, t, "/select/logsql/query", url.Values{"query": {filter + " | stats by (_time:" + strconv.FormatInt(step, 10) + "ms offset " +
			strconv.FormatInt(offset, 10) + "ms) count() as n"}}, nil)
		if err != nil {
			return err
		}
		c := map[int]int{}
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			var row struct {
				Time time.Time `json:"_time"`
				N    string    `json:"n"`
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				return errs.Wrap(err, "VictoriaLogs' histogram is not JSON")
			}
			k, _ := strconv.Atoi(row.N)
			c[int(row.Time.Sub(q.From)/width)] += k
		}
		counts[i] = c
		return sc.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	for _, c := range counts {
		for b, k := range c {
			if b >= 0 && b < n {
				out[b].Count += k
			}
		}
	}
	return out, width, nil
}

// filter is q for tenant: its time range and its query in LogsQL, with
// each event field's values as that tenant's events hold them.
func (v *Victoria) filter(ctx context.Context, tenant int64, q Query) (string, error) {
	fields := false
	probe := func(string) int { fields = true; return 1 }
	f, err := compileLogsQL(q.Q, tenant, probe)
	if err != nil {
		return "", err
	}
	if fields {
		values, err := v.fieldValues(ctx, tenant, q.From, q.To)
		if err != nil {
			return "", err
		}
		if f, err = compileLogsQL(q.Q, tenant, values); err != nil {
			return "", err
		}
	}
	return "_time:[" + vlTime(q.From) + ", " + vlTime(q.To) + ") AND " + f, nil
}

// count is how many of tenant's events match filter, counting to upTo
// at most (0: all).
func (v *Victoria) count(ctx context.Context, tenant int64, filter string, upTo int) (int, error) {
	if upTo > 0 {
		// "limit | stats count()" answers 0 on a VictoriaLogs v1.52
		// cluster (a single server counts right); counting the distinct
		// ids of the limited rows is right on both.
		filter += " | limit " + strconv.Itoa(upTo) + " | uniq by (" + logsqlField(vlColumns["id"]) + ")"
	}
	body, err := v.do(ctx, tenant, "/select/logsql/query", url.Values{"query": {filter + " | stats count() as n"}}, nil)
	if err != nil {
		return 0, err
	}
	var row struct {
		N string `json:"n"`
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &row); err != nil {
		return 0, errs.Wrap(err, "VictoriaLogs' count is not JSON")
	}
	n, err := strconv.Atoi(row.N)
	if err != nil {
		return 0, errs.Wrap(err, "VictoriaLogs' count %q is not a number", row.N)
	}
	return n, nil
}

func vlTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// vlEvents decodes VictoriaLogs' JSON lines into tenant's events.
func vlEvents(body []byte, tenant int64) ([]event.Event, error) {
	var out []event.Event
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, errs.Wrap(err, "VictoriaLogs answered a line that is not JSON")
		}
		out = append(out, vlEvent(row, tenant))
	}
	return out, sc.Err()
}

// vlEvent is the event a VictoriaLogs row holds (vlDoc's inverse).
func vlEvent(row map[string]string, tenant int64) event.Event {
	e := event.Event{Tenant: tenant, Message: row["_msg"], ID: row[vlColumns["id"]], Host: row[vlColumns["host"]], App: row[vlColumns["app"]],
		Format: row[vlColumns["format"]], Product: row[vlColumns["product"]], SourceIP: row[vlColumns["source_ip"]], Raw: row[vlColumns["raw"]],
		ParseError: row[vlColumns["parse_error"]], Source: row[vlColumn+"source"]}
	e.Time, _ = time.Parse(time.RFC3339Nano, row["_time"])
	e.Received, _ = time.Parse(time.RFC3339Nano, row[vlColumn+"received"])
	e.Severity, _ = strconv.Atoi(row[vlColumns["severity"]])
	e.Facility, _ = strconv.Atoi(row[vlColumn+"facility"])
	e.SourceID, _ = strconv.ParseInt(row[vlColumn+"source_id"], 10, 64)
	type kv struct {
		key   string
		i     int
		value string
	}
	var fields []kv
	for k, val := range row {
		if key, i, ok := vlParseName(k); ok {
			fields = append(fields, kv{key, i, val})
		}
	}
	slices.SortFunc(fields, func(a, b kv) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.i - b.i
	})
	for _, f := range fields {
		e.Fields = append(e.Fields, event.Field{Key: f.key, Value: f.value})
	}
	return e
}

// ids returns the ids of tenant's events that match the LogsQL filter.
func (v *Victoria) ids(ctx context.Context, tenant int64, filter string) ([]string, error) {
	body, err := v.do(ctx, tenant, "/select/logsql/query", url.Values{"query": {filter + " | fields " + logsqlField(vlColumns["id"])}}, nil)
	if err != nil {
		return nil, err
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, errs.Wrap(err, "VictoriaLogs answered a line that is not JSON")
		}
		ids = append(ids, row[vlColumns["id"]])
	}
	return ids, sc.Err()
}

// fieldValues tells, for tenant's events in [from, to), how many values
// each field has been stored with (key, key[1], key[2], …): a term on a
// field looks at every one.
func (v *Victoria) fieldValues(ctx context.Context, tenant int64, from, to time.Time) (func(string) int, error) {
	body, err := v.do(ctx, tenant, "/select/logsql/field_names", url.Values{"query": {"*"},
		"start": {from.UTC().Format(time.RFC3339Nano)}, "end": {to.UTC().Format(time.RFC3339Nano)}}, nil)
	if err != nil {
		return nil, err
	}
	var names struct {
		Values []struct {
			Value string `json:"value"`
		} `json:"values"`
	}
	if err := json.Unmarshal(body, &names); err != nil {
		return nil, errs.Wrap(err, "VictoriaLogs' field names are not JSON")
	}
	count := map[string]int{}
	for _, n := range names.Values {
		if key, i, ok := vlParseName(n.Value); ok && i < vlMaxValues {
			count[key] = max(count[key], i+1)
		}
	}
	return func(key string) int { return max(count[key], 1) }, nil
}

// do sends one request as tenant (-1: none) and returns the body of a
// 2xx answer.
func (v *Victoria) do(ctx context.Context, tenant int64, path string, q url.Values, body io.Reader) ([]byte, error) {
	u := v.base.JoinPath(path)
	method := http.MethodGet
	if body != nil {
		method = http.MethodPost
		u.RawQuery = q.Encode()
	} else if q != nil {
		method = http.MethodPost
		body = strings.NewReader(q.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if method == http.MethodPost && u.RawQuery == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if method == http.MethodPost {
		// A form content type makes VictoriaLogs ignore the lines.
		req.Header.Set("Content-Type", "application/stream+json")
	}
	if tenant >= 0 {
		req.Header.Set("AccountID", strconv.FormatInt(tenant, 10))
		req.Header.Set("ProjectID", "0")
	}
	resp, err := v.hc.Do(req)
	if err != nil {
		v.downUntil.Store(time.Now().Add(5 * time.Second).UnixNano())
		return nil, errs.Wrap(fmt.Errorf("%w: %v", errUnavailable, err), "cannot reach VictoriaLogs at %s", v.base.Host)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, errs.Wrap(err, "cannot read VictoriaLogs' answer")
	}
	if resp.StatusCode/100 == 5 {
		// A cluster's select node answers 5xx when a storage node is
		// down (there is no partial answer without
		// allow_partial_response).
		v.downUntil.Store(time.Now().Add(5 * time.Second).UnixNano())
		return nil, fmt.Errorf("%w: %s %s: %s: %s", errUnavailable, v.base.Host, path, resp.Status, bytes.TrimSpace(b[:min(len(b), 500)]))
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("VictoriaLogs %s: %s: %s", path, resp.Status, bytes.TrimSpace(b[:min(len(b), 500)]))
	}
	return b, nil
}
