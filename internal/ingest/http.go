package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/spine"
)

// Bounds on one ingest request: a request over any of them is refused
// whole (413), never cut short.
const (
	// MaxHTTPBody bounds the body after decompression.
	MaxHTTPBody = 16 << 20
	// MaxHTTPEvents bounds the events of one request (what it costs in
	// memory until the spine has them: a body of tiny lines is many
	// events).
	MaxHTTPEvents = 50_000
	// maxGzipRatio bounds how much a compressed body may inflate, beyond
	// its first MiB (logs compress 10–50 times; a bomb a thousand times).
	maxGzipRatio = 200
)

// errTooManyEvents is a request with more than MaxHTTPEvents events.
var errTooManyEvents = fmt.Errorf("the request holds more than %d events; send smaller requests", MaxHTTPEvents)

// bodyReader bounds a request body after decompression: past MaxHTTPBody
// bytes, or inflated more than maxGzipRatio times, it fails (with
// *http.MaxBytesError, so every handler answers 413) instead of ending
// early, so a body is read whole or refused.
type bodyReader struct {
	r       io.Reader
	wire    *countingReader // compressed bytes read; nil when not compressed
	n       int64
	tooMuch error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.tooMuch != nil {
		return 0, b.tooMuch
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	switch {
	case b.n > MaxHTTPBody:
		b.tooMuch = &http.MaxBytesError{Limit: MaxHTTPBody}
	case b.wire != nil && b.n > 1<<20 && b.n > maxGzipRatio*b.wire.n:
		b.tooMuch = &http.MaxBytesError{Limit: maxGzipRatio * b.wire.n}
	}
	if b.tooMuch != nil {
		return 0, b.tooMuch
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// closeUnread marks the connection to close after a refusal whose body
// is left unread (401, 413, 429): otherwise the server would first read up
// to 256 KiB more of it, and a sender that does not stop would get no
// answer at all.
func closeUnread(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		w.Header().Set("Connection", "close")
	}
}

// tooLarge is the answer to a body over a bound, or "" when err is none.
func tooLarge(err error) string {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errTooManyEvents):
		return err.Error()
	case errors.As(err, &tooBig) && tooBig.Limit != MaxHTTPBody:
		return fmt.Sprintf("the compressed body inflates more than %d times; send it uncompressed or in smaller requests", maxGzipRatio)
	case errors.As(err, &tooBig):
		return fmt.Sprintf("the body is larger than %d bytes (after decompression); send smaller requests", MaxHTTPBody)
	}
	return ""
}

// HTTPEvents serves POST /ingest/v1/events: a body of JSON lines (one event
// object a line, gzip allowed), attributed by the ingest token in
// "Authorization: Bearer sdi_…" or else by the sender's address. It answers
// only after the spine has the events; a full spine gets 429 with
// Retry-After, so the sender retries instead of losing anything.
func (p *Pipeline) HTTPEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, ok := p.openHTTP(w, r)
		if !ok {
			return
		}
		defer req.done()
		token, addr, body := req.token, req.addr, req.body
		batch := p.NewBatcher("http", 1<<30) // flushed once, below
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n, bad := 0, 0
		now := time.Now().UTC()
		for sc.Scan() {
			line := sc.Bytes()
			if len(strings.TrimSpace(string(line))) == 0 {
				continue
			}
			if n == MaxHTTPEvents {
				httpProblem(w, http.StatusRequestEntityTooLarge, errTooManyEvents.Error())
				return
			}
			e := event.ParseJSON(line, now, addr.String())
			if req.idem != "" {
				e.ID = event.StableID("http", req.idem, strconv.Itoa(n))
			}
			if e.ParseError != "" {
				bad++
			}
			if err := batch.Add(r.Context(), e, addr, sources.Credential{Token: token}); err != nil {
				httpProblem(w, http.StatusServiceUnavailable, "cannot queue events: "+err.Error())
				return
			}
			n++
		}
		if err := sc.Err(); err != nil {
			if msg := tooLarge(err); msg != "" {
				httpProblem(w, http.StatusRequestEntityTooLarge, msg)
				return
			}
			httpProblem(w, http.StatusBadRequest, fmt.Sprintf("cannot read line %d: %v (lines may be at most 1 MiB)", n+1, err))
			return
		}
		if !publishHTTP(w, r, batch) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"accepted":%d,"parse_errors":%d}`+"\n", n, bad)
	})
}

// httpRequest is an authenticated ingest request with its body opened.
type httpRequest struct {
	token string
	addr  netip.Addr
	body  io.Reader
	// idem identifies the request for retries (Idempotency-Key header,
	// scoped to the sender's token or address): events of a retried
	// request get the ids they had the first time, so they are stored once.
	idem string
	// done gives back the request's place among the bodies being read.
	done func()
	// who is the sender as ids are scoped to it: its token, or its
	// address without one.
	who string
}

// maxBodies bounds the ingest bodies read at once; one more is answered
// 429 with Retry-After at once (every ingest client retries it), so that
// a burst of large or hostile requests cannot take the server's memory.
var maxBodies = max(4, 2*runtime.GOMAXPROCS(0))

// ingestToken reads an ingest token from Authorization: "Bearer T",
// "ApiKey T" or "ApiKey base64(id:T)" (as Elasticsearch clients send it),
// or Basic with T as the password.
func ingestToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", true
	}
	scheme, v, _ := strings.Cut(h, " ")
	v = strings.TrimSpace(v)
	switch strings.ToLower(scheme) {
	case "bearer":
		return v, v != ""
	case "apikey":
		if b, err := base64.StdEncoding.DecodeString(v); err == nil {
			if _, key, ok := strings.Cut(string(b), ":"); ok {
				return key, key != ""
			}
		}
		return v, v != ""
	case "basic":
		_, pw, ok := r.BasicAuth()
		return pw, ok && pw != ""
	}
	return "", false
}

// openHTTP checks an ingest request's token and opens its (possibly
// gzipped) body, bounded to MaxHTTPBody; on failure it has answered.
func (p *Pipeline) openHTTP(w http.ResponseWriter, r *http.Request) (httpRequest, bool) {
	// Who is sending is settled before a byte of the body is read.
	addr := netip.Addr{}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		addr, _ = netip.ParseAddr(host)
	}
	token, ok := ingestToken(r)
	if !ok || (token != "" && !p.sources.TokenKnown(r.Context(), token)) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samdrift ingest"`)
		httpProblem(w, http.StatusUnauthorized, "the ingest token is unknown; register one with `samdrift sources add --token`")
		return httpRequest{}, false
	}
	if token == "" && !p.sources.Attribute(addr.Unmap(), "", sources.Credential{}).HTTPWithoutToken {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samdrift ingest"`)
		httpProblem(w, http.StatusUnauthorized, "send an ingest token (register one with `samdrift sources add --token`); without one only an address range registered with --http-without-token may send")
		return httpRequest{}, false
	}
	who := token
	if who == "" {
		who = addr.Unmap().String()
	}
	// One sender (a token, or an address without one) holds at most half
	// the places, so that its slow uploads cannot keep everyone else out.
	if !p.takeBodyPlace(who) {
		p.busy.Inc()
		w.Header().Set("Retry-After", "1")
		httpProblem(w, http.StatusTooManyRequests, "too many requests are being read at once; retry in a second")
		return httpRequest{}, false
	}
	done := func() { p.giveBodyPlace(who) }
	br := &bodyReader{r: http.MaxBytesReader(w, r.Body, MaxHTTPBody)}
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		br.wire = &countingReader{r: br.r}
		gz, err := gzip.NewReader(br.wire)
		if err != nil {
			done()
			httpProblem(w, http.StatusBadRequest, "the body is not gzip: "+err.Error())
			return httpRequest{}, false
		}
		br.r = gz
	}
	var body io.Reader = br
	idem := ""
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		if len(k) > 200 {
			done()
			httpProblem(w, http.StatusBadRequest, "the Idempotency-Key is longer than 200 characters")
			return httpRequest{}, false
		}
		idem = event.StableID(who, k)
	}
	return httpRequest{token: token, addr: addr.Unmap(), body: body, idem: idem, done: done, who: who}, true
}

