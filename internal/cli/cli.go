// Package cli is samdrift's command line: subcommands, their flags, and
// configuration from a YAML file (--config), SAMDRIFT_* environment
// variables and flags, in rising order of strength. It parses and hands
// over to app; it holds no logic of its own.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/peterbourgon/ff/v3/ffyaml"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/app"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cluster"
	"github.com/samdrift/samdrift/internal/delivery"
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// ExitError carries an exit status other than 1.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Run runs the command line args (without the program name) and returns the
// process exit status. ctx is cancelled on SIGINT/SIGTERM by main.
func Run(ctx context.Context, args []string, stdio IO) int {
	root := rootCommand(stdio)
	err := root.ParseAndRun(ctx, args)
	var exit ExitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		return exit.Code
	}
	fmt.Fprintln(stdio.Err, "samdrift:", err)
	return 1
}

// ffOptions make every command read a YAML config file named by --config,
// then SAMDRIFT_* variables, under its flags. Keys a command does not know
// are ignored, so one file can configure all commands.
var ffOptions = []ff.Option{
	ff.WithEnvVarPrefix("SAMDRIFT"),
	ff.WithConfigFileFlag("config"),
	ff.WithConfigFileParser(ffyaml.Parser),
	ff.WithIgnoreUndefined(true),
}

const configHelp = `
Every flag can also be set in a YAML file given with --config (key = flag
name, e.g. "http: 0.0.0.0:8080") or as an environment variable SAMDRIFT_<FLAG>
with dashes as underscores (e.g. SAMDRIFT_HTTP, SAMDRIFT_MFA_ROLES). Flags beat
environment variables, which beat the file.`

func newFlagSet(name string, stdio IO) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	fs.String("config", "", "YAML configuration file")
	return fs
}

// dbFlags are the flags that say where state lives.
type dbFlags struct {
	data, db string
	events   listFlag
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	d := &dbFlags{}
	fs.StringVar(&d.data, "data", "./samdrift-data", "data directory (SQLite database samdrift.db and, later, event spine files)")
	fs.StringVar(&d.db, "db", "", "PostgreSQL URL (postgres://user@host:5432/db) to use instead of SQLite in --data")
	fs.Var(&d.events, "events", "keep log events in VictoriaLogs at this URL (victorialogs://host:9428; a cluster: victorialogs://insert-select:9428?storage=node1:9491,node2:9491) instead of the database; give it again for each further copy (every copy holds every event; reading goes on from another when one is down); run VictoriaLogs with -delete.enable (retention per organisation) and -retentionPeriod at least the longest retention")
	return d
}

func (d *dbFlags) config() app.DB { return app.DB{DataDir: d.data, URL: d.db, Events: d.events} }

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// quietLogger is for one-shot commands: warnings and errors only.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func rootCommand(stdio IO) *ffcli.Command {
	fs := flag.NewFlagSet("samdrift", flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	return &ffcli.Command{
		Name:       "samdrift",
		ShortUsage: "samdrift <command> [flags]",
		LongHelp: `samdrift runs the joint IT operating model of Danish municipalities and their
shared IT service units: organisations and access, audit trail, and (as they
land) the service catalog, service desk, logging, detection and CERT.

Start with "samdrift serve --demo", then open http://127.0.0.1:8080.` + "\n" + configHelp,
		FlagSet: fs,
		Subcommands: []*ffcli.Command{
			serveCommand(stdio), migrateCommand(stdio), orgCommand(stdio), catalogCommand(stdio), sourcesCommand(stdio), loadgenCommand(stdio), sigmaCommand(stdio), rulesCommand(stdio), indicatorsCommand(stdio), userCommand(stdio), tokenCommand(stdio),
			auditCommand(stdio), oncallCommand(stdio), backupCommand(stdio), restoreCommand(stdio), versionCommand(stdio),
		},
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q; run samdrift -h for the list", args[0])
			}
			return flag.ErrHelp
		},
	}
}

func serveCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("serve", stdio)
	db := addDBFlags(fs)
	httpAddr := fs.String("http", "127.0.0.1:8080", "address for the web UI and API")
	demo := fs.Bool("demo", false, "load demo data at start: the 98 municipalities, five units, the shared SOC/CERT, one user per role (passwords printed once)")
	mfaRoles := fs.String("mfa-roles", "admin,cert,soc-analyst", "comma-separated roles that must use a TOTP second factor")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM)")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure even without --tls-cert (behind a TLS-terminating proxy)")
	shutdown := fs.Duration("shutdown-timeout", 20*time.Second, "how long to let in-flight requests finish on SIGINT/SIGTERM")
	sessionTTL := fs.Duration("session-idle", 8*time.Hour, "log a session out after this long without use")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	noDetect := fs.Bool("no-detect", false, "store events without running detection on them (for measuring the store alone: what this node stores is never detected)")
	rolesFlag := fs.String("roles", "all", "the parts this node runs, comma-separated: web (UI and API), ingest (log receivers), store and detect (together: the event store consumer with detection), jobs (periodic work, each job on one jobs node at a time); all: every one")
	partitions := fs.Int("partitions", 0, "split the event spine by tenant into this many partitions, so that several store nodes share the work while each tenant stays on one of them (needs --nats; fixed when the deployment is created: 0 uses the deployment's, 1 for a new one)")
	natsCreds := fs.String("nats-creds", "", "NATS credentials file (user JWT and NKey seed) for --nats; NATS must be reachable by samdrift's nodes only")
	natsCA := fs.String("nats-ca", "", "CA certificates (PEM) that sign the NATS servers' certificates, for tls:// URLs in --nats")
	replicas := fs.Int("spine-replicas", 1, "how many servers of the NATS cluster (--nats with several URLs, comma-separated) keep each batch of the event spine: 3 survives losing one of three servers")
	leafOf := fs.String("leaf-of", "", "run at a unit's site: the in-process NATS becomes a leaf node of the centre's leaf port (nats-leaf://host:7422, or tls://host:7422 verified with --nats-ca); logs received here stay on this node's disk until the centre has them, so a cut line loses nothing (with --roles ingest, --leaf-domain and --leaf-secret-file)")
	leafDomain := fs.String("leaf-domain", "", "the site's name for --leaf-of (letters, digits, - and _), unique among the sites")
	leafListen := fs.String("leaf-listen", "", "accept units' sites (--leaf-of) on this address with the in-process NATS, e.g. 0.0.0.0:7422 (with --leaf-secret-file; TLS with --tls-cert/--tls-key)")
	leafSecret := fs.String("leaf-secret-file", "", "file holding the password between the centre's leaf port and its sites (--leaf-listen and --leaf-of)")
	eventsHold := fs.Duration("events-hold", 12*time.Second, "with --events: how long the spine keeps a stored batch before acknowledging it, so that VictoriaLogs (which answers before its data is on disk; its -inmemoryDataFlushInterval, 5 s by default, plus a margin) has it on disk first")
	leaseTTL := fs.Duration("lease-ttl", cluster.DefaultTTL, "how long this node's job leases last unless renewed: the time other nodes wait before taking over the jobs of a node that died")
	memLimit := fs.Int64("memory-limit", 400, "soft memory limit for the Go heap in MiB (the runtime collects harder near it; 0: none; GOMEMLIMIT wins when set)")
	gcPercent := fs.Int("gc-percent", 150, "heap growth between collections in percent, with --memory-limit as the ceiling (GOGC wins when set)")
	pprofAddr := fs.String("pprof", "", "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; keep it local")
	natsURL := fs.String("nats", "", "external NATS JetStream URL for the event spine (default: an in-process server storing under --data)")
	syslogTCP := fs.String("syslog-tcp", "127.0.0.1:5514", "address for syslog over TCP (octet counting or newline framing, detected per connection); empty: off")
	syslogUDP := fs.String("syslog-udp", "127.0.0.1:5514", "address for syslog over UDP; empty: off")
	syslogTLS := fs.String("syslog-tls", "127.0.0.1:6514", "address for syslog over TLS (RFC 5425); empty: off")
	relpAddr := fs.String("relp", "127.0.0.1:2514", "address for RELP (rsyslog omrelp; acknowledged once the spine has the events); empty: off")
	ingestHTTP := fs.String("ingest-http", "", "serve HTTP ingest (/ingest/…) on its own address instead of --http")
	ingestCert := fs.String("ingest-tls-cert", "", "certificate (PEM) for syslog over TLS (default: a self-signed one made under --data)")
	ingestKey := fs.String("ingest-tls-key", "", "private key (PEM) for --ingest-tls-cert")
	clientCA := fs.String("ingest-client-ca", "", "CA certificates (PEM) to verify TLS senders' client certificates (register them with sources add --certificate)")
	requireClient := fs.Bool("ingest-require-client-cert", false, "refuse TLS senders without a valid client certificate")
	spineMax := fs.Int64("spine-max-bytes", 1<<30, "how much the event spine buffers for slow consumers before ingest slows senders down")
	smtpAddr := fs.String("smtp-addr", "", "SMTP server (host:port) for notification e-mails; empty: no e-mail (the in-app inbox and webhooks still work)")
	smtpFrom := fs.String("smtp-from", "samdrift@localhost", "sender address of notification e-mails")
	smtpUser := fs.String("smtp-username", "", "SMTP user (empty: no authentication)")
	smtpPass := fs.String("smtp-password", "", "SMTP password (better: SAMDRIFT_SMTP_PASSWORD)")
	smtpSec := fs.String("smtp-security", "starttls", "starttls, tls (implicit, port 465) or none (a trusted relay only)")
	probeLocal := fs.Bool("probe-allow-local", false, "let service probes reach loopback and link-local addresses (for tests; by default they cannot reach samdrift's own host or a cloud metadata service)")
	hookPrivate := fs.Bool("webhook-allow-private", false, "let webhooks reach private and loopback addresses (by default only public ones, so users cannot probe the internal network)")
	fedFile := fs.String("federation", "", "identity providers people log in through (OIDC, SAML; a YAML file, docs/OPERATIONS.md); empty: local accounts only")
	publicURL := fs.String("public-url", "", "how users reach samdrift (https://samdrift.example.dk), for links in e-mails and webhooks")
	anchors := fs.String("audit-anchors", "", "append the audit chain's head to this file every 15 minutes (keep it off the database's disk; check with audit verify --anchors); default: audit-anchors.jsonl under --data with SQLite, off with --db")
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "samdrift serve [flags]",
		ShortHelp:  "run samdrift (web UI and API) until SIGINT/SIGTERM",
		LongHelp: `Runs samdrift. By default it keeps its state in SQLite under ./samdrift-data
and listens on 127.0.0.1:8080; it applies pending database migrations first.
On SIGINT or SIGTERM it stops taking new requests, lets in-flight ones finish
and closes the database.` + "\n" + configHelp,
		FlagSet: fs,
		Options: ffOptions,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("serve takes no arguments, got %q", args)
			}
			log, err := newLogger(stdio.Err, *logLevel, *logFormat)
			if err != nil {
				return err
			}
			roles, err := access.ParseRoles("mfa-roles", *mfaRoles)
			if err != nil {
				return fmt.Errorf("--mfa-roles: %w", err)
			}
			nodeRoles, err := app.ParseRoles(*rolesFlag)
			if err != nil {
				return fmt.Errorf("--roles: %w", err)
			}
			if *leaseTTL < time.Second {
				return fmt.Errorf("--lease-ttl: want at least 1s, got %s", *leaseTTL)
			}
			if (*tlsCert == "") != (*tlsKey == "") {
				return errors.New("give both --tls-cert and --tls-key, or neither")
			}
			leafPass, err := leafSecretOf(*leafSecret, *leafOf != "" || *leafListen != "")
			if err != nil {
				return err
			}
			if *leafOf != "" && *leafDomain == "" {
				return errors.New("--leaf-of needs --leaf-domain: the site's name, unique among the sites")
			}
			var smtpCfg *delivery.SMTP
			if *smtpAddr != "" {
				if *smtpSec != "starttls" && *smtpSec != "tls" && *smtpSec != "none" {
					return fmt.Errorf("--smtp-security: want starttls, tls or none, got %q", *smtpSec)
				}
				smtpCfg = &delivery.SMTP{Addr: *smtpAddr, From: *smtpFrom, Username: *smtpUser, Password: *smtpPass, Security: *smtpSec}
			}
			a, err := app.Open(ctx, db.config(), roles, true, log)
			if err != nil {
				return err
			}
			defer a.Close()
			if *memLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
				// Measured: under a 100,000 events/s burst the heap grew past
				// 1 GiB without a limit. With every SigmaHQ rule at full load
				// the live heap is about 170 MB; 400 MiB keeps the process
				// under 512 MiB with the collector's share unchanged (768:
				// 663 MB; docs/PERFORMANCE.md, issue 23).
				debug.SetMemoryLimit(*memLimit << 20)
				if os.Getenv("GOGC") == "" && *gcPercent > 0 {
					// Measured at full ingest with detection (docs/PERFORMANCE.md):
					// 100 → 150 cut the collector's share enough to take
					// 77,000–81,000 to 85,000 events/s, peak RSS 615 → 730 MB;
					// the memory limit still bounds the heap.
					debug.SetGCPercent(*gcPercent)
				}
			}
			if *pprofAddr != "" {
				stop, err := servePprof(*pprofAddr, log)
				if err != nil {
					return err
				}
				defer stop()
			}
			if *demo {
				if err := loadDemo(ctx, a, log, stdio.Out); err != nil {
					return err
				}
			}
			return a.Serve(ctx, app.ServeOptions{HTTPAddr: *httpAddr, TLSCert: *tlsCert, TLSKey: *tlsKey, SecureCookies: *secure,
				ShutdownTimeout: *shutdown, SessionTTL: *sessionTTL, Logger: log, Out: stdio.Out, Ready: serveReady(ctx),
				SMTP: smtpCfg, PublicURL: *publicURL, WebhookAllowPrivate: *hookPrivate, ProbeAllowLocal: *probeLocal, AuditAnchors: anchorFile(*anchors, db),
				Federation: *fedFile, Roles: nodeRoles, LeaseTTL: *leaseTTL,
				Events: app.EventOptions{DataDir: db.data, NATS: *natsURL, SpineMaxBytes: *spineMax, SyslogTCP: *syslogTCP, SyslogUDP: *syslogUDP,
					SyslogTLS: *syslogTLS, RELP: *relpAddr, IngestHTTP: *ingestHTTP, TLSCert: *ingestCert, TLSKey: *ingestKey,
					ClientCA: *clientCA, RequireClientCert: *requireClient, NoDetect: *noDetect, Partitions: *partitions, SpineReplicas: *replicas, NATSCreds: *natsCreds, NATSCA: *natsCA,
					HoldAcks: holdFor(db, *eventsHold),
					LeafOf:   *leafOf, LeafDomain: *leafDomain, LeafListen: *leafListen, LeafSecret: leafPass, LeafTLSCert: *tlsCert, LeafTLSKey: *tlsKey,
					Ready: receiverReady(ctx)}})
		},
	}
}

