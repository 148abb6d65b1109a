package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/oncall"
)

func oncallCommand(stdio IO) *ffcli.Command {
	wfs := newFlagSet("oncall who", stdio)
	wdb := addDBFlags(wfs)
	team := wfs.String("team", "", "the on-call team's slug")
	at := wfs.String("at", "", "the instant to ask about, RFC 3339 (2026-03-30T08:00:00+02:00); default: now")

	sfs := newFlagSet("oncall sweep", stdio)
	sdb := addDBFlags(sfs)
	return &ffcli.Command{
		Name:       "oncall",
		ShortUsage: "samdrift oncall who|sweep …",
		ShortHelp:  "on-call rotas and escalations (works beside a running server)",
		FlagSet:    newFlagSet("oncall", stdio),
		Exec:       func(context.Context, []string) error { return errors.New("give a subcommand: who or sweep") },
		Subcommands: []*ffcli.Command{{
			Name: "who", ShortUsage: "samdrift oncall who --team SLUG [--at RFC3339]",
			ShortHelp: "print who is on call per escalation level, and the latest handover note",
			LongHelp:  "Times are shown in Danish local time (Europe/Copenhagen).",
			FlagSet:   wfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if *team == "" || len(args) > 0 {
					return errors.New("give --team SLUG (and no arguments)")
				}
				when := time.Now()
				if *at != "" {
					t, err := time.Parse(time.RFC3339, *at)
					if err != nil {
						return fmt.Errorf("--at %q: want RFC 3339, e.g. 2026-03-30T08:00:00+02:00", *at)
					}
					when = t
				}
				a, err := openForCommand(ctx, wdb, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				svc := oncall.New(a.DB)
				who, err := svc.WhoIsOnCall(ctx, cliScope(), *team, when)
				if err != nil {
					return err
				}
				const layout = "2006-01-02 15:04 MST"
				fmt.Fprintf(stdio.Out, "on call for %s at %s\n", *team, when.In(locale.Copenhagen).Format(layout))
				tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "LEVEL\tUSER\tNAME\tFROM\tUNTIL\tBY")
				for _, o := range who {
					until, by := "-", fmt.Sprintf("rotation %d", o.RotationID)
					if o.Until != nil {
						until = o.Until.In(locale.Copenhagen).Format(layout)
					}
					if o.OverrideID != 0 {
						by = fmt.Sprintf("override %d", o.OverrideID)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", o.Level, o.User, o.DisplayName, o.From.In(locale.Copenhagen).Format(layout), until, by)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(who) == 0 {
					fmt.Fprintln(stdio.Out, "nobody is on call")
				}
				notes, err := svc.Handovers(ctx, cliScope(), *team, 1)
				if err != nil {
					return err
				}
				if len(notes) > 0 {
					fmt.Fprintf(stdio.Out, "\nlatest handover, %s by %s:\n%s\n", notes[0].At.In(locale.Copenhagen).Format(layout), notes[0].Author, notes[0].Body)
				}
				return nil
			},
		}, {
			Name: "sweep", ShortUsage: "samdrift oncall sweep",
			ShortHelp: "page the escalation steps that are due now, once (for operators)",
			FlagSet:   sfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("sweep takes no arguments, got %q", args)
				}
				a, err := openForCommand(ctx, sdb, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				res, err := oncall.New(a.DB).Sweep(ctx, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(stdio.Out, "paged %d escalation steps (%d after a snooze)\n", res.Paged, res.Woken)
				return nil
			},
		}},
	}
}
