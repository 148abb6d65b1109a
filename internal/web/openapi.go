package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route under /api/v1; TestOpenAPIMatchesRoutes
// keeps it in step with the registered handlers.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPIDocument returns the embedded OpenAPI 3.1 document.
func OpenAPIDocument() []byte { return openAPIDoc }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
