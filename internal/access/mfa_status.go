package access

import (
	"context"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// MFAStatus is how many of an organisation's active users hold a role
// that must pass a second factor, and how many of them have one set up.
type MFAStatus struct {
	Privileged int
	WithTOTP   int
}

// MFAStatusByOrg returns the MFAStatus of every organisation with users in
// an MFA role (compliance's live evidence that MFA is enforced for the
// privileged roles). The platform's own view: no scope.
func (s *Service) MFAStatusByOrg(ctx context.Context) (map[int64]MFAStatus, error) {
	out := map[int64]MFAStatus{}
	if len(s.mfaRoles) == 0 {
		return out, nil
	}
	var ps []string
	var args []any
	for r := range s.mfaRoles {
		args = append(args, string(r))
		ps = append(ps, "$"+strconv.Itoa(len(args)))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT org_id, COUNT(*), SUM(CASE WHEN totp_enabled THEN 1 ELSE 0 END) FROM users
		WHERE NOT disabled AND role IN (`+strings.Join(ps, ", ")+`) GROUP BY org_id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot count second factors")
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var st MFAStatus
		if err := rows.Scan(&org, &st.Privileged, &st.WithTOTP); err != nil {
			return nil, errs.Wrap(err, "cannot count second factors")
		}
		out[org] = st
	}
	return out, errs.Wrap(rows.Err(), "cannot count second factors")
}
