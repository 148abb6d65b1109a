package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
)

func rulesCommand(stdio IO) *ffcli.Command {
	ifs := newFlagSet("rules import", stdio)
	idb := addDBFlags(ifs)
	origin := ifs.String("origin", "local", "where the rules come from (sigmahq, samdrift, a unit's name…), shown in the library")
	own := ifs.Bool("own", false, "import samdrift's own rule set for the municipal setting")

	lfs := newFlagSet("rules list", stdio)
	ldb := addDBFlags(lfs)

	pfs := newFlagSet("rules placeholder", stdio)
	pdb := addDBFlags(pfs)
	porg := pfs.String("org", "", "organisation (municipality code or slug); empty: every organisation")
	return &ffcli.Command{
		Name:       "rules",
		ShortUsage: "samdrift rules import|list …",
		ShortHelp:  "manage the detection rule library (works beside a running server, which reloads within seconds)",
		FlagSet:    newFlagSet("rules", stdio),
		Exec:       func(context.Context, []string) error { return errors.New("give a subcommand: import or list") },
		Subcommands: []*ffcli.Command{{
			Name: "import", ShortUsage: "samdrift rules import [--origin NAME] DIR|FILE… | --own",
			ShortHelp: "import Sigma rules, correlations and filters; changed ones become new versions",
			LongHelp:  `Prints the rejected documents (file:line, id, reason), then "N added, N updated, N unchanged, N rejected".`,
			FlagSet:   ifs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if len(args) == 0 && !*own {
					return errors.New("give rule trees or files to import, or --own for samdrift's rule set")
				}
				var files []detect.File
				for _, root := range args {
					err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
						if err != nil || d.IsDir() || (filepath.Ext(p) != ".yml" && filepath.Ext(p) != ".yaml") {
							return err
						}
						b, err := os.ReadFile(p)
						if err != nil {
							return err
						}
						rel, _ := filepath.Rel(filepath.Dir(filepath.Clean(root)), p)
						files = append(files, detect.File{Name: filepath.ToSlash(rel), Data: b})
						return nil
					})
					if err != nil {
						return fmt.Errorf("cannot read rules: %w", err)
					}
				}
				a, err := openForCommand(ctx, idb, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				sc := access.System("cli")
				if len(files) > 0 {
					fmt.Fprintf(stdio.Err, "importing %d files…\n", len(files))
				}
				var rep detect.ImportReport
				if *own {
					if rep, err = a.Detect.Library().ImportOwn(ctx, sc); err != nil {
						return err
					}
				}
				if len(files) > 0 {
					r, err := a.Detect.Library().Import(ctx, sc, *origin, files)
					if err != nil {
						return err
					}
					rep.Added, rep.Updated, rep.Unchanged = rep.Added+r.Added, rep.Updated+r.Updated, rep.Unchanged+r.Unchanged
					rep.Rejected = append(rep.Rejected, r.Rejected...)
				}
				for _, r := range rep.Rejected {
					fmt.Fprintln(stdio.Out, r)
				}
				fmt.Fprintln(stdio.Out, rep)
				return nil
			},
		}, {
			Name: "placeholder", ShortUsage: "samdrift rules placeholder [--org CODE] NAME [VALUE…]",
			ShortHelp: "set the values of a Sigma placeholder (%NAME% with |expand); no values removes it",
			FlagSet:   pfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if len(args) == 0 {
					return errors.New("give the placeholder's name (without %) and its values")
				}
				a, err := openForCommand(ctx, pdb, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				sc := access.System("cli")
				var org int64
				if *porg != "" {
					o, err := a.Orgs.Get(ctx, sc, *porg)
					if err != nil {
						return err
					}
					org = o.ID
				}
				if err := a.Detect.Library().SetPlaceholder(ctx, sc, org, args[0], args[1:]); err != nil {
					return err
				}
				fmt.Fprintf(stdio.Out, "placeholder %%%s%% has %d values\n", args[0], len(args)-1)
				return nil
			},
		}, {
			Name: "list", ShortUsage: "samdrift rules list", ShortHelp: "list the active rules with their hits over 30 days",
			FlagSet: lfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				a, err := openForCommand(ctx, ldb, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				rules, err := a.Detect.Library().List(ctx, access.System("cli"), time.Now())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tLEVEL\tVERSION\tENABLED\tHITS(30d)\tTITLE")
				for _, r := range rules {
					var hits int64
					for _, h := range r.Hits {
						hits += h
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\t%d\t%s\n", r.RuleID, r.Kind, r.Level, r.Version, r.Enabled, hits, strings.TrimSpace(r.Title))
				}
				return tw.Flush()
			},
		}},
	}
}
