// Package transition is the plan by which municipalities move their basic
// (mandatory catalog) services from running them themselves, or buying them
// elsewhere, to buying them from their unit: one entry per municipality and
// basic service, derived from subscriptions where they exist and edited by
// the municipality otherwise, and the consolidation overview (the share of
// basic services bought from the unit, per region and in total, over time).
package transition

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
)

// Source is where a municipality gets a basic service from today.
type Source string

// The sources.
const (
	FromUnit Source = "unit"     // bought from its supplying unit
	SelfRun  Source = "self"     // run by the municipality itself
	External Source = "external" // bought from another supplier
	NotUsed  Source = "none"     // not used
)

// Status is how far the move to the unit has come.
type Status string

// The statuses.
const (
	NotStarted Status = "not_started"
	Planned    Status = "planned"
	InProgress Status = "in_progress"
	Done       Status = "done"
)

// Sources and Statuses list the values in display order.
var (
	Sources  = []Source{FromUnit, SelfRun, External, NotUsed}
	Statuses = []Status{NotStarted, Planned, InProgress, Done}
)

// Entry is one municipality × basic service.
type Entry struct {
	MunicipalityID int64  `json:"municipality_id"`
	Service        string `json:"service"`
	Source         Source `json:"source"`
	Supplier       string `json:"supplier,omitempty"`
	PlannedDate    string `json:"planned_date,omitempty"`
	Status         Status `json:"status"`
	Note           string `json:"note,omitempty"`
	// Derived: the entry comes from a subscription and is not editable.
	Derived        bool      `json:"derived"`
	SubscriptionID int64     `json:"subscription_id,omitempty"`
	UpdatedBy      string    `json:"updated_by,omitempty"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// Service reads and edits transition plans.
type Service struct {
	db  *store.DB
	cat *catalog.Store
	ord *orders.Service
}

// NewService returns a Service over db.
func NewService(db *store.DB, cat *catalog.Store, ord *orders.Service) *Service {
	return &Service{db: db, cat: cat, ord: ord}
}

// basicServices returns the ids of the current catalog's mandatory services.
func (s *Service) basicServices(ctx context.Context, sc access.Scope) ([]string, error) {
	c, _, err := s.cat.Get(ctx, sc, "current")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, svc := range c.Services {
		if svc.Mandatory {
			out = append(out, svc.ID)
		}
	}
	return out, nil
}

// mayRead checks sc may see municipality's plan.
func (s *Service) mayRead(ctx context.Context, sc access.Scope, municipality int64) error {
	var a store.Args
	var kind string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(municipality)+` AND `+sc.OrgPredicate("id", &a), a.Values()...).Scan(&kind)
	if err == sql.ErrNoRows {
		return errs.E(errs.NotFound, "no municipality %d", municipality)
	}
	if err != nil {
		return errs.Wrap(err, "cannot look up municipality %d", municipality)
	}
	if kind != "municipality" {
		return errs.Field("municipality", "organisation %d is not a municipality", municipality)
	}
	return nil
}

// Plan returns municipality's plan: one entry per basic service, derived
// from its running subscriptions where they exist.
func (s *Service) Plan(ctx context.Context, sc access.Scope, municipality int64) ([]Entry, error) {
	if err := s.mayRead(ctx, sc, municipality); err != nil {
		return nil, err
	}
	basic, err := s.basicServices(ctx, sc)
	if err != nil {
		return nil, err
	}
	stored := map[string]Entry{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT service_id, source, supplier, COALESCE(planned_date, ''), status, note, updated_by, updated_at
		FROM transition_plan WHERE municipality_id = $1`, municipality)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load transition plan")
	}
	for rows.Next() {
		e := Entry{MunicipalityID: municipality}
		if err := rows.Scan(&e.Service, &e.Source, &e.Supplier, &e.PlannedDate, &e.Status, &e.Note, &e.UpdatedBy, &e.UpdatedAt); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read transition plan")
		}
		e.UpdatedAt = e.UpdatedAt.UTC()
		stored[e.Service] = e
	}
	rows.Close()
	subs, err := s.running(ctx, municipality)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(basic))
	for _, svc := range basic {
		if id, ok := subs[svc]; ok {
			out = append(out, Entry{MunicipalityID: municipality, Service: svc, Source: FromUnit, Status: Done, Derived: true, SubscriptionID: id})
			continue
		}
		e, ok := stored[svc]
		if !ok {
			e = Entry{MunicipalityID: municipality, Service: svc, Source: SelfRun, Status: NotStarted}
		}
		out = append(out, e)
	}
	return out, nil
}

