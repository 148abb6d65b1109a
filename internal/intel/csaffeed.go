package intel

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/cert/csaf"
	"github.com/samdrift/samdrift/internal/errs"
)

// FetchCSAF reads a CSAF provider (provider-metadata.json, a ROLIE feed
// or a directory) and imports each document updated after since in its
// own transaction, so that one bad document does not hold back the
// others; the documents refused are returned together in one Invalid
// error, naming each. latest is the newest update time the provider
// listed for a document handled (imported or refused), in its clock,
// zero if none: the next since. On any other error (a document or list
// that could not be read) it is zero too, so that the caller reads the
// same documents again.
func (s *Service) FetchCSAF(ctx context.Context, sc access.Scope, client *http.Client, source string, since time.Time, opt ImportOptions,
	done func(added, updated int)) (latest time.Time, err error) {
	var failed []string
	err = csaf.Fetch(ctx, client, source, since, func(name string, updated time.Time, data []byte) error {
		res, err := s.cert.ImportCSAF(ctx, sc, []string{name}, [][]byte{data}, cert.CSAFOptions{TLP: opt.TLP, Default: opt.Default, Feed: opt.Feed, Origin: opt.Origin})
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				return err
			}
			failed = append(failed, err.Error())
		} else {
			done(res.Added, res.Updated)
		}
		if updated.After(latest) {
			latest = updated
		}
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	if len(failed) > 0 {
		return latest, errs.E(errs.Invalid, "%d document(s) refused: %s", len(failed), clip(strings.Join(failed, "; "), 900))
	}
	return latest, nil
}