// holdFor is how long the spine holds stored batches: hold with an event
// store outside the database (--events), none otherwise.
func holdFor(d *dbFlags, hold time.Duration) time.Duration {
	if len(d.events) == 0 {
		return 0
	}
	return hold
}

// leafSecretOf reads the leaf password from file; needed says whether a
// leaf flag is in use (then the file must be given and hold one).
func leafSecretOf(file string, needed bool) (string, error) {
	if !needed {
		return "", nil
	}
	if file == "" {
		return "", errors.New("--leaf-of and --leaf-listen need --leaf-secret-file: a file holding the password between the centre and its sites (the same on both)")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--leaf-secret-file: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if len(secret) < 16 {
		return "", fmt.Errorf("--leaf-secret-file: %s holds %d characters; use at least 16 (e.g. openssl rand -hex 24 > %s)", file, len(secret), file)
	}
	return secret, nil
}

type readyKey struct{}

// WithReady returns a context that makes serve call fn with its bound
// address once it accepts connections (for tests on port 0).
func WithReady(ctx context.Context, fn func(addr string)) context.Context {
	return context.WithValue(ctx, readyKey{}, fn)
}

func serveReady(ctx context.Context) func(string) {
	fn, _ := ctx.Value(readyKey{}).(func(string))
	return fn
}

type receiverKey struct{}

// WithReceivers returns a context that makes serve call fn with each
// receiver's name and bound address (for tests on port 0).
func WithReceivers(ctx context.Context, fn func(name, addr string)) context.Context {
	return context.WithValue(ctx, receiverKey{}, fn)
}

func receiverReady(ctx context.Context) func(string, string) {
	fn, _ := ctx.Value(receiverKey{}).(func(string, string))
	return fn
}

func migrateCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("migrate", stdio)
	db := addDBFlags(fs)
	return &ffcli.Command{
		Name:       "migrate",
		ShortUsage: "samdrift migrate [--data DIR | --db URL]",
		ShortHelp:  "apply pending database migrations and exit",
		FlagSet:    fs,
		Options:    ffOptions,
		Exec: func(ctx context.Context, args []string) error {
			log := slog.New(slog.NewTextHandler(stdio.Out, nil))
			a, err := app.Open(ctx, db.config(), access.DefaultMFARoles(), true, log)
			if err != nil {
				return err
			}
			defer a.Close()
			v, err := a.DB.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "%s is at schema version %d\n", a.DB, v)
			return nil
		},
	}
}

