package sigma

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	sigmagoeval "github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/loadgen"
)

// regressionEvents reads every sample event of SigmaHQ's regression data.
func regressionEvents(b testing.TB, root string) []map[string]any {
	b.Helper()
	var evs []map[string]any
	err := filepath.WalkDir(filepath.Join(root, "regression_data"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		return EachJSONEvent(p, func(v map[string]any) error { evs = append(evs, v); return nil })
	})
	if err != nil {
		b.Fatal(err)
	}
	return evs
}

func fullEngine(b testing.TB, root string) *Engine {
	b.Helper()
	set := &RuleSet{}
	s, err := LoadDir(filepath.Join(root, "rules"))
	if err != nil {
		b.Fatal(err)
	}
	set.Add(s)
	e, errs := NewEngine(set.Rules, Options{})
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	return e
}

// BenchmarkEngineRegression: SigmaHQ's whole rules/ tree loaded and routed,
// one goroutine, over the regression sample events (evtx_dump JSON already
// decoded into Flat events; the benchmark covers presenting the event and
// matching). all-json-tree presents each event from its decoded JSON tree
// instead (FillEvtx), the adapter the figures before the seventh session
// were measured with.
func BenchmarkEngineRegression(b *testing.B) {
	root := sharedSigma(b)
	evs := regressionEvents(b, root)
	b.Run("all", func(b *testing.B) { benchRegression(b, fullEngine(b, root), evs, false) })
	b.Run("all-json-tree", func(b *testing.B) { benchRegression(b, fullEngine(b, root), evs, true) })
	// The same set sigma-go is measured on: the rules it can parse.
	b.Run("sigma-go-rules", func(b *testing.B) {
		set, err := LoadDir(filepath.Join(root, "rules"))
		if err != nil {
			b.Fatal(err)
		}
		var rules []*Rule
		for _, r := range set.Rules {
			data, err := os.ReadFile(filepath.Join(root, r.File))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := sigmago.ParseRule(data); err == nil {
				rules = append(rules, r)
			}
		}
		e, errs := NewEngine(rules, Options{})
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		benchRegression(b, e, evs, false)
	})
}

// benchRegression measures presenting decoded events (Flat) to the engine
// and matching them; with fromJSON, each event is walked from its JSON
// tree (FillEvtx) instead, as the map adapter does.
func benchRegression(b *testing.B, e *Engine, evs []map[string]any, fromJSON bool) {
	d := e.NewDoc()
	flats := make([]Flat, len(evs))
	for i, v := range evs {
		FlattenEvtx(&flats[i], v)
	}
	var ms []Match
	matched := 0
	// Building the engine leaves garbage; with one P the collector would
	// otherwise charge its work to the measured loop.
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Reset()
		if fromJSON {
			FillEvtx(d, evs[i%len(evs)])
		} else {
			d.Fill(&flats[i%len(flats)])
		}
		ms = e.Match(d, ms[:0])
		matched += len(ms)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(e.Rules())), "rules")
	if matched == 0 {
		b.Fatal("no rule matched the regression events")
	}
}

// BenchmarkEngineLoadgen: the same rule tree over samdrift's normalised
// loadgen mix (sshd, sudo, firewall, Windows 4688/4624, network gear).
func BenchmarkEngineLoadgen(b *testing.B) {
	root := sharedSigma(b)
	e := fullEngine(b, root)
	p := event.NewParser(time.UTC)
	var evs []event.Event
	for _, line := range loadgen.Sample(6000, time.Now()) {
		evs = append(evs, p.ParseSyslog(line, time.Now(), "10.0.0.1"))
	}
	d := e.NewDoc()
	var ms []Match
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Reset()
		FillEvent(d, &evs[i%len(evs)])
		ms = e.Match(d, ms[:0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSigmaGo: github.com/bradleyjkemp/sigma-go v0.6.6 evaluating
// every rule of rules/ it can parse against each regression event
// (flattened to the field names its rules use; it has no routing).
func BenchmarkSigmaGo(b *testing.B) {
	root := sharedSigma(b)
	var evals []*sigmagoeval.RuleEvaluator
	_ = filepath.WalkDir(filepath.Join(root, "rules"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r, err := sigmago.ParseRule(data)
		if err != nil {
			return nil
		}
		evals = append(evals, sigmagoeval.ForRule(r))
		return nil
	})
	var flat []map[string]any
	for _, ev := range regressionEvents(b, root) {
		flat = append(flat, flattenEvtx(ev))
	}
	ctx := context.Background()
	matched := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := flat[i%len(flat)]
		for _, r := range evals {
			res, err := r.Matches(ctx, ev)
			if err == nil && res.Match {
				matched++
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(evals)), "rules")
}

// flattenEvtx gives sigma-go the evtx event as one flat map: System
// values and EventData values under their own names.
func flattenEvtx(v map[string]any) map[string]any {
	out := map[string]any{}
	ev, _ := v["Event"].(map[string]any)
	sys, _ := ev["System"].(map[string]any)
	for k, x := range sys {
		switch x := x.(type) {
		case map[string]any:
			if a, ok := x["#attributes"].(map[string]any); ok {
				for ak, av := range a {
					out[k+"_"+ak] = scalarString(av)
				}
			}
		default:
			out[k] = scalarString(x)
		}
	}
	if ed, ok := ev["EventData"].(map[string]any); ok {
		for k, x := range ed {
			out[k] = scalarString(x)
		}
	}
	return out
}