// publishHTTP publishes a request's batch and answers a full spine with
// 429 and Retry-After; it reports whether the events were published.
func publishHTTP(w http.ResponseWriter, r *http.Request, batch *Batcher) bool {
	if err := batch.publish(r.Context()); err != nil {
		if errors.Is(err, spine.ErrFull) {
			w.Header().Set("Retry-After", "1")
			httpProblem(w, http.StatusTooManyRequests, "the event spine is full; retry in a second")
			return false
		}
		httpProblem(w, http.StatusServiceUnavailable, "cannot queue events: "+err.Error())
		return false
	}
	return true
}

func httpProblem(w http.ResponseWriter, status int, detail string) {
	closeUnread(w, status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"detail":%q}`+"\n", http.StatusText(status), status, detail)
}

// publish publishes what is pending once, returning spine.ErrFull instead of
// waiting (for senders that can retry).
func (b *Batcher) publish(ctx context.Context) error {
	for tenant, evs := range b.pending {
		for _, part := range spineParts(evs) {
			b.buf = event.AppendBatch(b.buf[:0], part)
			if err := b.p.sink.Publish(ctx, fmt.Sprint(tenant), b.p.nextID(), b.buf); err != nil {
				return err
			}
		}
		delete(b.pending, tenant)
	}
	b.count = 0
	return nil
}

// Routes registers the HTTP ingest endpoints with mount: JSON lines, the
// Elasticsearch-compatible _bulk API (with the calls its clients make
// first), and OTLP/HTTP logs.
func (p *Pipeline) Routes(mount func(pattern string, h http.Handler)) {
	mount("POST /ingest/v1/events", p.HTTPEvents())
	mount("POST /ingest/es/_bulk", p.ESBulk())
	mount("PUT /ingest/es/_bulk", p.ESBulk())
	mount("POST /ingest/es/{index}/_bulk", p.ESBulk())
	mount("PUT /ingest/es/{index}/_bulk", p.ESBulk())
	info := p.ESInfo()
	mount("GET /ingest/es/", info)
	mount("HEAD /ingest/es/", info)
	mount("PUT /ingest/es/", info)
	mount("GET /ingest/es", info)
	mount("POST /ingest/otlp/v1/logs", p.OTLPLogs())
}

// takeBodyPlace takes a place among the bodies being read for sender who:
// false when all are taken, or when who holds half of them already.
func (p *Pipeline) takeBodyPlace(who string) bool {
	p.bodyMu.Lock()
	defer p.bodyMu.Unlock()
	if p.bodyCount >= maxBodies || p.bodyBy[who] >= max(1, maxBodies/2) {
		return false
	}
	p.bodyCount++
	p.bodyBy[who]++
	return true
}

// giveBodyPlace gives back a place takeBodyPlace took.
func (p *Pipeline) giveBodyPlace(who string) {
	p.bodyMu.Lock()
	defer p.bodyMu.Unlock()
	p.bodyCount--
	if p.bodyBy[who]--; p.bodyBy[who] <= 0 {
		delete(p.bodyBy, who)
	}
}
