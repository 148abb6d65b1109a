package intel

import (
	"context"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// mispNamespace makes the stable uuids of the events that hold indicators
// without a report.
const mispNamespace = "6f1c1a52-3a8e-4d0f-9a57-2f6c1f2f5e11"

// ExportMISP returns, as MISP events, every threat report sc may read
// whose TLP is at most maxTLP (default all) with its indicators, and one
// event per TLP label for the indicators that came without a report; the
// caller lays them out as a feed (misp.FeedFiles). Each event carries its
// tlp: tag and a distribution that matches it.
func (s *Service) ExportMISP(ctx context.Context, sc access.Scope, maxTLP string) ([]misp.Event, error) {
	if maxTLP == "" {
		maxTLP = "red"
	}
	if err := checkTLP("tlp", maxTLP); err != nil {
		return nil, err
	}
	allowed := tlp.UpTo(maxTLP)
	var a store.Args
	ps := make([]string, len(allowed))
	for i, t := range allowed {
		ps[i] = a.Add(t)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+reportColumns+` FROM intel_reports r WHERE r.tlp IN (`+strings.Join(ps, ", ")+`) AND `+reportVisible(sc, &a)+
		` ORDER BY r.id LIMIT 100000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read threat reports")
	}
	var reps []Report
	for rows.Next() {
		x, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a threat report")
		}
		reps = append(reps, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot read threat reports")
	}
	byReport, loose, err := s.exportIndicators(ctx, sc, allowed)
	if err != nil {
		return nil, err
	}
	// Indicators whose report is not exported (sc may not read it, or it
	// is stricter than maxTLP) go with those that came without one,
	// rather than being left out.
	exported := make(map[int64]bool, len(reps))
	for _, r := range reps {
		exported[r.ID] = true
	}
	for id, inds := range byReport {
		if !exported[id] {
			for _, in := range inds {
				loose[in.TLP] = append(loose[in.TLP], in)
			}
		}
	}
	var out []misp.Event
	for _, r := range reps {
		base := misp.Event{UUID: r.UUID, Info: r.Title, OrgName: orgName(r.Origin), Timestamp: r.AddedAt}
		var e misp.Event
		if inds := byReport[r.ID]; len(inds) > 0 {
			if e, err = misp.EventFromIndicators(base, inds); err != nil {
				return nil, errs.Wrap(err, "cannot export report %d", r.ID)
			}
			withLastSeen(e, inds)
		} else {
			// EventFromIndicators wants indicators; a report without
			// any (that sc may read at this TLP) is an event without
			// attributes.
			e = base
			e.Timestamp = e.Timestamp.Truncate(time.Second)
			y, m, d := e.Timestamp.Date()
			e.Date, e.Published, e.PublishTimestamp, e.Analysis = time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true, e.Timestamp, 2
			e.ThreatLevel = mispThreatLevels[r.Level]
			if e.ThreatLevel == 0 {
				e.ThreatLevel = 4
			}
		}
		e.TLP = stricter(e.TLP, r.TLP)
		out = append(out, e)
	}
	for _, t := range allowed {
		if len(loose[t]) == 0 {
			continue
		}
		e, err := misp.EventFromIndicators(misp.Event{UUID: misp.UUID5(mispNamespace, "loose:"+t), Info: "samdrift: indicators (TLP:" + strings.ToUpper(t) + ")",
			OrgName: "samdrift CERT"}, loose[t])
		if err != nil {
			return nil, errs.Wrap(err, "cannot export the TLP:%s indicators", t)
		}
		withLastSeen(e, loose[t])
		e.TLP = stricter(e.TLP, t)
		out = append(out, e)
	}
	return out, nil
}

// mispThreatLevels maps report levels to MISP threat levels (1 high, 2
// medium, 3 low; the rest 4, undefined).
var mispThreatLevels = map[string]int{"critical": 1, "high": 1, "medium": 2, "low": 3}

// withLastSeen writes each indicator's expiry as its attribute's
// last_seen, which ImportMISPEvent (misp.Event.Indicators) reads back as
// valid_until; EventFromIndicators leaves it out.
func withLastSeen(e misp.Event, inds []indicator.Indicator) {
	until := map[string]time.Time{}
	for _, in := range inds {
		if in.ValidUntil != nil {
			until[in.Value] = in.ValidUntil.UTC()
		}
	}
	for i := range e.Attributes {
		if u, ok := until[e.Attributes[i].Value]; ok {
			e.Attributes[i].LastSeen = &u
		}
	}
}

func orgName(origin string) string {
	if origin == "" {
		return "samdrift CERT"
	}
	return origin
}

// exportIndicators reads the indicators sc may read of the allowed TLPs,
// by report and (without one) by TLP.
func (s *Service) exportIndicators(ctx context.Context, sc access.Scope, allowed []string) (map[int64][]indicator.Indicator, map[string][]indicator.Indicator, error) {
	byReport, loose := map[int64][]indicator.Indicator{}, map[string][]indicator.Indicator{}
	var after int64
	for {
		var a store.Args
		ps := make([]string, len(allowed))
		for i, t := range allowed {
			ps[i] = a.Add(t)
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM indicators WHERE id > `+a.Add(after)+` AND tlp IN (`+strings.Join(ps, ", ")+`) AND `+
			detect.IndicatorVisible(sc, &a)+` ORDER BY id LIMIT 10000`, a.Values()...)
		if err != nil {
			return nil, nil, errs.Wrap(err, "cannot read indicators")
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, errs.Wrap(err, "cannot read indicators")
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return byReport, loose, nil
		}
		inds, err := detect.IndicatorsByID(ctx, s.db.Reader(), sc, ids)
		if err != nil {
			return nil, nil, err
		}
		for _, in := range inds {
			if in.ReportID != 0 {
				byReport[in.ReportID] = append(byReport[in.ReportID], in)
			} else {
				loose[in.TLP] = append(loose[in.TLP], in)
			}
		}
		after = ids[len(ids)-1]
	}
}
