package sigma

import (
	"testing"
)

// matchNames lists the matched rules' ids and routes.
func matchNames(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Rule.ID+"@"+m.Route)
	}
	return out
}

// TestDispatchAgreesWithTestingEveryRoute: with SigmaHQ's rules routed by
// the built-in pipelines, the remembered routes give exactly the matches
// that testing every route's predicates gives, over the regression events
// and loadgen's normalised events, each twice (the second time from the
// cache).
func TestDispatchAgreesWithTestingEveryRoute(t *testing.T) {
	root := sharedSigma(t)
	e := fullEngine(t, root)
	if e.keySlots == nil {
		t.Fatal("the built-in pipelines give no dispatch key")
	}
	plain := *e
	plain.keySlots = nil
	fill := []func(*Doc){}
	for _, ev := range regressionEvents(t, root) {
		fill = append(fill, func(d *Doc) { FillEvtx(d, ev) })
	}
	fill = append(fill, loadgenFills(2000)...)
	d, _ := agree(t, e, &plain, fill, 2, matchNames)
	if n := len(d.routeCache); n == 0 || n > len(fill)/4 {
		t.Fatalf("%d keys remembered for %d events: the key does not group events", n, len(fill))
	}
}

// TestDispatchDynamicAndMultiValued: a route whose predicate reads
// keyword values is tested for each event, and an event with two values
// in a key field is not keyed.
func TestDispatchDynamicAndMultiValued(t *testing.T) {
	pipe, err := ParsePipeline("p.yml", []byte(`title: p
logsources:
  app:
    product: app
    conditions: {Channel: app}
  app-audit:
    product: app
    service: audit
    conditions: ['*audit:*']
`))
	if err != nil {
		t.Fatal(err)
	}
	docs, perrs := ParseFile("r.yml", []byte(`title: any app
id: 22222222-2222-2222-2222-222222222222
logsource: {product: app}
detection: {sel: {User: root}, condition: sel}
---
title: audit
id: 33333333-3333-3333-3333-333333333333
logsource: {product: app, service: audit}
detection: {sel: {User: root}, condition: sel}
`))
	if len(perrs) > 0 {
		t.Fatal(perrs)
	}
	var rules []*Rule
	for _, doc := range docs {
		rules = append(rules, doc.Rule)
	}
	e, errs := NewEngine(rules, Options{Pipelines: []*Pipeline{pipe}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(e.keySlots) != 1 || !e.routes[1].dynamic || e.routes[0].dynamic {
		t.Fatalf("key slots %v, dynamic %v/%v: want Channel as the key and app-audit dynamic", e.keySlots, e.routes[0].dynamic, e.routes[1].dynamic)
	}
	d := e.NewDoc()
	run := func(kw string, channels ...string) int {
		d.Reset()
		for _, c := range channels {
			d.Set("Channel", c)
		}
		d.Set("User", "root")
		if kw != "" {
			d.AddKeyword(kw)
		}
		return len(e.Match(d, nil))
	}
	for _, c := range []struct {
		kw       string
		channels []string
		want     int
	}{
		{"audit: login", []string{"app"}, 2},
		{"plain", []string{"app"}, 1}, // same key, keywords differ
		{"audit: again", []string{"app"}, 2},
		{"audit: x", []string{"other"}, 1}, // the audit route has no channel condition
		{"", []string{"other", "app"}, 1},  // two channels: not keyed, app holds
	} {
		if got := c.want; run(c.kw, c.channels...) != got {
			t.Errorf("keyword %q, channels %v: want %d matches", c.kw, c.channels, got)
		}
	}
}