// openForCommand opens the database of a one-shot command; it migrates, so
// that commands work on a fresh directory too.
func openForCommand(ctx context.Context, d *dbFlags, stdio IO) (*app.App, error) {
	return app.Open(ctx, d.config(), access.DefaultMFARoles(), true, quietLogger(stdio.Err))
}

// readSecret reads one line (a password) from r.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

// cliScope is the scope of the operator's command line: the platform
// itself, audited as "system:cli".
func cliScope() access.Scope {
	sc := access.System("cli")
	sc.RemoteAddr = "local"
	return sc
}

func userCommand(stdio IO) *ffcli.Command {
	addFS := newFlagSet("user add", stdio)
	addDB := addDBFlags(addFS)
	username := addFS.String("username", "", "username (lower-case letters, digits, . _ @ -)")
	orgRef := addFS.String("org", "", "organisation: municipality code (101) or slug (enhed-hovedstaden)")
	role := addFS.String("role", "", "role: "+roleList())
	name := addFS.String("display-name", "", "the person's name")
	email := addFS.String("email", "", "e-mail address")
	pwStdin := addFS.Bool("password-stdin", false, "read the password from standard input (one line)")

	pwFS := newFlagSet("user passwd", stdio)
	pwDB := addDBFlags(pwFS)
	pwUser := pwFS.String("username", "", "user whose password to set")
	pwPwStdin := pwFS.Bool("password-stdin", false, "read the new password from standard input (one line)")

	rtFS := newFlagSet("user reset-totp", stdio)
	rtDB := addDBFlags(rtFS)
	rtUser := rtFS.String("username", "", "user whose second factor to remove (it sets up a new one at next login)")

	return &ffcli.Command{
		Name:       "user",
		ShortUsage: "samdrift user <add|passwd|reset-totp> [flags]",
		ShortHelp:  "manage user accounts from the command line",
		Subcommands: []*ffcli.Command{
			{
				Name: "add", ShortUsage: "samdrift user add --username U --org CODE|SLUG --role ROLE --password-stdin",
				ShortHelp: "create a user", FlagSet: addFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if *username == "" || *orgRef == "" || *role == "" {
						return errors.New("give --username, --org and --role")
					}
					if !*pwStdin {
						return errors.New("give the password on standard input with --password-stdin (it never goes on the command line)")
					}
					pw, err := readSecret(stdio.In)
					if err != nil {
						return err
					}
					r, err := access.ParseRole("role", *role)
					if err != nil {
						return err
					}
					a, err := openForCommand(ctx, addDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					o, err := a.Orgs.Get(ctx, cliScope(), *orgRef)
					if err != nil {
						return fmt.Errorf("--org: %w", err)
					}
					u, err := a.Access.CreateUser(ctx, cliScope(), access.NewUser{Username: *username, DisplayName: *name, Email: *email,
						OrgID: o.ID, Role: r, Password: pw})
					if err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "created user %s (id %d), %s in %s\n", u.Username, u.ID, u.Role, u.OrgName)
					return nil
				},
			},
			{
				Name: "passwd", ShortUsage: "samdrift user passwd --username U --password-stdin",
				ShortHelp: "set a user's password (ends its sessions)", FlagSet: pwFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if *pwUser == "" || !*pwPwStdin {
						return errors.New("give --username and the new password on standard input with --password-stdin")
					}
					pw, err := readSecret(stdio.In)
					if err != nil {
						return err
					}
					a, err := openForCommand(ctx, pwDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					u, err := a.Access.UserByName(ctx, cliScope(), *pwUser)
					if err != nil {
						return err
					}
					if err := a.Access.SetPassword(ctx, cliScope(), u.ID, pw); err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "password of %s set; its sessions were ended\n", u.Username)
					return nil
				},
			},
			{
				Name: "reset-totp", ShortUsage: "samdrift user reset-totp --username U",
				ShortHelp: "remove a user's second factor (lost phone)", FlagSet: rtFS, Options: ffOptions,
				Exec: func(ctx context.Context, args []string) error {
					if *rtUser == "" {
						return errors.New("give --username")
					}
					a, err := openForCommand(ctx, rtDB, stdio)
					if err != nil {
						return err
					}
					defer a.Close()
					u, err := a.Access.UserByName(ctx, cliScope(), *rtUser)
					if err != nil {
						return err
					}
					if err := a.Access.ResetTOTP(ctx, cliScope(), u.ID); err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "second factor of %s removed; it sets up a new one at next login\n", u.Username)
					return nil
				},
			},
		},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}

