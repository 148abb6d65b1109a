package loadgen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// Protocols loadgen speaks.
var Protocols = []string{"syslog-tcp", "syslog-udp", "syslog-tls", "relp", "http", "bulk"}

// Options describe one run.
type Options struct {
	Protocol string
	Addr     string // host:port; for http and bulk also a base URL
	Count    int
	Rate     float64 // events per second over all connections; 0 = as fast as possible
	RunID    string
	Token    string // ingest token for http and bulk
	Conns    int    // parallel connections (default 1)
	Batch    int    // events per write or request (default 500)
	TLS      *tls.Config
	Gzip     bool // compress HTTP bodies
	// Pregenerate makes every event before the clock starts, so the run
	// measures the receiver rather than loadgen's formatting (memory:
	// about 300 bytes an event).
	Pregenerate bool
	Progress    io.Writer // a line every two seconds, or nil
}

// Report is what a run did.
type Report struct {
	Sent    int
	Elapsed time.Duration
}

// Rate is events per second.
func (r Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// String is the closing line users and scripts read.
func (r Report) String() string {
	return fmt.Sprintf("sent %d events in %.1f s (%.0f events/s)", r.Sent, r.Elapsed.Seconds(), r.Rate())
}

// sender delivers batches of encoded events over one connection. send
// returns when the protocol has accepted the batch (HTTP response, RELP
// acks) or, for plain syslog, when it is written.
type sender interface {
	send(ctx context.Context, lines [][]byte) error
	close() error
}

// Run sends o.Count events and reports.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Count < 1 {
		return Report{}, errs.Field("count", "count must be at least 1")
	}
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	if strings.ContainsAny(o.RunID, "\"]\\ ") {
		return Report{}, errs.Field("run-id", "the run id may not hold spaces, quotes, ']' or '\\'")
	}
	o.Conns = max(o.Conns, 1)
	if o.Batch < 1 {
		o.Batch = 500
	}
	g := gen{run: o.RunID, size: o.Count}
	var sent atomic.Int64
	pre := make([][][]byte, o.Conns)
	if o.Pregenerate {
		if o.Count > 20_000_000 {
			return Report{}, errs.Field("count", "pregenerate at most 20,000,000 events (about 6 GB)")
		}
		now := time.Now()
		jsonLines := o.Protocol == "http" || o.Protocol == "bulk"
		for w := range pre {
			for seq := w + 1; seq <= o.Count; seq += o.Conns {
				if jsonLines {
					pre[w] = append(pre[w], g.json(seq, now))
				} else {
					pre[w] = append(pre[w], g.syslog(seq, now))
				}
			}
		}
	}
	start := time.Now()
	done := make(chan struct{})
	var progress sync.WaitGroup
	if o.Progress != nil {
		progress.Add(1)
		go func() {
			defer progress.Done()
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					n := sent.Load()
					fmt.Fprintf(o.Progress, "sent %d of %d (%.0f events/s)\n", n, o.Count, float64(n)/time.Since(start).Seconds())
				}
			}
		}()
	}
	var wg sync.WaitGroup
	errc := make(chan error, o.Conns)
	for w := 0; w < o.Conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if err := o.worker(ctx, g, w, pre[w], &sent, start); err != nil {
				errc <- err
			}
		}(w)
	}
	wg.Wait()
	close(done)
	progress.Wait() // no progress line after Run returns
	r := Report{Sent: int(sent.Load()), Elapsed: time.Since(start)}
	select {
	case err := <-errc:
		return r, err
	default:
		return r, nil
	}
}

func (o Options) newSender(ctx context.Context) (sender, error) {
	switch o.Protocol {
	case "syslog-tcp", "syslog-tls":
		cfg := o.TLS
		if o.Protocol == "syslog-tls" && cfg == nil {
			cfg = &tls.Config{}
		}
		c, err := dialStream(ctx, o.Addr, cfg)
		if err != nil {
			return nil, err
		}
		return &streamSender{c: c, w: bufio.NewWriterSize(c, 256<<10)}, nil
	case "syslog-udp":
		c, err := net.Dial("udp", o.Addr)
		if err != nil {
			return nil, errs.E(errs.Invalid, "cannot reach %s: %v", o.Addr, err)
		}
		return &udpSender{c: c}, nil
	case "relp":
		return dialRELP(ctx, o)
	case "http", "bulk":
		base := o.Addr
		if !strings.Contains(base, "://") {
			base = "http://" + base
		}
		path := "/ingest/v1/events"
		if o.Protocol == "bulk" {
			path = "/ingest/es/_bulk"
		}
		tr := &http.Transport{TLSClientConfig: o.TLS, MaxIdleConnsPerHost: 4}
		return &httpSender{url: strings.TrimRight(base, "/") + path, token: o.Token, bulk: o.Protocol == "bulk", gzip: o.Gzip,
			client: &http.Client{Transport: tr, Timeout: 60 * time.Second}}, nil
	}
	return nil, errs.Field("protocol", "protocol is one of %s", strings.Join(Protocols, ", "))
}

