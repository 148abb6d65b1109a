package oncall

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// Action is what a signed link does to an escalation.
type Action string

// The actions of signed links.
const (
	ActionAck     Action = "ack"
	ActionResolve Action = "resolve"
)

// AckPath is where the web layer serves signed links: PublicURL +
// AckPath + token.
const AckPath = "/oncall/ack/"

// AckLinkTTL is how long the link in a page stays good.
const AckLinkTTL = 24 * time.Hour

// secretSetting is the settings key of the key that signs links; it is
// made once, on first use, and shared by every node.
const secretSetting = "oncall.ack_secret"

type secretCache struct {
	mu  sync.Mutex
	key []byte
}

func (s *Service) key(ctx context.Context) ([]byte, error) {
	s.secret.mu.Lock()
	defer s.secret.mu.Unlock()
	if s.secret.key != nil {
		return s.secret.key, nil
	}
	v, err := s.db.EnsureSetting(ctx, secretSetting, func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "cannot load the key that signs acknowledge links")
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return nil, errs.E(errs.Internal, "setting %s is not a hex key", secretSetting)
	}
	s.secret.key = k
	return k, nil
}

// A token is version (1), action (1), escalation id, user id and expiry
// (8 each, big-endian), then the first 16 bytes of HMAC-SHA256 over them,
// in unpadded URL-safe base64 (56 characters).
const (
	tokenVersion = 1
	tokenBody    = 2 + 3*8
	tokenMAC     = 16
)

// Claims is what a signed link says: who may do what to which escalation,
// until when.
type Claims struct {
	EscalationID int64
	UserID       int64
	Action       Action
	Expires      time.Time
}

// AckToken returns an opaque URL-safe token with which userID does action
// to escalation escalationID until expiry (AckByToken). It signs with a
// key kept in the database, so that every node accepts every node's
// links.
func (s *Service) AckToken(ctx context.Context, escalationID, userID int64, action Action, expiry time.Time) (string, error) {
	var a byte
	switch action {
	case ActionAck:
		a = 1
	case ActionResolve:
		a = 2
	default:
		return "", errs.Field("action", "a link acknowledges or resolves")
	}
	key, err := s.key(ctx)
	if err != nil {
		return "", err
	}
	b := make([]byte, tokenBody, tokenBody+tokenMAC)
	b[0], b[1] = tokenVersion, a
	binary.BigEndian.PutUint64(b[2:], uint64(escalationID))
	binary.BigEndian.PutUint64(b[10:], uint64(userID))
	binary.BigEndian.PutUint64(b[18:], uint64(expiry.Unix()))
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(b)[:tokenBody+tokenMAC]), nil
}

// CheckToken returns what token says if it is genuine and not expired at
// now; otherwise an Unauthorized error saying which. It changes nothing:
// the web layer shows the escalation and asks to confirm with it (mail
// scanners open links), then calls AckByToken.
func (s *Service) CheckToken(ctx context.Context, token string, now time.Time) (Claims, error) {
	bad := errs.E(errs.Unauthorized, "this acknowledge link is not valid; open the escalation in samdrift instead")
	if len(token) > 100 {
		return Claims{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(b) != tokenBody+tokenMAC || b[0] != tokenVersion {
		return Claims{}, bad
	}
	key, err := s.key(ctx)
	if err != nil {
		return Claims{}, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(b[:tokenBody])
	if !hmac.Equal(m.Sum(nil)[:tokenMAC], b[tokenBody:]) {
		return Claims{}, bad
	}
	c := Claims{EscalationID: int64(binary.BigEndian.Uint64(b[2:])), UserID: int64(binary.BigEndian.Uint64(b[10:])),
		Expires: time.Unix(int64(binary.BigEndian.Uint64(b[18:])), 0).UTC()}
	switch b[1] {
	case 1:
		c.Action = ActionAck
	case 2:
		c.Action = ActionResolve
	default:
		return Claims{}, bad
	}
	if !now.Before(c.Expires) {
		return Claims{}, errs.E(errs.Unauthorized, "this acknowledge link expired at %s; open the escalation in samdrift instead",
			c.Expires.Format(time.RFC3339))
	}
	return c, nil
}

// AckByToken does what token says (acknowledge, or resolve) at now, as
// the user it was made for, and returns the escalation. An expired or
// tampered token is Unauthorized, and so is one for a user who is
// disabled or no longer in the team's organisation; acknowledging twice
// is a Conflict, as with Ack.
func (s *Service) AckByToken(ctx context.Context, token string, now time.Time) (Escalation, error) {
	c, err := s.CheckToken(ctx, token, now)
	if err != nil {
		return Escalation{}, err
	}
	var u access.User
	var disabled bool
	var teamOrg int64
	err = s.db.Reader().QueryRowContext(ctx, `SELECT u.id, u.username, u.org_id, o.kind, u.role, u.disabled, t.org_id
		FROM users u JOIN organizations o ON o.id = u.org_id, oncall_escalations e JOIN oncall_teams t ON t.id = e.team_id
		WHERE u.id = $1 AND e.id = $2`, c.UserID, c.EscalationID).Scan(&u.ID, &u.Username, &u.OrgID, &u.OrgKind, &u.Role, &disabled, &teamOrg)
	refused := errs.E(errs.Unauthorized, "this acknowledge link's user may no longer act on escalation %d; log in instead", c.EscalationID)
	if errors.Is(err, sql.ErrNoRows) {
		return Escalation{}, refused
	}
	if err != nil {
		return Escalation{}, errs.Wrap(err, "cannot check the acknowledge link of escalation %d", c.EscalationID)
	}
	if disabled || u.OrgID != teamOrg {
		return Escalation{}, refused
	}
	sc := access.ScopeOf(u)
	sc.RemoteAddr = "link"
	now = now.UTC().Truncate(time.Microsecond)
	if c.Action == ActionResolve {
		return s.act(ctx, sc, c.EscalationID, "resolve", time.Time{}, now)
	}
	return s.act(ctx, sc, c.EscalationID, "ack", time.Time{}, now)
}

// AckURL returns the function delivery.Deliverer.AckURL wants: the link
// with which a paged user acknowledges, publicURL + AckPath + a token
// good for AckLinkTTL. With publicURL empty it makes no links.
func (s *Service) AckURL(publicURL string) func(ctx context.Context, escalationID, userID int64, now time.Time) (string, error) {
	base := strings.TrimSuffix(publicURL, "/")
	return func(ctx context.Context, escalationID, userID int64, now time.Time) (string, error) {
		if base == "" {
			return "", errs.E(errs.Invalid, "no public URL to link to")
		}
		t, err := s.AckToken(ctx, escalationID, userID, ActionAck, now.Add(AckLinkTTL))
		if err != nil {
			return "", err
		}
		return base + AckPath + t, nil
	}
}
