package sigma

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fixtureEngine loads testdata/correlations without routing.
func fixtureEngine(t testing.TB, filterTenants []int64) *Engine {
	t.Helper()
	set, err := LoadDir("testdata/correlations")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rejected) > 0 {
		t.Fatal(set.Rejected)
	}
	var filters []ScopedFilter
	for _, f := range set.Filters {
		filters = append(filters, ScopedFilter{Filter: f, Tenants: filterTenants})
	}
	e, errs := NewEngine(set.Rules, Options{Pipelines: []*Pipeline{}, Correlations: set.Correlations, Filters: filters})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return e
}

type feeder struct {
	t *testing.T
	e *Engine
	c *Correlator
	d *Doc
}

// feed presents one event and returns the ids of the correlations that
// fired.
func (f *feeder) feed(tenant int64, at time.Time, fields map[string]string) []string {
	f.d.Reset()
	f.d.Time = at
	for k, v := range fields {
		f.d.Set(k, v)
	}
	ms := f.e.MatchFor(f.d, tenant, nil)
	var ids []string
	for _, m := range f.c.Observe(tenant, f.d, ms) {
		ids = append(ids, m.Correlation.ID)
	}
	return ids
}

func has(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

const (
	corrBrute   = "7d1c0c55-0002-4000-8000-000000000001"
	corrSpray   = "7d1c0c55-0002-4000-8000-000000000002"
	corrRecon   = "7d1c0c55-0002-4000-8000-000000000003"
	corrChain   = "7d1c0c55-0002-4000-8000-000000000004"
	corrSum     = "7d1c0c55-0002-4000-8000-000000000005"
	corrAvg     = "7d1c0c55-0002-4000-8000-000000000006"
	corrPct     = "7d1c0c55-0002-4000-8000-000000000007"
	corrAliases = "7d1c0c55-0002-4000-8000-000000000008"
	ruleFailed  = "7d1c0c55-0001-4000-8000-000000000001"
	ruleRecon   = "7d1c0c55-0001-4000-8000-000000000003"
)

func newFeeder(t *testing.T) *feeder {
	e := fixtureEngine(t, nil)
	return &feeder{t: t, e: e, c: e.NewCorrelator(Limits{}), d: e.NewDoc()}
}

var t0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

func TestEventCount(t *testing.T) {
	f := newFeeder(t)
	failed := func(user string) map[string]string {
		return map[string]string{"EventID": "4625", "TargetUserName": user, "IpAddress": "10.0.0.9"}
	}
	if ids := f.feed(101, t0, failed("anna")); has(ids, corrBrute) {
		t.Fatal("fired after one event")
	}
	f.feed(101, t0.Add(time.Minute), failed("anna"))
	f.feed(101, t0.Add(2*time.Minute), failed("bo")) // another group
	if ids := f.feed(101, t0.Add(3*time.Minute), failed("anna")); !has(ids, corrBrute) {
		t.Fatalf("3 failures of anna within 5m did not fire: %v", ids)
	}
	// Spread over more than the timespan: no alert.
	for i := 0; i < 3; i++ {
		if ids := f.feed(101, t0.Add(time.Hour+time.Duration(i)*3*time.Minute), failed("carl")); has(ids, corrBrute) {
			t.Fatalf("failures 3 minutes apart (%d) fired a 5-minute count of 3", i)
		}
	}
	// Groups are per tenant.
	f.feed(101, t0.Add(2*time.Hour), failed("dorte"))
	f.feed(147, t0.Add(2*time.Hour), failed("dorte"))
	if ids := f.feed(147, t0.Add(2*time.Hour+time.Second), failed("dorte")); has(ids, corrBrute) {
		t.Fatal("events of two tenants were counted together")
	}
}

func TestValueCount(t *testing.T) {
	f := newFeeder(t)
	spray := func(user string) map[string]string {
		return map[string]string{"EventID": "4625", "TargetUserName": user, "IpAddress": "10.9.9.9"}
	}
	f.feed(101, t0, spray("anna"))
	f.feed(101, t0.Add(time.Minute), spray("anna"))
	if ids := f.feed(101, t0.Add(2*time.Minute), spray("bo")); has(ids, corrSpray) {
		t.Fatal("two distinct users fired a distinct count of 3")
	}
	if ids := f.feed(101, t0.Add(3*time.Minute), spray("carl")); !has(ids, corrSpray) {
		t.Fatalf("three distinct users from one address did not fire: %v", ids)
	}
}

func TestTemporal(t *testing.T) {
	f := newFeeder(t)
	run := func(host, img string, at time.Time) []string {
		return f.feed(101, at, map[string]string{"Computer": host, "Image": `C:\Windows\System32\` + img})
	}
	run("ws1", "net.exe", t0)
	if ids := run("ws2", "whoami.exe", t0.Add(time.Minute)); has(ids, corrRecon) {
		t.Fatal("rules on two hosts fired a temporal grouped by host")
	}
	if ids := run("ws1", "whoami.exe", t0.Add(2*time.Minute)); !has(ids, corrRecon) {
		t.Fatalf("both recon rules on ws1 within 5m did not fire: %v", ids)
	}
	run("ws3", "net.exe", t0)
	if ids := run("ws3", "whoami.exe", t0.Add(6*time.Minute)); has(ids, corrRecon) {
		t.Fatal("rules 6 minutes apart fired a 5-minute temporal")
	}
}

func TestTemporalOrderedChained(t *testing.T) {
	f := newFeeder(t)
	ev := func(id, user string, at time.Time) []string {
		return f.feed(101, at, map[string]string{"EventID": id, "TargetUserName": user, "IpAddress": "10.0.0.1"})
	}
	// Success first, then brute force: wrong order, no alert.
	ev("4624", "anna", t0)
	for i := 1; i <= 3; i++ {
		if ids := ev("4625", "anna", t0.Add(time.Duration(i)*time.Minute)); has(ids, corrChain) {
			t.Fatal("success before the failures fired an ordered correlation")
		}
	}
	// Brute force (the chained event_count fires), then success.
	for i := 0; i < 3; i++ {
		ev("4625", "bo", t0.Add(10*time.Minute+time.Duration(i)*time.Second))
	}
	if ids := ev("4624", "bo", t0.Add(20*time.Minute)); !has(ids, corrChain) {
		t.Fatalf("brute force then success did not fire the chained correlation: %v", ids)
	}
	if f.e.Standalone(ruleByID(t, f.e, ruleFailed)) {
		t.Error("a rule used by a correlation without generate must not alert on its own")
	}
}

func TestValueAggregates(t *testing.T) {
	f := newFeeder(t)
	send := func(host, bytes string, at time.Time) []string {
		return f.feed(101, at, map[string]string{"EventID": "3", "Computer": host, "SentBytes": bytes})
	}
	// value_avg: avg in (200000, 500000]
	if ids := send("a", "300000", t0); !has(ids, corrAvg) {
		t.Fatalf("an average of 300000 did not fire avg in (200000, 500000]: %v", ids)
	}
	if ids := send("b", "600000", t0); has(ids, corrAvg) {
		t.Fatal("an average of 600000 fired avg <= 500000")
	}
	// value_sum > 1,000,000 for host b: 600000 then 500000.
	if ids := send("b", "500000", t0.Add(time.Minute)); !has(ids, corrSum) {
		t.Fatalf("a sum of 1,100,000 did not fire: %v", ids)
	}
	// value_percentile: 90th percentile of host c >= 900000.
	var fired bool
	for i := 0; i < 9; i++ {
		fired = has(send("c", "1000", t0.Add(time.Duration(i)*time.Second)), corrPct) || fired
	}
	if fired {
		t.Fatal("small transfers fired the 90th percentile")
	}
	if ids := send("c", "950000", t0.Add(10*time.Second)); has(ids, corrPct) {
		t.Fatal("one large of ten moved the 90th percentile (nearest rank is the 9th value)")
	}
	if ids := send("c", "990000", t0.Add(11*time.Second)); !has(ids, corrPct) {
		t.Fatalf("two large of eleven must put the 90th percentile at 950000: %v", ids)
	}
}

func TestCorrelationAliases(t *testing.T) {
	f := newFeeder(t)
	f.feed(101, t0, map[string]string{"status": "500", "destination.ip": "10.1.1.1", "source.ip": "192.0.2.1"})
	if ids := f.feed(101, t0.Add(2*time.Second), map[string]string{"EventID": "3", "source.ip": "10.1.1.2"}); has(ids, corrAliases) {
		t.Fatal("different addresses fired an aliased temporal")
	}
	if ids := f.feed(101, t0.Add(3*time.Second), map[string]string{"EventID": "3", "source.ip": "10.1.1.1"}); !has(ids, corrAliases) {
		t.Fatalf("destination of the error = source of the connection did not fire: %v", ids)
	}
}

func TestCorrelatorBounded(t *testing.T) {
	e := fixtureEngine(t, nil)
	f := &feeder{t: t, e: e, c: e.NewCorrelator(Limits{Groups: 50, Values: 5}), d: e.NewDoc()}
	for i := 0; i < 500; i++ {
		f.feed(101, t0.Add(time.Duration(i)*time.Millisecond), map[string]string{"EventID": "4625", "TargetUserName": "u" + string(rune('a'+i%26)) + string(rune('a'+i/26)), "IpAddress": "10.0.0.1"})
	}
	if g := f.c.Groups(); g > 50 {
		t.Fatalf("correlator holds %d groups; limit 50", g)
	}
	if f.c.Evicted == 0 {
		t.Fatal("evictions were not counted")
	}
}

// TestCorrelatorEvictsLeastRecent: under a flood of new groups beyond
// the limit, a group still being observed keeps its state; the ones not
// seen for longest go.
func TestCorrelatorEvictsLeastRecent(t *testing.T) {
	e := fixtureEngine(t, nil)
	f := &feeder{t: t, e: e, c: e.NewCorrelator(Limits{Groups: 20, Values: 5}), d: e.NewDoc()}
	at := t0
	failed := func(user string) []string {
		at = at.Add(time.Second)
		return f.feed(101, at, map[string]string{"EventID": "4625", "TargetUserName": user, "IpAddress": "10.0.0.1"})
	}
	n := 0
	flood := func(k int) {
		for range k {
			failed(fmt.Sprintf("flood%d", n))
			n++
		}
	}
	failed("keep")
	flood(15)
	failed("keep")
	flood(15)
	if ids := failed("keep"); !has(ids, corrBrute) {
		t.Fatalf("the third failure of a group observed between floods did not fire (evicted %d): %v", f.c.Evicted, ids)
	}
	// A group the flood pushed out starts over.
	failed("gone")
	failed("gone")
	flood(40)
	if ids := failed("gone"); has(ids, corrBrute) {
		t.Fatal("a group evicted by the flood kept its count")
	}
	if g := f.c.Groups(); g > 20 || f.c.Evicted == 0 {
		t.Fatalf("groups %d (limit 20), evicted %d", g, f.c.Evicted)
	}
}

func TestFilterPerTenant(t *testing.T) {
	e := fixtureEngine(t, []int64{101})
	d := e.NewDoc()
	match := func(tenant int64, user string) bool {
		d.Reset()
		d.Set("EventID", "4625")
		d.Set("TargetUserName", user)
		for _, m := range e.MatchFor(d, tenant, nil) {
			if m.Rule.ID == ruleFailed {
				return true
			}
		}
		return false
	}
	if match(101, "svc_backup") {
		t.Error("the filter scoped to tenant 101 did not suppress svc_backup there")
	}
	if !match(101, "anna") {
		t.Error("the filter suppressed a user it does not name")
	}
	if !match(147, "svc_backup") {
		t.Error("the filter scoped to tenant 101 suppressed tenant 147's match")
	}
}

func ruleByID(t *testing.T, e *Engine, id string) *Rule {
	for _, r := range e.Rules() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("rule %s not loaded", id)
	return nil
}

func TestFewerThanDecidedAtWindowEnd(t *testing.T) {
	src := `title: Heartbeat
id: hb
name: heartbeat
logsource: {product: test}
detection:
  sel: {EventID: 1}
  condition: sel
---
title: Too few heartbeats
id: hb-few
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Computer]
  timespan: 10m
  condition: {lt: 3}
`
	docs, errs := ParseFile("hb.yml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e, cerrs := NewEngine([]*Rule{docs[0].Rule}, Options{Pipelines: []*Pipeline{}, Correlations: []*Correlation{docs[1].Correlation}})
	if len(cerrs) > 0 {
		t.Fatal(cerrs)
	}
	f := &feeder{t: t, e: e, c: e.NewCorrelator(Limits{}), d: e.NewDoc()}
	beat := func(host string, at time.Time) []string {
		return f.feed(101, at, map[string]string{"EventID": "1", "Computer": host})
	}
	if ids := beat("a", t0); has(ids, "hb-few") {
		t.Fatal("a fewer-than correlation fired at the first event")
	}
	beat("b", t0)
	beat("b", t0.Add(time.Minute))
	beat("b", t0.Add(2*time.Minute))
	// At window end: a had 1 (< 3: fires), b had 3 (no).
	ms := f.c.Flush(t0.Add(11 * time.Minute))
	if len(ms) != 1 || ms[0].Group["Computer"] != "a" || ms[0].Value != 1 {
		t.Fatalf("Flush = %+v; want host a with 1 event", ms)
	}
	// A later event of a group whose window ended decides it too.
	beat("c", t0.Add(20*time.Minute))
	if ids := beat("c", t0.Add(31*time.Minute)); !has(ids, "hb-few") {
		t.Errorf("the event after c's window did not decide it: %v", ids)
	}
}

// BenchmarkCorrelatorFlood: failed logons for ever new accounts (a spray
// or a scan), so every event opens a group and, past the limit, evicts
// one: the correlator's worst case.
func BenchmarkCorrelatorFlood(b *testing.B) {
	e := fixtureEngine(b, nil)
	c := e.NewCorrelator(Limits{Groups: 100000})
	d := e.NewDoc()
	users := make([]string, 1<<18)
	for i := range users {
		users[i] = fmt.Sprintf("user%d", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Reset()
		d.Time = t0.Add(time.Duration(i) * time.Millisecond)
		d.Set("EventID", "4625")
		d.Set("TargetUserName", users[i%len(users)])
		d.Set("IpAddress", "10.0.0.1")
		c.Observe(101, d, e.MatchFor(d, 101, nil))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(c.Evicted), "evicted")
}

// TestCorrelatorAdopt: a correlator built for a recompiled engine (the
// correlations in another order, one changed) takes over the windows of
// the correlations whose shape is the same and starts the changed one
// over.
func TestCorrelatorAdopt(t *testing.T) {
	set, err := LoadDir("testdata/correlations")
	if err != nil {
		t.Fatal(err)
	}
	build := func(corrs []*Correlation) *Engine {
		e, errs := NewEngine(set.Rules, Options{Pipelines: []*Pipeline{}, Correlations: corrs})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return e
	}
	e1 := build(set.Correlations)
	f := &feeder{t: t, e: e1, c: e1.NewCorrelator(Limits{}), d: e1.NewDoc()}
	failed := func(at time.Time, user, ip string) []string {
		return f.feed(101, at, map[string]string{"EventID": "4625", "TargetUserName": user, "IpAddress": ip})
	}
	// Two failures each for bo (brute force needs 3 per user) and from
	// 10.0.0.9 for two users (spraying needs 3 users per address).
	failed(t0, "bo", "10.0.0.1")
	failed(t0.Add(time.Second), "bo", "10.0.0.1")
	failed(t0.Add(2*time.Second), "al", "10.0.0.9")
	failed(t0.Add(3*time.Second), "cy", "10.0.0.9")

	// Recompiled: correlations reversed (other indexes), spraying now
	// counting events instead of users (another shape: had its window been
	// kept, a third event from the address would fire it), brute force
	// re-levelled and renamed (the same shape).
	var corrs []*Correlation
	for i := len(set.Correlations) - 1; i >= 0; i-- {
		c := *set.Correlations[i]
		switch c.ID {
		case corrSpray:
			c.Type = "event_count"
		case corrBrute:
			c.Level, c.Title = "critical", "renamed"
		}
		corrs = append(corrs, &c)
	}
	e2 := build(corrs)
	c2 := e2.NewCorrelator(Limits{})
	kept, dropped := c2.Adopt(f.c)
	if kept < 1 || dropped < 1 {
		t.Fatalf("adopted %d groups and dropped %d; want the brute-force group kept and the spraying one dropped", kept, dropped)
	}
	if f.c.Groups() != 0 {
		t.Errorf("the old correlator still holds %d groups", f.c.Groups())
	}
	f.e, f.c, f.d = e2, c2, e2.NewDoc()
	if ids := failed(t0.Add(4*time.Second), "bo", "10.0.0.1"); !has(ids, corrBrute) {
		t.Errorf("bo's third failure after the recompile did not fire brute force: %v", ids)
	}
	if ids := failed(t0.Add(5*time.Second), "dee", "10.0.0.9"); has(ids, corrSpray) {
		t.Error("spraying changed its type yet kept its old window")
	}
	if c2.Adopt(c2); c2.Groups() == 0 {
		t.Error("adopting itself emptied the correlator")
	}
}

// TestCorrelatorSaveLoad: state saved by one process and loaded by the
// next finishes the windows it left open — counts (event_count), distinct
// values (value_count), sums (value_sum) and an ordered sequence whose
// first stage was reached (temporal_ordered) — in the right tenant only;
// a correlation whose shape changed in between starts over.
func TestCorrelatorSaveLoad(t *testing.T) {
	f := newFeeder(t)
	failed := func(tenant int64, at time.Time, user, ip string) []string {
		return f.feed(tenant, at, map[string]string{"EventID": "4625", "TargetUserName": user, "IpAddress": ip})
	}
	failed(101, t0, "bo", "10.0.0.1")
	failed(101, t0.Add(time.Second), "bo", "10.0.0.1")
	failed(101, t0.Add(2*time.Second), "al", "10.0.0.9")
	failed(101, t0.Add(3*time.Second), "cy", "10.0.0.9")
	for i := range 3 { // brute force against dan fires; the sequence waits for a success
		failed(101, t0.Add(time.Duration(4+i)*time.Second), "dan", "10.0.0.5")
	}
	f.feed(101, t0, map[string]string{"EventID": "3", "Computer": "b", "SentBytes": "600000"})

	var buf strings.Builder
	n, err := f.c.Save(&buf)
	if err != nil || n < 5 {
		t.Fatalf("saved %d groups, %v", n, err)
	}

	// The next process: the same rules, the value_count one re-typed.
	set, err := LoadDir("testdata/correlations")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range set.Correlations {
		if c.ID == corrSpray {
			c.Type = "event_count"
		}
	}
	e2, errs := NewEngine(set.Rules, Options{Pipelines: []*Pipeline{}, Correlations: set.Correlations})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	g := &feeder{t: t, e: e2, c: e2.NewCorrelator(Limits{}), d: e2.NewDoc()}
	kept, dropped, err := g.c.Load(strings.NewReader(buf.String()))
	if err != nil || kept+dropped != n || dropped != 3 {
		t.Fatalf("loaded %d, dropped %d of %d, %v; want all but the spray groups of the three addresses", kept, dropped, n, err)
	}
	f = g
	if ids := failed(101, t0.Add(10*time.Second), "bo", "10.0.0.1"); !has(ids, corrBrute) {
		t.Errorf("bo's third failure after the restart did not fire: %v", ids)
	}
	if ids := failed(102, t0.Add(11*time.Second), "bo", "10.0.0.1"); has(ids, corrBrute) {
		t.Error("another tenant's failure completed tenant 101's window")
	}
	if ids := failed(101, t0.Add(12*time.Second), "eve", "10.0.0.9"); has(ids, corrSpray) {
		t.Error("the re-typed spray correlation kept its old window")
	}
	if ids := f.feed(101, t0.Add(time.Minute), map[string]string{"EventID": "3", "Computer": "b", "SentBytes": "500000"}); !has(ids, corrSum) {
		t.Errorf("the saved sum did not carry over: %v", ids)
	}
	if ids := f.feed(101, t0.Add(2*time.Minute), map[string]string{"EventID": "4624", "TargetUserName": "dan", "IpAddress": "10.0.0.5"}); !has(ids, corrChain) {
		t.Errorf("dan's success after the restart did not finish the ordered sequence: %v", ids)
	}
	if _, _, err := g.c.Load(strings.NewReader(`{"shape": 5}`)); err == nil || !strings.Contains(err.Error(), "group 1") {
		t.Errorf("a malformed state loaded: %v", err)
	}
}
