// Package needs is the channel for municipalities' needs and feedback on
// the common solutions (principle 10, R14): a department of a municipality
// says what it needs, why, who is affected and how much it matters; other
// municipalities say "we need this too" (one vote per organisation); the
// unit that supplies the municipality and the secretariat group
// duplicates, comment and set a status, which the people who follow the
// need are told of in their inbox.
//
// Needs are proposals about common solutions, so every signed-in user
// reads them all, across municipalities. What stays within an
// organisation's ordinary reach (access.Scope.OrgPredicate) is the person:
// who submitted a need or wrote a comment is shown only to callers who
// reach that person's organisation; everyone else sees the organisation's
// name. Internal comments on a need are for the unit that supplies its
// municipality (the need's organisation within the unit's reach), the
// secretariat, governance and administrators; another unit, like the
// municipalities, neither reads nor writes them, and they change nothing
// the others see (not the need's updated_at). The shared SOC reads but does
// not take part. Every change is audited in the transaction that makes it:
// a decision under the need's municipality, a comment, vote or follow under
// the organisation that acts (a vote under the municipality it is cast
// for), so that an audit trail names only people its readers may see here.
//
// It must not know the web layer.
package needs

import (
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// The statuses of a need. A need starts Received; Declined needs a reason;
// Duplicate is set only by marking the need as a duplicate of another.
const (
	Received           = "received"
	UnderConsideration = "under_consideration"
	Planned            = "planned"
	Done               = "done"
	Declined           = "declined"
	Duplicate          = "duplicate"
)

// Statuses lists every status in its order (the order sort=status uses).
var Statuses = []string{Received, UnderConsideration, Planned, Done, Declined, Duplicate}

// Settable are the statuses SetStatus accepts.
var Settable = []string{Received, UnderConsideration, Planned, Done, Declined}

// Kinds are what a submission is: a need for something, or feedback on a
// common solution as it is.
var Kinds = []string{"need", "feedback"}

// Priorities are how much a need matters to the municipality.
var Priorities = []string{"low", "medium", "high"}

// Sorts are the orders List offers: newest first (the default), oldest
// first, most support first, by status, and recently active first.
var Sorts = []string{"newest", "oldest", "votes", "status", "updated"}

// Bounds of the texts, in characters.
const (
	MaxTitle       = 200
	MaxDescription = 5000
	MaxWhy         = 2000
	MaxAffected    = 1000
	MaxReason      = 2000
	MaxComment     = 5000
)

// Service keeps needs, votes, comments and followers.
type Service struct {
	db *store.DB
	// Clock returns the time (tests set it).
	Clock func() time.Time
}

// New returns the needs service over db.
func New(db *store.DB) *Service { return &Service{db: db, Clock: time.Now} }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// Ref is a short reference to another need.
type Ref struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

// Need is one need or piece of feedback, as the caller may see it.
type Need struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Why         string `json:"why"`
	Affected    string `json:"affected"`
	Priority    string `json:"priority"`
	Status      string `json:"status"`
	// StatusReason says why the status was set (always for declined).
	StatusReason string    `json:"status_reason"`
	StatusAt     time.Time `json:"status_at"`
	// DuplicateOf is the original of a need marked as a duplicate.
	DuplicateOf *Ref `json:"duplicate_of"`
	// Org is the submitting municipality.
	Org org.Ref `json:"org"`
	// SubmittedBy is the person who submitted it, only for callers whose
	// reach includes Org.
	SubmittedBy string `json:"submitted_by,omitempty"`
	// Voters are the organisations that said "we need this too", by name;
	// Votes counts them.
	Voters []org.Ref `json:"voters"`
	Votes  int       `json:"votes"`
	// AlsoWantedBy are the organisations that submitted or voted for a
	// duplicate of this need and are not among its own supporters.
	AlsoWantedBy []org.Ref `json:"also_wanted_by"`
	// Support counts the organisations that want it: the submitter, the
	// voters and those who want it through a duplicate.
	Support int `json:"support"`
	// Voted says the caller's organisation has voted for it, Following
	// that the caller follows it, MayDecide that the caller may set its
	// status and mark it a duplicate.
	Voted     bool `json:"voted"`
	Following bool `json:"following"`
	MayDecide bool `json:"may_decide"`
	// SeesInternal says the caller reads and writes the need's internal
	// comments (see internalExpr); the API answers 403 to an internal
	// comment from anyone else.
	SeesInternal bool `json:"-"`
	// CommentCount counts the comments the caller may read.
	CommentCount int `json:"comment_count"`
	// Duplicates counts the needs marked as duplicates of this one.
	Duplicates int `json:"duplicates"`
	// Version is for SetStatus's and MarkDuplicate's optimistic check.
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Comment is one comment on a need.
type Comment struct {
	ID  int64   `json:"id"`
	Org org.Ref `json:"org"`
	// Author is the person who wrote it, only for callers whose reach
	// includes Org.
	Author    string    `json:"author,omitempty"`
	Body      string    `json:"body"`
	Internal  bool      `json:"internal"`
	CreatedAt time.Time `json:"created_at"`
}

// Detail is a need with its comments and duplicates.
type Detail struct {
	Need
	Comments      []Comment `json:"comments"`
	DuplicateList []Ref     `json:"duplicate_list"`
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// mayRead: every signed-in user reads needs.
func mayRead(sc access.Scope) error {
	if sc.IsSystem() || sc.UserID != 0 {
		return nil
	}
	return errs.E(errs.Unauthorized, "log in to read needs and feedback")
}

// mayTakePart says whether sc may submit, vote and comment: everyone
// signed in but the shared SOC's staff, who read.
func mayTakePart(sc access.Scope) error {
	if err := mayRead(sc); err != nil {
		return err
	}
	if sc.OrgKind == string(org.KindSOC) && sc.Role != access.RoleAdmin {
		return errs.E(errs.Forbidden, "the SOC reads needs and feedback; municipalities, their units and the secretariat take part")
	}
	return nil
}

// internalExpr is an SQL boolean that is true where sc reads (and
// writes) the internal comments on a need whose organisation is col: the
// platform, administrators, governance and the secretariat on every need,
// a unit's people on those from the municipalities the unit supplies.
func internalExpr(sc access.Scope, a *store.Args, col string) string {
	switch {
	case sc.IsSystem(), sc.Role == access.RoleAdmin, sc.Role == access.RoleGovernance, sc.OrgKind == string(org.KindSecretariat):
		return "TRUE"
	case sc.OrgKind == string(org.KindUnit):
		return sc.OrgPredicate(col, a)
	}
	return "FALSE"
}

// decideExpr is an SQL boolean that is true where sc may decide on a need
// whose organisation is col: governance and administrators on every
// need, a unit's managers and service desk on those from the
// municipalities the unit supplies.
func decideExpr(sc access.Scope, a *store.Args, col string) string {
	switch {
	case sc.IsSystem(), sc.Role == access.RoleAdmin, sc.Role == access.RoleGovernance:
		return "TRUE"
	case (sc.Role == access.RoleUnitManager || sc.Role == access.RoleServiceDesk) && sc.OrgKind == string(org.KindUnit):
		return sc.OrgPredicate(col, a)
	}
	return "FALSE"
}

// errNoNeed is the answer for a need that does not exist.
func errNoNeed(id int64) error { return errs.E(errs.NotFound, "no need %d", id) }