func roleList() string {
	var names []string
	for _, r := range access.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func tokenCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("token create", stdio)
	db := addDBFlags(fs)
	username := fs.String("username", "", "user the token acts as")
	name := fs.String("name", "cli", "what uses the token")
	days := fs.Int("days", 90, "days until the token expires (1–366)")
	return &ffcli.Command{
		Name:       "token",
		ShortUsage: "samdrift token create --username U [--name N] [--days D]",
		ShortHelp:  "issue API tokens",
		Subcommands: []*ffcli.Command{{
			Name: "create", ShortUsage: "samdrift token create --username U [--name N] [--days D]",
			ShortHelp: "issue an API token; it is printed once, as the last line", FlagSet: fs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				if *username == "" {
					return errors.New("give --username")
				}
				if *days < 1 || *days > 366 {
					return fmt.Errorf("--days %d: want 1 to 366", *days)
				}
				a, err := openForCommand(ctx, db, stdio)
				if err != nil {
					return err
				}
				defer a.Close()
				u, err := a.Access.UserByName(ctx, cliScope(), *username)
				if err != nil {
					return err
				}
				plain, t, err := a.Access.CreateToken(ctx, cliScope(), u.ID, *name, time.Duration(*days)*24*time.Hour)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdio.Out, "token %d %q for %s, expires %s; use it as Authorization: Bearer <token>. It is shown only now:\n%s\n",
					t.ID, t.Name, u.Username, t.ExpiresAt.Format("2006-01-02"), plain)
				return nil
			},
		}},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}

