package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/sigma"
)

// listFlag is a flag that may repeat.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// engineFlags are the flags every sigma subcommand shares.
type engineFlags struct {
	rules, pipelines, placeholders listFlag
}

func addEngineFlags(fs *flag.FlagSet, withRules bool) *engineFlags {
	f := &engineFlags{}
	if withRules {
		fs.Var(&f.rules, "rules", "rule tree or file (may repeat)")
	}
	fs.Var(&f.pipelines, "pipeline", "extra pipeline file in the logsource-mapping style of SigmaHQ's tests/thor.yml (may repeat; replaces the built-in windows and syslog pipelines)")
	fs.Var(&f.placeholders, "placeholder", "value for a %name% placeholder used with |expand, as name=value (may repeat)")
	return f
}

// load reads the rule trees and builds an engine.
func (f *engineFlags) load(trees []string) (*sigma.RuleSet, *sigma.Engine, []error, error) {
	if len(trees) == 0 {
		return nil, nil, nil, errors.New("give at least one rule tree (--rules DIR)")
	}
	set := &sigma.RuleSet{}
	for _, t := range trees {
		s, err := sigma.LoadDir(t)
		if err != nil {
			return nil, nil, nil, err
		}
		set.Add(s)
	}
	opts := sigma.Options{Placeholders: map[string][]string{}}
	for _, p := range f.pipelines {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot read pipeline: %w", err)
		}
		pl, err := sigma.ParsePipeline(p, data)
		if err != nil {
			return nil, nil, nil, err
		}
		opts.Pipelines = append(opts.Pipelines, pl)
	}
	for _, p := range f.placeholders {
		name, val, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, nil, nil, fmt.Errorf("--placeholder %q: write name=value", p)
		}
		opts.Placeholders[name] = append(opts.Placeholders[name], val)
	}
	eng, errs := sigma.NewEngine(set.Rules, opts)
	if eng == nil {
		return nil, nil, nil, errs[0]
	}
	return set, eng, append(set.Rejected, errs...), nil
}

func sigmaCommand(stdio IO) *ffcli.Command {
	cfs := newFlagSet("sigma check", stdio)
	cflags := addEngineFlags(cfs, false)
	verbose := cfs.Bool("v", false, "also list the rules no pipeline routes events to")

	tfs := newFlagSet("sigma test", stdio)
	tflags := addEngineFlags(tfs, true)
	regression := tfs.String("regression", "", "root the rules' regression_tests_path is relative to (SigmaHQ's repository root)")

	sfs := newFlagSet("sigma scan", stdio)
	sflags := addEngineFlags(sfs, true)

	return &ffcli.Command{
		Name:       "sigma",
		ShortUsage: "samdrift sigma check|test|scan …",
		ShortHelp:  "load, test and run Sigma rules outside the server",
		FlagSet:    newFlagSet("sigma", stdio),
		Exec:       func(context.Context, []string) error { return flag.ErrHelp },
		Subcommands: []*ffcli.Command{{
			Name: "check", ShortUsage: "samdrift sigma check [--placeholder name=value] DIR…",
			ShortHelp: "load rule trees and list every rejected rule with its reason",
			LongHelp:  `Prints one line per rejected rule (file:line, id, reason), then "N loaded, N rejected".`,
			FlagSet:   cfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				set, eng, rejected, err := cflags.load(args)
				if err != nil {
					return err
				}
				for _, e := range rejected {
					fmt.Fprintln(stdio.Out, e)
				}
				if *verbose {
					for _, r := range eng.Unrouted() {
						fmt.Fprintf(stdio.Out, "%s:%d: rule %s: no route for logsource %s\n", r.File, r.Line, r.ID, r.LogSource)
					}
				}
				loaded := len(eng.Rules())
				fmt.Fprintf(stdio.Out, "%d loaded (%d without a route here), %d rejected; %d correlations, %d filters\n",
					loaded, len(eng.Unrouted()), len(rejected), len(set.Correlations), len(set.Filters))
				return nil
			},
		}, {
			Name: "test", ShortUsage: "samdrift sigma test --rules DIR [--rules DIR…] --regression ROOT",
			ShortHelp: "run every rule's labelled regression events and check it fires",
			LongHelp:  `Prints one line per failing rule, then "N passed, N failed" (exit 1 when any failed).`,
			FlagSet:   tfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if *regression == "" {
					return errors.New("give --regression ROOT: the directory regression_tests_path is relative to")
				}
				set, eng, rejected, err := tflags.load(tflags.rules)
				if err != nil {
					return err
				}
				failed := 0
				for _, e := range rejected {
					var re *sigma.RuleError
					if errors.As(e, &re) && re.Rule != nil && re.Rule.RegressionTestsPath != "" {
						failed++
						fmt.Fprintf(stdio.Out, "FAIL %s %s: rejected: %s\n", re.ID, re.File, re.Reason)
					}
				}
				results := sigma.RunRegression(eng, set.Rules, *regression)
				passed := 0
				for _, r := range results {
					if r.Passed {
						passed++
						continue
					}
					failed++
					fmt.Fprintf(stdio.Out, "FAIL %s %s: %s\n", r.Rule.ID, r.Rule.File, r.Reason)
				}
				fmt.Fprintf(stdio.Out, "%d passed, %d failed\n", passed, failed)
				if failed > 0 {
					return ExitError{Code: 1}
				}
				return nil
			},
		}, {
			Name: "scan", ShortUsage: "samdrift sigma scan --rules DIR [--rules DIR…] FILE…",
			ShortHelp: "hunt: evaluate rules over exported events (JSON lines, evtx_dump JSON, samdrift NDJSON export)",
			LongHelp:  `Prints one JSON line per match ({"rule_id","title","level","file","index"}), then "N events, N matches, N malformed skipped"; a malformed event is named on stderr and skipped.`,
			FlagSet:   sfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if len(args) == 0 {
					return errors.New("give the event files to scan")
				}
				_, eng, rejected, err := sflags.load(sflags.rules)
				if err != nil {
					return err
				}
				if len(rejected) > 0 {
					fmt.Fprintf(stdio.Err, "%d rules rejected (see samdrift sigma check)\n", len(rejected))
				}
				enc := json.NewEncoder(stdio.Out)
				events, matches, malformed := 0, 0, 0
				for _, file := range args {
					n, err := sigma.Scan(eng, file, func(i int, ms []sigma.Match) error {
						for _, m := range ms {
							matches++
							if err := enc.Encode(scanLine{RuleID: m.Rule.ID, Title: m.Rule.Title, Level: m.Rule.Level, File: file, Index: i}); err != nil {
								return err
							}
						}
						return ctx.Err()
					}, func(where string, err error) {
						malformed++
						fmt.Fprintf(stdio.Err, "%s: %s: skipped, not an event: %v\n", file, where, err)
					})
					events += n
					if err != nil {
						fmt.Fprintf(stdio.Out, "%d events, %d matches, %d malformed skipped (stopped at %s)\n", events, matches, malformed, file)
						return err
					}
				}
				fmt.Fprintf(stdio.Out, "%d events, %d matches, %d malformed skipped\n", events, matches, malformed)
				return nil
			},
		}},
	}
}

// scanLine is one match "sigma scan" prints.
type scanLine struct {
	RuleID string `json:"rule_id"`
	Title  string `json:"title"`
	Level  string `json:"level"`
	File   string `json:"file"`
	Index  int    `json:"index"`
}
