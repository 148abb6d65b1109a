package sigma

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/samdrift/samdrift/internal/event"
)

// RegressionResult is the outcome of one rule's labelled sample events.
type RegressionResult struct {
	Rule   *Rule
	Passed bool
	Want   int
	Got    int
	// Reason says what failed (empty when passed).
	Reason string
}

// regressionInfo is SigmaHQ's info.yml beside the sample events.
type regressionInfo struct {
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		Provider   string `yaml:"provider"`
		MatchCount int    `yaml:"match_count"`
		Path       string `yaml:"path"`
	} `yaml:"regression_tests_info"`
}

// RunRegression runs every rule that has a regression_tests_path (relative
// to root) over its sample events and checks it fires at least
// match_count times (1 when not given). Evtx samples are read from the
// .json file evtx_dump made beside the .evtx; raw samples are single log
// lines parsed as samdrift's syslog receiver parses them.
func RunRegression(e *Engine, rules []*Rule, root string) []RegressionResult {
	var out []RegressionResult
	d := e.NewDoc()
	parser := event.NewParser(time.UTC)
	for _, r := range rules {
		if r.RegressionTestsPath == "" {
			continue
		}
		res := RegressionResult{Rule: r}
		got, want, err := runOne(e, d, parser, r, root)
		res.Got, res.Want = got, want
		switch {
		case err != nil:
			res.Reason = err.Error()
		case got < want:
			res.Reason = fmt.Sprintf("fired %d times; want at least %d", got, want)
		default:
			res.Passed = true
		}
		out = append(out, res)
	}
	return out
}

func runOne(e *Engine, d *Doc, parser *event.Parser, r *Rule, root string) (got, want int, err error) {
	infoPath := filepath.Join(root, filepath.FromSlash(r.RegressionTestsPath))
	data, err := os.ReadFile(infoPath)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read regression info: %w", err)
	}
	var info regressionInfo
	if err := yaml.Unmarshal(data, &info); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", infoPath, err)
	}
	if len(info.Tests) == 0 {
		return 0, 0, fmt.Errorf("%s lists no regression_tests_info", infoPath)
	}
	var matches []Match
	for _, t := range info.Tests {
		w := t.MatchCount
		if w <= 0 {
			w = 1
		}
		want += w
		sample := filepath.Join(root, filepath.FromSlash(t.Path))
		switch t.Type {
		case "evtx":
			sample = strings.TrimSuffix(sample, filepath.Ext(sample)) + ".json"
			n, err := countEvtxMatches(e, d, r, sample, &matches)
			if err != nil {
				return got, want, err
			}
			got += n
		case "raw":
			lines, err := os.ReadFile(sample)
			if err != nil {
				return got, want, fmt.Errorf("cannot read sample: %w", err)
			}
			for _, line := range bytes.Split(bytes.TrimRight(lines, "\r\n"), []byte("\n")) {
				ev := parser.ParseSyslog(line, time.Now(), "")
				d.Reset()
				FillEvent(d, &ev)
				got += countRule(e.Match(d, matches[:0]), r)
			}
		default:
			return got, want, fmt.Errorf("regression test %q has type %q; only evtx and raw are supported", t.Name, t.Type)
		}
	}
	return got, want, nil
}

func countRule(ms []Match, r *Rule) int {
	for _, m := range ms {
		if m.Rule == r {
			return 1
		}
	}
	return 0
}

// countEvtxMatches evaluates every event of an evtx_dump JSON file (one
// object, several concatenated, or an array).
func countEvtxMatches(e *Engine, d *Doc, r *Rule, file string, scratch *[]Match) (int, error) {
	n := 0
	err := EachJSONEvent(file, func(v map[string]any) error {
		d.Reset()
		FillEvtx(d, v)
		*scratch = e.Match(d, (*scratch)[:0])
		n += countRule(*scratch, r)
		return nil
	})
	return n, err
}

// EachJSONEvent calls fn for every JSON object in file: JSON lines,
// concatenated objects or arrays of objects. The first malformed event is
// an error naming it; EachJSONEventSkipping goes on past it instead.
func EachJSONEvent(file string, fn func(map[string]any) error) error {
	return EachJSONEventSkipping(file, fn, nil)
}

// EachJSONEventSkipping is EachJSONEvent that, when bad is not nil, calls
// bad for a malformed event (where names it: "event N at byte B") and
// goes on with the next line, so that one broken line in a hunt does not
// end it.
func EachJSONEventSkipping(file string, fn func(map[string]any) error, bad func(where string, err error)) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot read events: %w", err)
	}
	defer f.Close()
	var base int64 // where the current decoder started reading
	dec := json.NewDecoder(f)
	dec.UseNumber()
	for i := 1; ; i++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if bad == nil {
				return fmt.Errorf("%s: event %d: %w", file, i, err)
			}
			at := base + dec.InputOffset()
			var se *json.SyntaxError
			if errors.As(err, &se) {
				at = base + se.Offset
			}
			bad(fmt.Sprintf("event %d at byte %d", i, at), err)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			// Go on after the end of the line the error is on.
			next, err := nextLine(f, at)
			if err != nil {
				return nil // no line after it
			}
			base = next
			dec = json.NewDecoder(f)
			dec.UseNumber()
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if err := fn(x); err != nil {
				return err
			}
		case []any:
			for j, el := range x {
				m, ok := el.(map[string]any)
				if !ok {
					if bad != nil {
						bad(fmt.Sprintf("event %d.%d", i, j), errors.New("not a JSON object"))
						continue
					}
					return fmt.Errorf("%s: event %d.%s: not a JSON object", file, i, strconv.Itoa(j))
				}
				if err := fn(m); err != nil {
					return err
				}
			}
		default:
			if bad != nil {
				bad(fmt.Sprintf("event %d", i), errors.New("not a JSON object"))
				continue
			}
			return fmt.Errorf("%s: event %d: not a JSON object", file, i)
		}
	}
}

// nextLine positions f just after the first newline at or after offset at
// and returns that position.
func nextLine(f *os.File, at int64) (int64, error) {
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReader(f)
	skipped, err := r.ReadBytes('\n')
	if err != nil {
		return 0, err
	}
	next := at + int64(len(skipped))
	_, err = f.Seek(next, io.SeekStart)
	return next, err
}
