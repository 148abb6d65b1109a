package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/catalog"
)

func catalogCommand(stdio IO) *ffcli.Command {
	valFS := newFlagSet("catalog validate", stdio)

	impFS := newFlagSet("catalog import", stdio)
	impDB := addDBFlags(impFS)

	verFS := newFlagSet("catalog versions", stdio)
	verDB := addDBFlags(verFS)

	diffFS := newFlagSet("catalog diff", stdio)
	diffDB := addDBFlags(diffFS)

	return &ffcli.Command{
		Name:       "catalog",
		ShortUsage: "samdrift catalog <validate|import|versions|diff> …",
		ShortHelp:  "check and publish versions of the common service catalog",
		Subcommands: []*ffcli.Command{
			{
				Name: "validate", ShortUsage: "samdrift catalog validate FILE…",
				ShortHelp: "check catalog files; print every problem as FILE:LINE: message, exit 1 if any",
				FlagSet:   valFS,
				Exec: func(ctx context.Context, args []string) error {
					if len(args) == 0 {
						return errors.New("give one or more catalog files (the shipped one is internal/catalog/standard/catalog.yaml)")
					}
					bad := 0
					for _, file := range args {
						data, err := readCatalogFile(file)
						if err != nil {
							fmt.Fprintf(stdio.Out, "%s:1: %v\n", file, err)
							bad++
							continue
						}
						c, err := catalog.Parse(file, data)
						if err != nil {
							fmt.Fprintln(stdio.Out, err)
							bad++
							continue
						}
						fmt.Fprintf(stdio.Err, "%s: catalog %s is valid: %d services, %d mandatory levels\n", file, c.Version, len(c.Services), len(c.Minimum()))
					}
					if bad > 0 {
						return ExitError{Code: 1}
					}
					return nil
				},
			},
			{
				Name: "import", ShortUsage: "samdrift catalog import FILE",
				ShortHelp: "publish a catalog file as a new version (older versions are kept)", FlagSet: impFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if len(args) != 1 {
						return errors.New("give one catalog file")
					}
					data, err := readCatalogFile(args[0])
					if err != nil {
						return err
					}
					a, err := openForCommand(ctx, impDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					info, created, err := a.Catalog.Publish(ctx, cliScope(), args[0], data)
					if err != nil {
						return err
					}
					if !created {
						fmt.Fprintf(stdio.Out, "catalog %s is published already with the same content\n", info.Version)
						return nil
					}
					fmt.Fprintf(stdio.Out, "published catalog %s: %d services, %d mandatory levels\n", info.Version, info.Services, info.Mandatory)
					return nil
				},
			},
			{
				Name: "versions", ShortUsage: "samdrift catalog versions", ShortHelp: "list published versions, newest first",
				FlagSet: verFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					a, err := openForCommand(ctx, verDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					vs, err := a.Catalog.Versions(ctx, cliScope())
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdio.Out, 2, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "VERSION\tEFFECTIVE\tSERVICES\tMANDATORY\tPUBLISHED\tBY")
					for _, v := range vs {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", v.Version, v.Effective, v.Services, v.Mandatory, v.PublishedAt.Format("2006-01-02 15:04"), v.PublishedBy)
					}
					return tw.Flush()
				},
			},
			{
				Name: "diff", ShortUsage: "samdrift catalog diff FROM TO", ShortHelp: "show what changed between two published versions",
				FlagSet: diffFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if len(args) != 2 {
						return errors.New("give two versions: FROM TO")
					}
					a, err := openForCommand(ctx, diffDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					changes, err := a.Catalog.Compare(ctx, cliScope(), args[0], args[1])
					if err != nil {
						return err
					}
					for _, c := range changes {
						fmt.Fprintln(stdio.Out, c)
					}
					fmt.Fprintf(stdio.Out, "%s → %s: %s\n", args[0], args[1], catalog.Summary(changes))
					return nil
				},
			},
		},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}

func readCatalogFile(file string) ([]byte, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if fi.Size() > catalog.MaxCatalogBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", file, catalog.MaxCatalogBytes)
	}
	return os.ReadFile(file)
}
