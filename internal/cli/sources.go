package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/sources"
)

func sourcesCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("sources add", stdio)
	db := addDBFlags(fs)
	orgRef := fs.String("org", "", "organisation: municipality code (101) or unit slug")
	name := fs.String("name", "", "a name for the source (default: the range, pattern or \"token\")")
	cidr := fs.String("cidr", "", "sender address range, e.g. 10.20.0.0/16")
	host := fs.String("hostname", "", "host name pattern, e.g. *.kk.dk")
	token := fs.Bool("token", false, "issue an ingest token (for HTTP senders); printed once")
	cert := fs.String("certificate", "", "TLS client certificate: sha256:<fingerprint> or cn:<common name> (verified against --ingest-client-ca)")
	stype := fs.String("type", "", "source type from the logging standard (domain-controller, firewall, vpn, dns, …)")
	silentAfter := fs.Duration("silent-after", 0, "signal silence after this long without events (default: the type's)")
	httpOpen := fs.Bool("http-without-token", false, "with --cidr: senders in the range may use HTTP ingest without an ingest token")
	allowOverlap := fs.Bool("allow-overlap", false, "register although it overlaps another organisation's source (its senders move here; that organisation is told)")
	return &ffcli.Command{
		Name:       "sources",
		ShortUsage: "samdrift sources add --org CODE (--cidr CIDR | --hostname PATTERN | --token | --certificate ID) [--type T]",
		ShortHelp:  "register log sources (works beside a running server)",
		Subcommands: []*ffcli.Command{{
			Name: "add", ShortUsage: "samdrift sources add --org CODE (--cidr CIDR | --hostname PATTERN | --token | --certificate ID) [--type T]",
			ShortHelp: "attribute a sender's logs to an organisation", FlagSet: fs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				n := sources.NewSource{Name: *name, Type: *stype, SilentAfter: *silentAfter, AllowOverlap: *allowOverlap, HTTPWithoutToken: *httpOpen}
				set := 0
				if *cidr != "" {
					n.Kind, n.Value, set = sources.KindCIDR, *cidr, set+1
				}
				if *host != "" {
					n.Kind, n.Value, set = sources.KindHostname, *host, set+1
				}
				if *token {
					n.Kind, set = sources.KindToken, set+1
				}
				if *cert != "" {
					n.Kind, n.Value, set = sources.KindCertificate, *cert, set+1
				}
				if *orgRef == "" || set != 1 {
					return errors.New("give --org and exactly one of --cidr, --hostname, --token or --certificate")
				}
				if n.Name == "" {
					n.Name = n.Value
					if n.Kind == sources.KindToken {
						n.Name = "token"
					}
				}
				a, err := openForCommand(ctx, db, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				o, err := a.Orgs.Get(ctx, cliScope(), *orgRef)
				if err != nil {
					return fmt.Errorf("--org: %w", err)
				}
				n.OrgID = o.ID
				s, plain, err := a.Sources.Add(ctx, cliScope(), n)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdio.Out, "registered source %d %q (%s %s) for %s; a running server picks it up within 5 s\n", s.ID, s.Name, s.Kind, s.Value, o.Name)
				if plain != "" {
					fmt.Fprintf(stdio.Out, "ingest token, shown only now:\n%s\n", plain)
				}
				return nil
			},
		}},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}