func (o Options) worker(ctx context.Context, g gen, w int, pre [][]byte, sent *atomic.Int64, start time.Time) error {
	s, err := o.newSender(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	json := o.Protocol == "http" || o.Protocol == "bulk"
	batch := make([][]byte, 0, o.Batch)
	mine := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.send(ctx, batch); err != nil {
			return err
		}
		sent.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	perConn := o.Rate / float64(o.Conns)
	for seq, i := w+1, 0; seq <= o.Count; seq, i = seq+o.Conns, i+1 {
		switch {
		case pre != nil:
			batch = append(batch, pre[i])
		case json:
			batch = append(batch, g.json(seq, time.Now()))
		default:
			batch = append(batch, g.syslog(seq, time.Now()))
		}
		mine++
		if len(batch) == cap(batch) || (perConn > 0 && len(batch) >= max(1, int(perConn/20))) {
			if err := flush(); err != nil {
				return err
			}
		}
		if perConn > 0 {
			// Pace: event mine is due at start + mine/perConn.
			due := start.Add(time.Duration(float64(mine) / perConn * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if err := flush(); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(d):
				}
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return flush()
}

// dialStream connects over TCP, with TLS when cfg is set.
func dialStream(ctx context.Context, addr string, cfg *tls.Config) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	var c net.Conn
	var err error
	if cfg != nil {
		c, err = (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(ctx, "tcp", addr)
	} else {
		c, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "cannot connect to %s: %v", addr, err)
	}
	return c, nil
}

// streamSender writes octet-counted syslog frames (RFC 6587).
type streamSender struct {
	c net.Conn
	w *bufio.Writer
}

func (s *streamSender) send(_ context.Context, lines [][]byte) error {
	for _, l := range lines {
		s.w.WriteString(strconv.Itoa(len(l)))
		s.w.WriteByte(' ')
		s.w.Write(l)
	}
	if err := s.w.Flush(); err != nil {
		return errs.E(errs.Internal, "the receiver closed the connection: %v", err)
	}
	return nil
}

func (s *streamSender) close() error {
	_ = s.w.Flush()
	return s.c.Close()
}

type udpSender struct{ c net.Conn }

func (s *udpSender) send(_ context.Context, lines [][]byte) error {
	for _, l := range lines {
		if _, err := s.c.Write(l); err != nil {
			return errs.E(errs.Internal, "cannot send a datagram: %v", err)
		}
	}
	return nil
}

func (s *udpSender) close() error { return s.c.Close() }

// httpSender posts JSON lines or an Elasticsearch _bulk body and retries
// what the receiver refuses for now (429/503, or per-item 429 in _bulk).
type httpSender struct {
	url, token string
	bulk, gzip bool
	client     *http.Client
}

func (s *httpSender) send(ctx context.Context, lines [][]byte) error {
	pending := lines
	// One key per batch, kept across retries: the receiver stores a
	// retried batch once even if the first attempt got through.
	key := make([]byte, 12)
	_, _ = rand.Read(key)
	idem := hex.EncodeToString(key)
	for attempt := 0; ; attempt++ {
		var body bytes.Buffer
		var w io.Writer = &body
		var gz *gzip.Writer
		if s.gzip {
			gz = gzip.NewWriter(&body)
			w = gz
		}
		for _, l := range pending {
			if s.bulk {
				io.WriteString(w, `{"create":{}}`+"\n")
			}
			w.Write(l)
			io.WriteString(w, "\n")
		}
		if gz != nil {
			gz.Close()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, &body)
		if err != nil {
			return errs.Wrap(err, "cannot make a request")
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		if s.gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
		if s.token != "" {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		req.Header.Set("Idempotency-Key", idem+"-"+strconv.Itoa(len(pending)))
		resp, err := s.client.Do(req)
		var retry time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if attempt >= 30 {
				return errs.E(errs.Internal, "cannot reach %s: %v", s.url, err)
			}
			retry = time.Second
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			retry = time.Second
			if v, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				retry = time.Duration(v) * time.Second
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		case resp.StatusCode >= 300:
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return errs.E(errs.Invalid, "%s answered %s: %s", s.url, resp.Status, strings.TrimSpace(string(b)))
		default:
			if !s.bulk {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return nil
			}
			again, err := bulkRetries(resp.Body, pending)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if len(again) == 0 {
				return nil
			}
			pending, retry = again, time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

// bulkRetries reads a _bulk response and returns the documents to send
// again (status 429); any other failed item is an error.
func bulkRetries(body io.Reader, sent [][]byte) ([][]byte, error) {
	var r struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int `json:"status"`
			Error  *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		} `json:"items"`
	}
	if err := json.NewDecoder(body).Decode(&r); err != nil {
		return nil, errs.E(errs.Internal, "the _bulk answer is not JSON: %v", err)
	}
	if len(r.Items) != len(sent) {
		return nil, errs.E(errs.Internal, "the _bulk answer has %d items for %d documents", len(r.Items), len(sent))
	}
	var again [][]byte
	for i, it := range r.Items {
		for _, res := range it {
			switch {
			case res.Status == http.StatusTooManyRequests:
				again = append(again, sent[i])
			case res.Status >= 300:
				reason := ""
				if res.Error != nil {
					reason = res.Error.Type + ": " + res.Error.Reason
				}
				return nil, errs.E(errs.Invalid, "document %d was refused (%d %s)", i, res.Status, reason)
			}
		}
	}
	return again, nil
}

func (s *httpSender) close() error {
	s.client.CloseIdleConnections()
	return nil
}

// NewRunID makes a short run id, unique enough to tell runs apart.
func NewRunID() string {
	return "lg" + strconv.FormatInt(time.Now().UnixMilli()%(36*36*36*36*36*36), 36)
}
