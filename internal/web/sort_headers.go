package web

import (
	"net/url"

	"github.com/samdrift/samdrift/internal/store"
)

// column is one sortable header of a list page: the key its ?sort= names
// and the message key of its label.
type column struct{ Key, Label string }

// sortHeaders are a list page's sortable headers, by key. Each links to
// path with q (the page's current filters) sorted by its column
// ascending, or descending when the list is sorted by it ascending, and
// starting again at the first page; the current column carries
// aria-sort. Templates use them as {{with index .Data.Cols "key"}}.
func sortHeaders(v view, path string, q url.Values, cur store.Sort, cols ...column) map[string]sortColumn {
	out := make(map[string]sortColumn, len(cols))
	for _, c := range cols {
		next := store.Sort{Key: c.Key}
		aria := ""
		if cur.Key == c.Key {
			if cur.Desc {
				aria = "descending"
			} else {
				aria, next.Desc = "ascending", true
			}
		}
		p := url.Values{}
		for k, vs := range q {
			if k != "offset" && k != "sort" && k != "page" {
				p[k] = vs
			}
		}
		p.Set("sort", next.String())
		out[c.Key] = sortColumn{Label: v.T(c.Label), Href: path + "?" + p.Encode(), AriaSort: aria}
	}
	return out
}
