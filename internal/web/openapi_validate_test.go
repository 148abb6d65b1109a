package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

var (
	apiValidatorOnce sync.Once
	apiValidator     validator.Validator
	apiValidatorErr  error
	apiValidatorMu   sync.Mutex // the validator is not documented as safe for concurrent use
)

// checkAgainstOpenAPI validates an API response (and the request that
// made it) against openapi.json, so that the document cannot drift from
// what the server answers. Non-API paths are left alone.
func checkAgainstOpenAPI(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return
	}
	if resp.StatusCode == http.StatusNotFound && !documentedPath(req.URL.Path) {
		return // a path the API does not have, asked on purpose
	}
	apiValidatorOnce.Do(func() {
		doc, err := libopenapi.NewDocument(web.OpenAPIDocument())
		if err != nil {
			apiValidatorErr = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			apiValidatorErr = fmt.Errorf("%v", errs)
			return
		}
		apiValidator = v
	})
	if apiValidatorErr != nil {
		t.Fatalf("openapi.json does not load: %v", apiValidatorErr)
	}
	r := *resp
	r.Body = io.NopCloser(bytes.NewReader(body))
	apiValidatorMu.Lock()
	ok, errs := apiValidator.ValidateHttpResponse(req, &r)
	apiValidatorMu.Unlock()
	if !ok {
		var msgs []string
		for _, e := range errs {
			msg := e.Message
			if e.Reason != "" {
				msg += ": " + e.Reason
			}
			for _, s := range e.SchemaValidationErrors {
				msg += " [" + s.FieldPath + ": " + s.Reason + "]"
				if os.Getenv("SAMDRIFT_OPENAPI_DRIFT") != "" {
					fmt.Fprintf(os.Stderr, "OPENAPI-DRIFT\t%s\t%s\t%d\t%s\t%s\t%s\n", req.Method, req.URL.Path, resp.StatusCode, s.FieldPath, s.Reason, s.KeywordLocation)
				}
			}
			msgs = append(msgs, msg)
		}
		t.Errorf("%s %s answered %d, which openapi.json does not describe: %s\nbody: %.300s", req.Method, req.URL.Path, resp.StatusCode, strings.Join(msgs, "; "), body)
	}
}

// documentedPath reports whether path matches a path of openapi.json.
func documentedPath(path string) bool {
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(web.OpenAPIDocument(), &doc); err != nil {
		return false
	}
	for tpl := range doc.Paths {
		a, b := strings.Split(tpl, "/"), strings.Split(path, "/")
		if len(a) != len(b) {
			continue
		}
		match := true
		for i := range a {
			if a[i] != b[i] && !strings.HasPrefix(a[i], "{") {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestOpenAPIIsStrict: the document refuses a response that lacks a
// property the server always sends, or carries one it does not describe —
// the checks every API call in these tests goes through.
func TestOpenAPIIsStrict(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	spoc := e.token("demo-spoc")
	var tk map[string]any
	e.call("POST", "/api/v1/tickets", spoc, `{"title":"Printer","impact":2,"urgency":2}`, &tk)
	id := fmt.Sprint(tk["id"])
	req, _ := http.NewRequest("GET", e.url+"/api/v1/tickets/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+spoc)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var full map[string]any
	if err := json.Unmarshal(body, &full); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(m map[string]any){
		"without id":             func(m map[string]any) { delete(m, "id") },
		"without status":         func(m map[string]any) { delete(m, "status") },
		"with an undocumented x": func(m map[string]any) { m["x"] = 1 },
		"with id as a string":    func(m map[string]any) { m["id"] = "7" },
	} {
		m := map[string]any{}
		for k, v := range full {
			m[k] = v
		}
		change(m)
		b, _ := json.Marshal(m)
		r := *resp
		r.Body = io.NopCloser(bytes.NewReader(b))
		apiValidatorMu.Lock()
		ok, _ := apiValidator.ValidateHttpResponse(req, &r)
		apiValidatorMu.Unlock()
		if ok {
			t.Errorf("a ticket %s validates against openapi.json; want it refused", name)
		}
	}
}
