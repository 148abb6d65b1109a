package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/org"
)

func orgCommand(stdio IO) *ffcli.Command {
	addFS := newFlagSet("org add", stdio)
	addDB := addDBFlags(addFS)
	kind := addFS.String("kind", "", "unit, municipality, soc or secretariat")
	name := addFS.String("name", "", "name, e.g. \"IT-enhed Nord\"")
	slug := addFS.String("slug", "", "short unique name (default: derived from --name)")
	code := addFS.String("code", "", "municipality code (municipalities only)")
	region := addFS.String("region", "", "region, e.g. \"Region Nordjylland\"")

	impFS := newFlagSet("org import-municipalities", stdio)
	impDB := addDBFlags(impFS)

	supFS := newFlagSet("org supplier", stdio)
	supDB := addDBFlags(supFS)
	supMun := supFS.String("municipality", "", "municipality code, e.g. 101")
	supUnit := supFS.String("unit", "", "unit slug; empty removes the supplier")

	ownFS := newFlagSet("org owners", stdio)
	ownDB := addDBFlags(ownFS)
	ownUnit := ownFS.String("unit", "", "unit slug")

	lsFS := newFlagSet("org list", stdio)
	lsDB := addDBFlags(lsFS)
	lsKind := lsFS.String("kind", "", "only this kind")

	return &ffcli.Command{
		Name:       "org",
		ShortUsage: "samdrift org <list|add|import-municipalities|supplier|owners> [flags]",
		ShortHelp:  "manage organisations: units, municipalities, ownership and supply",
		Subcommands: []*ffcli.Command{
			{
				Name: "list", ShortUsage: "samdrift org list [--kind K]", ShortHelp: "list organisations",
				FlagSet: lsFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					a, err := openForCommand(ctx, lsDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					tw := tabwriter.NewWriter(stdio.Out, 2, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "KIND\tCODE\tSLUG\tNAME\tSUPPLIER")
					for off := 0; ; off += 500 {
						items, total, err := a.Orgs.List(ctx, cliScope(), org.Filter{Kind: org.Kind(*lsKind), Limit: 500, Offset: off})
						if err != nil {
							return err
						}
						for _, o := range items {
							sup := ""
							if o.Supplier != nil {
								sup = o.Supplier.Slug
							}
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Kind, o.Code, o.Slug, o.Name, sup)
						}
						if off+len(items) >= total {
							break
						}
					}
					return tw.Flush()
				},
			},
			{
				Name: "add", ShortUsage: "samdrift org add --kind K --name N [--slug S] [--code C] [--region R]",
				ShortHelp: "create an organisation", FlagSet: addFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					a, err := openForCommand(ctx, addDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					o, err := a.Orgs.Create(ctx, cliScope(), org.NewOrganization{Kind: org.Kind(*kind), Name: *name, Slug: *slug, Code: *code, Region: *region})
					if err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "created %s %s (id %d, slug %s)\n", o.Kind, o.Name, o.ID, o.Slug)
					return nil
				},
			},
			{
				Name: "import-municipalities", ShortUsage: "samdrift org import-municipalities",
				ShortHelp: "create the 98 municipalities from the built-in reference list (skips existing ones)",
				FlagSet:   impFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					a, err := openForCommand(ctx, impDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					n, err := a.Orgs.ImportMunicipalities(ctx, cliScope(), func(done, total int) {
						if done%20 == 0 || done == total {
							fmt.Fprintf(stdio.Err, "checked %d of %d municipalities\n", done, total)
						}
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "created %d municipalities\n", n)
					return nil
				},
			},
			{
				Name: "supplier", ShortUsage: "samdrift org supplier --municipality CODE --unit SLUG",
				ShortHelp: "set the unit a municipality buys basic services from", FlagSet: supFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if *supMun == "" {
						return errors.New("give --municipality")
					}
					a, err := openForCommand(ctx, supDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					if err := a.Orgs.SetSupplier(ctx, cliScope(), *supMun, *supUnit); err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "supplier of %s set to %q\n", *supMun, *supUnit)
					return nil
				},
			},
			{
				Name: "owners", ShortUsage: "samdrift org owners --unit SLUG CODE...",
				ShortHelp: "replace the municipalities that own a unit", FlagSet: ownFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if *ownUnit == "" {
						return errors.New("give --unit and the owner municipalities' codes as arguments")
					}
					a, err := openForCommand(ctx, ownDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					if err := a.Orgs.SetOwners(ctx, cliScope(), *ownUnit, args); err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "%s is owned by %d municipalities\n", *ownUnit, len(args))
					return nil
				},
			},
		},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}
