package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/sources"
)

// esVersion is the Elasticsearch version the _bulk endpoint claims, so that
// Beats, Logstash, Vector and Fluent Bit talk to it as to Elasticsearch 8.
const esVersion = "8.15.0"

// ESInfo answers the requests Elasticsearch clients make before shipping:
// GET / (version), GET /_license, and index template and lifecycle set-up
// (acknowledged and ignored: samdrift keeps its own schema and retention).
func (p *Pipeline) ESInfo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		path := strings.TrimPrefix(r.URL.Path, "/ingest/es")
		switch {
		case path == "" || path == "/":
			fmt.Fprintf(w, `{"name":"samdrift","cluster_name":"samdrift","cluster_uuid":"samdrift","version":{"number":%q,"build_flavor":"default","lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"You Know, for Search"}`+"\n", esVersion)
		case strings.HasPrefix(path, "/_license"):
			fmt.Fprint(w, `{"license":{"status":"active","type":"basic","mode":"basic"}}`+"\n")
		case r.Method == http.MethodHead:
			w.WriteHeader(http.StatusOK)
		default:
			fmt.Fprint(w, `{"acknowledged":true}`+"\n")
		}
	})
}

// esItem is one entry of a _bulk response.
type esItem struct {
	Index   string         `json:"_index"`
	ID      string         `json:"_id,omitempty"`
	Version int            `json:"_version,omitempty"`
	Result  string         `json:"result,omitempty"`
	Status  int            `json:"status"`
	Error   map[string]any `json:"error,omitempty"`
}

// ESBulk serves POST /ingest/es/_bulk (and /ingest/es/{index}/_bulk) like
// Elasticsearch: NDJSON action and document lines, a per-item result.
// index and create store the document as an event; update and delete are
// refused per item (events are immutable). The request is answered only
// after the spine has the events; a full spine gets 429 for the whole
// request, which every Elasticsearch client retries.
func (p *Pipeline) ESBulk() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		req, ok := p.openHTTP(w, r)
		if !ok {
			return
		}
		defer req.done()
		defIndex := "samdrift"
		if v := r.PathValue("index"); v != "" {
			defIndex = v
		}
		batch := p.NewBatcher("bulk", 1<<30)
		sc := bufio.NewScanner(req.body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var items []map[string]esItem
		seenIDs := map[string]bool{} // index and _id of the documents so far
		now := time.Now().UTC()
		line := 0
		hasErrors := false
		for sc.Scan() {
			line++
			action := bytes.TrimSpace(sc.Bytes())
			if len(action) == 0 {
				continue
			}
			// Every action gets an answer item, stored or not: they are
			// bounded like the events.
			if len(items) >= MaxHTTPEvents {
				esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", errTooManyEvents.Error())
				return
			}
			var meta map[string]struct {
				Index string `json:"_index"`
				ID    string `json:"_id"`
			}
			if err := json.Unmarshal(action, &meta); err != nil || len(meta) != 1 {
				// The scanner hands over the piece of line it had when
				// the body was cut off at a bound: that is the answer.
				if msg := tooLarge(sc.Err()); msg != "" {
					esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", msg)
					return
				}
				esError(w, http.StatusBadRequest, "illegal_argument_exception", fmt.Sprintf("line %d: an action line is one object such as {\"create\":{}}", line))
				return
			}
			var op string
			for k := range meta {
				op = k
			}
			index := meta[op].Index
			if index == "" {
				index = defIndex
			}
			if op == "delete" {
				hasErrors = true
				items = append(items, map[string]esItem{op: {Index: index, ID: meta[op].ID, Status: http.StatusBadRequest,
					Error: map[string]any{"type": "action_request_validation_exception", "reason": "samdrift keeps events immutable; delete is not supported"}}})
				continue
			}
			if !sc.Scan() {
				if msg := tooLarge(sc.Err()); msg != "" {
					esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", msg)
					return
				}
				esError(w, http.StatusBadRequest, "illegal_argument_exception", fmt.Sprintf("line %d: the %s action has no document line after it", line, op))
				return
			}
			line++
			if op != "index" && op != "create" {
				hasErrors = true
				items = append(items, map[string]esItem{op: {Index: index, ID: meta[op].ID, Status: http.StatusBadRequest,
					Error: map[string]any{"type": "action_request_validation_exception", "reason": "samdrift keeps events immutable; " + op + " is not supported"}}})
				continue
			}
			if batch.Len() == MaxHTTPEvents {
				esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", errTooManyEvents.Error())
				return
			}
			docID := meta[op].ID
			if len(docID) > 512 {
				hasErrors = true
				items = append(items, map[string]esItem{op: {Index: index, Status: http.StatusBadRequest,
					Error: map[string]any{"type": "illegal_argument_exception", "reason": "_id is longer than 512 bytes"}}})
				continue
			}
			if docID != "" {
				// _id is the document's idempotency key: a document sent
				// again under it is stored once. Within a request a
				// second create answers 409 as Elasticsearch does; a
				// second index leaves the first (events are immutable).
				key := index + "\x00" + docID
				if seenIDs[key] {
					if op == "create" {
						hasErrors = true
						items = append(items, map[string]esItem{op: {Index: index, ID: docID, Status: http.StatusConflict,
							Error: map[string]any{"type": "version_conflict_engine_exception", "reason": "[" + docID + "]: version conflict, document already exists"}}})
					} else {
						items = append(items, map[string]esItem{op: {Index: index, ID: docID, Status: http.StatusOK, Result: "noop", Version: 1}})
					}
					continue
				}
				seenIDs[key] = true
			}
			e := event.ParseJSON(sc.Bytes(), now, req.addr.String())
			switch {
			case docID != "":
				e.ID = event.StableID("bulk-id", req.who, index, docID)
			case req.idem != "":
				e.ID = event.StableID("bulk", req.idem, strconv.Itoa(line))
			}
			if err := batch.Add(r.Context(), e, req.addr, sources.Credential{Token: req.token}); err != nil {
				esError(w, http.StatusServiceUnavailable, "unavailable_shards_exception", "cannot queue events: "+err.Error())
				return
			}
			id := batch.LastID()
			if docID != "" {
				id = docID
			}
			items = append(items, map[string]esItem{op: {Index: index, ID: id, Status: http.StatusCreated, Result: "created", Version: 1}})
		}
		if err := sc.Err(); err != nil {
			if msg := tooLarge(err); msg != "" {
				esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", msg)
				return
			}
			esError(w, http.StatusBadRequest, "illegal_argument_exception", fmt.Sprintf("cannot read line %d: %v", line+1, err))
			return
		}
		if !publishHTTP(w, r, batch) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		_ = json.NewEncoder(w).Encode(map[string]any{"took": time.Since(start).Milliseconds(), "errors": hasErrors, "items": items})
	})
}

func esError(w http.ResponseWriter, status int, typ, reason string) {
	closeUnread(w, status)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": typ, "reason": reason,
		"root_cause": []map[string]any{{"type": typ, "reason": reason}}}, "status": status})
}