// anchorFile is where serve writes audit anchors: the flag, or by default
// a file beside the SQLite database (none with PostgreSQL, whose data
// directory serve does not know).
func anchorFile(flagValue string, db *dbFlags) string {
	if flagValue != "" || db.db != "" {
		return flagValue
	}
	return filepath.Join(db.data, "audit-anchors.jsonl")
}

func auditCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("audit verify", stdio)
	db := addDBFlags(fs)
	anchorsIn := fs.String("anchors", "", "also check the chain against anchors written earlier (serve --audit-anchors, or saved output of audit anchor)")
	afs := newFlagSet("audit anchor", stdio)
	adb := addDBFlags(afs)
	to := afs.String("to", "", "append the anchor to this file instead of printing it")
	return &ffcli.Command{
		Name:       "audit",
		ShortUsage: "samdrift audit verify|anchor [--data DIR | --db URL]",
		ShortHelp:  "check the audit trail, or take an anchor of it",
		Subcommands: []*ffcli.Command{{
			Name: "verify", ShortUsage: "samdrift audit verify [--data DIR | --db URL] [--anchors FILE]",
			ShortHelp: "walk the hash chain (and check it against anchors); exit 1 naming the first altered or missing record", FlagSet: fs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				a, err := app.Open(ctx, db.config(), access.DefaultMFARoles(), false, quietLogger(stdio.Err))
				if err != nil {
					return err
				}
				defer a.Close()
				n, err := audit.Verify(ctx, a.DB.Reader(), func(n int64) { fmt.Fprintf(stdio.Err, "verified %d records…\n", n) })
				var broken *audit.Broken
				if errors.As(err, &broken) {
					fmt.Fprintf(stdio.Out, "BROKEN: %v (%d records before it are intact)\n", broken, n)
					return ExitError{Code: 1}
				}
				if err != nil {
					return err
				}
				if *anchorsIn != "" {
					f, err := os.Open(*anchorsIn)
					if err != nil {
						return fmt.Errorf("--anchors: %w", err)
					}
					anchors, err := audit.ReadAnchors(f)
					f.Close()
					if err != nil {
						return fmt.Errorf("--anchors %s: %w", *anchorsIn, err)
					}
					if err := audit.VerifyAnchors(ctx, a.DB.Reader(), anchors); errors.As(err, &broken) {
						fmt.Fprintf(stdio.Out, "BROKEN: %v\n", broken)
						return ExitError{Code: 1}
					} else if err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "audit chain intact: %d records, %d anchors hold\n", n, len(anchors))
					return nil
				}
				fmt.Fprintf(stdio.Out, "audit chain intact: %d records\n", n)
				return nil
			},
		}, {
			Name: "anchor", ShortUsage: "samdrift audit anchor [--data DIR | --db URL] [--to FILE]",
			ShortHelp: "print the chain's head as an anchor line (keep it outside the database; check with audit verify --anchors)", FlagSet: afs, Options: ffOptions,
			Exec: func(ctx context.Context, args []string) error {
				a, err := app.Open(ctx, adb.config(), access.DefaultMFARoles(), false, quietLogger(stdio.Err))
				if err != nil {
					return err
				}
				defer a.Close()
				h, err := audit.Head(ctx, a.DB.Reader())
				if err != nil {
					return err
				}
				if *to != "" {
					if err := audit.AppendAnchor(*to, h); err != nil {
						return err
					}
					fmt.Fprintf(stdio.Out, "anchored record %d in %s\n", h.Seq, *to)
					return nil
				}
				b, _ := json.Marshal(h)
				fmt.Fprintf(stdio.Out, "%s\n", b)
				return nil
			},
		}},
		Exec: func(ctx context.Context, args []string) error { return flag.ErrHelp },
	}
}

func versionCommand(stdio IO) *ffcli.Command {
	return &ffcli.Command{
		Name: "version", ShortUsage: "samdrift version", ShortHelp: "print the version",
		Exec: func(ctx context.Context, args []string) error {
			fmt.Fprintf(stdio.Out, "samdrift %s (%s, %s/%s)\n", app.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// Stdio returns the process's standard streams.
func Stdio() IO { return IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr} }
