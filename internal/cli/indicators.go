package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/indicator"
)

func indicatorsCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("indicators import", stdio)
	db := addDBFlags(fs)
	source := fs.String("source", "", "where the indicators come from (CERT feed, MISP event, …)")
	level := fs.String("level", "high", "alert level for matches: informational, low, medium, high, critical")
	return &ffcli.Command{
		Name:       "indicators",
		ShortUsage: "samdrift indicators import [--source S] FILE|-",
		ShortHelp:  "load indicators of compromise (works beside a running server, which picks them up within seconds)",
		FlagSet:    newFlagSet("indicators", stdio),
		Exec:       func(context.Context, []string) error { return errors.New("give a subcommand: import") },
		Subcommands: []*ffcli.Command{{
			Name: "import", ShortUsage: "samdrift indicators import [--source S] [--level L] FILE|-",
			ShortHelp: "import indicators: one per line, as a bare value (type guessed) or CSV type,value[,description]",
			LongHelp:  `Lines starting with # are skipped. Prints rejected lines, then "N added, N already known, N rejected".`,
			FlagSet:   fs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return errors.New("give one file of indicators, or - for standard input")
				}
				var in io.Reader = stdio.In
				if args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return fmt.Errorf("cannot read indicators: %w", err)
					}
					defer f.Close()
					in = f
				}
				inds, err := readIndicators(in, *level)
				if err != nil {
					return err
				}
				a, err := openForCommand(ctx, db, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				rep, err := a.Detect.AddIndicators(ctx, access.System("cli"), *source, inds, func(done, total int) {
					if total > 20000 {
						fmt.Fprintf(stdio.Err, "\r%d of %d indicators", done, total)
						if done == total {
							fmt.Fprintln(stdio.Err)
						}
					}
				})
				if err != nil {
					return err
				}
				for _, r := range rep.Rejected {
					fmt.Fprintln(stdio.Out, r)
				}
				fmt.Fprintln(stdio.Out, rep)
				return nil
			},
		}},
	}
}

// readIndicators reads one indicator per line: a bare value, or CSV
// type,value[,description].
func readIndicators(r io.Reader, level string) ([]indicator.Indicator, error) {
	var out []indicator.Indicator
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in := indicator.Indicator{Value: line, Level: level}
		if strings.Contains(line, ",") {
			rec, err := csv.NewReader(strings.NewReader(line)).Read()
			if err != nil || len(rec) < 2 {
				return nil, fmt.Errorf("line %d: write a bare value or type,value[,description]", n)
			}
			in.Type, in.Value = strings.TrimSpace(rec[0]), rec[1]
			if len(rec) > 2 {
				in.Description = rec[2]
			}
		}
		out = append(out, in)
	}
	return out, sc.Err()
}