// running maps service → a running subscription of municipality.
func (s *Service) running(ctx context.Context, municipality int64) (map[string]int64, error) {
	spans, err := s.ord.Spans(ctx, municipality)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := map[string]int64{}
	for _, sp := range spans {
		if sp.MunicipalityID == municipality && sp.ActiveOn(now) {
			out[sp.Service] = sp.OrderID
		}
	}
	return out, nil
}

// Change is an edit of one entry.
type Change struct {
	Source      Source
	Supplier    string
	PlannedDate string // YYYY-MM-DD or ""
	Status      Status
	Note        string
}

// Set edits municipality's entry for service. kommune-it edits its own
// municipality's plan; an entry derived from a running subscription cannot
// be edited (it is done).
func (s *Service) Set(ctx context.Context, sc access.Scope, municipality int64, service string, ch Change) (Entry, error) {
	if !sc.Can(access.PlanTransition) {
		return Entry{}, errs.E(errs.Forbidden, "only municipal IT (kommune-it) may edit its municipality's transition plan")
	}
	if sc.Role != access.RoleAdmin && !sc.IsSystem() && sc.OrgID != municipality {
		return Entry{}, errs.E(errs.Forbidden, "you may edit only your own municipality's plan")
	}
	if err := s.mayRead(ctx, sc, municipality); err != nil {
		return Entry{}, err
	}
	basic, err := s.basicServices(ctx, sc)
	if err != nil {
		return Entry{}, err
	}
	found := false
	for _, b := range basic {
		found = found || b == service
	}
	if !found {
		return Entry{}, errs.Field("service", "%q is not a basic (mandatory) service of the current catalog", service)
	}
	if !validSource(ch.Source) {
		return Entry{}, errs.Field("source", "source must be unit, self, external or none, got %q", ch.Source)
	}
	if !validStatus(ch.Status) {
		return Entry{}, errs.Field("status", "status must be not_started, planned, in_progress or done, got %q", ch.Status)
	}
	ch.Supplier, ch.Note = strings.TrimSpace(ch.Supplier), strings.TrimSpace(ch.Note)
	if ch.Source == External && ch.Supplier == "" {
		return Entry{}, errs.Field("supplier", "name the external supplier")
	}
	if len(ch.Supplier) > 200 || len(ch.Note) > 2000 {
		return Entry{}, errs.Field("note", "supplier at most 200 and note at most 2000 characters")
	}
	var planned any
	if ch.PlannedDate != "" {
		d, err := catalog.ParseDay("planned_date", ch.PlannedDate)
		if err != nil {
			return Entry{}, err
		}
		ch.PlannedDate, planned = d, d
	}
	if ch.Status == Planned && ch.PlannedDate == "" {
		return Entry{}, errs.Field("planned_date", "a planned move needs a date")
	}
	subs, err := s.running(ctx, municipality)
	if err != nil {
		return Entry{}, err
	}
	if id, ok := subs[service]; ok {
		return Entry{}, errs.E(errs.Conflict, "%s comes from subscription %d; the plan follows the subscription", service, id)
	}
	e := Entry{MunicipalityID: municipality, Service: service, Source: ch.Source, Supplier: ch.Supplier, PlannedDate: ch.PlannedDate,
		Status: ch.Status, Note: ch.Note, UpdatedBy: sc.Actor().Name, UpdatedAt: store.Now()}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM transition_plan WHERE municipality_id = $1 AND service_id = $2`, municipality, service); err != nil {
			return errs.Wrap(err, "cannot update transition plan")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO transition_plan (municipality_id, service_id, source, supplier, planned_date, status, note, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, municipality, service, string(ch.Source), ch.Supplier, planned, string(ch.Status), ch.Note,
			e.UpdatedBy, e.UpdatedAt); err != nil {
			return errs.Wrap(err, "cannot update transition plan")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "transition.set", TargetType: "transition",
			TargetID: strconv.FormatInt(municipality, 10) + "/" + service, OrgID: municipality,
			After: map[string]any{"service": service, "source": ch.Source, "supplier": ch.Supplier, "planned_date": ch.PlannedDate, "status": ch.Status}})
	})
	return e, err
}

func validSource(s Source) bool {
	for _, v := range Sources {
		if v == s {
			return true
		}
	}
	return false
}

func validStatus(s Status) bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Share is how much of its basic services a municipality (or a region, or
// everyone) buys from its unit.
type Share struct {
	Key      string  `json:"key"` // municipality code, region name, or "total"
	Name     string  `json:"name"`
	FromUnit int     `json:"from_unit"`
	Basic    int     `json:"basic"`
	Percent  float64 `json:"percent"`
}

// Point is the consolidation on one day.
type Point struct {
	Day     string             `json:"day"`
	Total   float64            `json:"total"`
	Regions map[string]float64 `json:"regions"`
}

// Overview is the consolidation overview for governance.
type Overview struct {
	Basic          int     `json:"basic_services"`
	Total          Share   `json:"total"`
	Regions        []Share `json:"regions"`
	Municipalities []Share `json:"municipalities"` // those in the caller's reach
	History        []Point `json:"history"`        // month ends, oldest first
}

// Overview computes the share of basic services bought from the supplying
// unit today, per municipality (within sc's reach), per region and in total
// (over all), and the same at each of the last months month ends.
func (s *Service) Overview(ctx context.Context, sc access.Scope, months int) (Overview, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Overview{}, errs.E(errs.Unauthorized, "log in first")
	}
	if months < 1 || months > 60 {
		return Overview{}, errs.Field("months", "months must be 1–60")
	}
	basic, err := s.basicServices(ctx, sc)
	if err != nil {
		return Overview{}, err
	}
	isBasic := map[string]bool{}
	for _, b := range basic {
		isBasic[b] = true
	}
	type muni struct {
		id                 int64
		code, name, region string
		visible            bool
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, COALESCE(code, ''), name, region, `+sc.OrgPredicate("id", &a)+
		` FROM organizations WHERE kind = 'municipality' ORDER BY name`, a.Values()...)
	if err != nil {
		return Overview{}, errs.Wrap(err, "cannot list municipalities")
	}
	var ms []muni
	for rows.Next() {
		var m muni
		if err := rows.Scan(&m.id, &m.code, &m.name, &m.region, &m.visible); err != nil {
			rows.Close()
			return Overview{}, errs.Wrap(err, "cannot read municipality")
		}
		ms = append(ms, m)
	}
	rows.Close()
	spans, err := s.ord.Spans(ctx, 0)
	if err != nil {
		return Overview{}, err
	}
	// counts returns, at instant t, how many basic services each
	// municipality buys from its unit (distinct services).
	counts := func(t time.Time) map[int64]int {
		seen := map[[2]any]bool{}
		out := map[int64]int{}
		for _, sp := range spans {
			k := [2]any{sp.MunicipalityID, sp.Service}
			if isBasic[sp.Service] && sp.ActiveOn(t) && !seen[k] {
				seen[k] = true
				out[sp.MunicipalityID]++
			}
		}
		return out
	}
	pct := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return float64(int(float64(n)*1000/float64(d)+0.5)) / 10
	}
	ov := Overview{Basic: len(basic)}
	now := time.Now()
	c := counts(now)
	regions := map[string]*Share{}
	var regionNames []string
	total := Share{Key: "total", Name: "total"}
	for _, m := range ms {
		n := c[m.id]
		if m.visible {
			ov.Municipalities = append(ov.Municipalities, Share{Key: m.code, Name: m.name, FromUnit: n, Basic: len(basic), Percent: pct(n, len(basic))})
		}
		r, ok := regions[m.region]
		if !ok {
			r = &Share{Key: m.region, Name: m.region}
			regions[m.region] = r
			regionNames = append(regionNames, m.region)
		}
		r.FromUnit += n
		r.Basic += len(basic)
		total.FromUnit += n
		total.Basic += len(basic)
	}
	sort.Strings(regionNames)
	for _, name := range regionNames {
		r := regions[name]
		r.Percent = pct(r.FromUnit, r.Basic)
		ov.Regions = append(ov.Regions, *r)
	}
	total.Percent = pct(total.FromUnit, total.Basic)
	ov.Total = total
	loc := locale.Copenhagen
	today := now.In(loc)
	for i := months - 1; i >= 0; i-- {
		// The last instant of the month i months ago (today for this month).
		first := time.Date(today.Year(), today.Month()-time.Month(i), 1, 0, 0, 0, 0, loc)
		end := first.AddDate(0, 1, 0).Add(-time.Second)
		if i == 0 {
			end = now
		}
		c := counts(end)
		p := Point{Day: end.In(loc).Format(time.DateOnly), Regions: map[string]float64{}}
		num, den := map[string]int{}, map[string]int{}
		all := 0
		for _, m := range ms {
			num[m.region] += c[m.id]
			den[m.region] += len(basic)
			all += c[m.id]
		}
		for _, r := range regionNames {
			p.Regions[r] = pct(num[r], den[r])
		}
		p.Total = pct(all, len(ms)*len(basic))
		ov.History = append(ov.History, p)
	}
	return ov, nil
}
