package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/loadgen"
)

func loadgenCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("loadgen", stdio)
	protocol := fs.String("protocol", "syslog-tcp", "receiver protocol: "+strings.Join(loadgen.Protocols, ", "))
	addr := fs.String("addr", "127.0.0.1:5514", "receiver address (host:port; for http and bulk also http(s)://host:port)")
	count := fs.Int("count", 100000, "events to send")
	rate := fs.Float64("rate", 0, "events per second over all connections (0: as fast as the receiver takes them)")
	runID := fs.String("run-id", "", "run id carried by every event, for loadgen verify (default: made up and printed)")
	token := fs.String("token", "", "ingest token for http and bulk (samdrift sources add --token)")
	conns := fs.Int("connections", 1, "parallel connections")
	batch := fs.Int("batch", 500, "events per write or request")
	gz := fs.Bool("gzip", false, "gzip HTTP bodies")
	caFile := fs.String("ca", "", "CA certificate (PEM) to trust for syslog-tls, relp over TLS or https")
	certFile := fs.String("cert", "", "client certificate (PEM) for TLS")
	keyFile := fs.String("key", "", "client key (PEM) for TLS")
	insecure := fs.Bool("insecure", false, "do not verify the receiver's TLS certificate (testing only)")
	useTLS := fs.Bool("tls", false, "use TLS for relp")
	pregen := fs.Bool("pregenerate", false, "make every event before the clock starts, to measure the receiver rather than loadgen (≈300 bytes an event of memory)")

	vfs := newFlagSet("loadgen verify", stdio)
	db := addDBFlags(vfs)
	vrun := vfs.String("run-id", "", "the run to count")
	api := vfs.String("api", "", "count through a running server's API instead (http://host:port), with --token")
	vtoken := vfs.String("token", "", "API token (sdt_…) of a user who sees the run's organisations, for --api")
	return &ffcli.Command{
		Name:       "loadgen",
		ShortUsage: "samdrift loadgen --protocol P --addr ADDR --count N [--rate R] [--run-id ID]",
		ShortHelp:  "send realistic mixed log events (sshd, sudo, firewall, Windows, network gear) to a receiver",
		LongHelp: `loadgen sends numbered events and ends with "sent N events in S s (R events/s)".
"samdrift loadgen verify --run-id ID" then counts what reached the store and ends
with "stored N of M, missing K, duplicated D" (exit 1 when any are missing).`,
		FlagSet: fs, Options: ffOptions,
		Subcommands: []*ffcli.Command{{
			Name: "verify", ShortUsage: "samdrift loadgen verify (--data DIR | --db URL | --api URL --token T) --run-id ID",
			ShortHelp: "count a run's events in the store and list the gaps", FlagSet: vfs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if *vrun == "" {
					return errors.New("give --run-id: the id loadgen printed")
				}
				var r loadgen.VerifyReport
				var err error
				if *api != "" {
					if *vtoken == "" {
						return errors.New("--api needs --token: an API token (samdrift token create)")
					}
					r, err = loadgen.VerifyAPI(ctx, *api, *vtoken, *vrun)
				} else {
					a, oerr := openForCommand(ctx, db, stdio)
					if oerr != nil {
						return oerr
					}
					defer a.Close()
					r, err = loadgen.VerifyStore(ctx, a.Events, *vrun)
				}
				if err != nil {
					return err
				}
				if len(r.Gaps) > 0 {
					shown := r.Gaps[:min(len(r.Gaps), 20)]
					fmt.Fprintf(stdio.Out, "missing sequence numbers: %s", strings.Join(shown, ", "))
					if len(r.Gaps) > len(shown) {
						fmt.Fprintf(stdio.Out, " and %d more ranges", len(r.Gaps)-len(shown))
					}
					fmt.Fprintln(stdio.Out)
				}
				fmt.Fprintln(stdio.Out, r)
				if r.Missing > 0 || r.Expected == 0 {
					return ExitError{Code: 1}
				}
				return nil
			},
		}},
		Exec: func(ctx context.Context, args []string) error {
			o := loadgen.Options{Protocol: *protocol, Addr: *addr, Count: *count, Rate: *rate, RunID: *runID, Token: *token,
				Conns: *conns, Batch: *batch, Gzip: *gz, Progress: stdio.Err, Pregenerate: *pregen}
			if *caFile != "" || *certFile != "" || *insecure || *protocol == "syslog-tls" || *useTLS || strings.HasPrefix(*addr, "https://") {
				cfg := &tls.Config{InsecureSkipVerify: *insecure, MinVersion: tls.VersionTLS12}
				if *caFile != "" {
					pem, err := os.ReadFile(*caFile)
					if err != nil {
						return fmt.Errorf("--ca: %w", err)
					}
					cfg.RootCAs = x509.NewCertPool()
					if !cfg.RootCAs.AppendCertsFromPEM(pem) {
						return fmt.Errorf("--ca: %s holds no PEM certificate", *caFile)
					}
				}
				if *certFile != "" {
					c, err := tls.LoadX509KeyPair(*certFile, *keyFile)
					if err != nil {
						return fmt.Errorf("--cert/--key: %w", err)
					}
					cfg.Certificates = []tls.Certificate{c}
				}
				o.TLS = cfg
				if *protocol == "relp" && !*useTLS && *caFile == "" && *certFile == "" && !*insecure {
					o.TLS = nil
				}
			}
			if o.RunID == "" {
				o.RunID = loadgen.NewRunID()
			}
			fmt.Fprintf(stdio.Out, "run %s: %d events over %s to %s\n", o.RunID, o.Count, o.Protocol, o.Addr)
			r, err := loadgen.Run(ctx, o)
			fmt.Fprintln(stdio.Out, r)
			return err
		},
	}
}
