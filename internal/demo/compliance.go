package demo

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/org"
)

// LoadCompliance gives the demo realistic, partial assessments: every
// municipality and unit has answered part of ISO/IEC 27001:2022 Annex A
// (the units more of it, and more of it met), some of the technical
// minimum requirements and, the municipalities, of GDPR; the rest shows
// as derived through the mappings or not yet assessed. København rests
// logging, second factors and patching on samdrift's live checks. The
// register holds an approved logging standard most units have
// acknowledged, the common best-practice framework, a backup procedure in
// consultation and a draft. It installs the shipped frameworks first, and
// does nothing when the register has documents; it reports whether it
// loaded anything.
func LoadCompliance(ctx context.Context, c *compliance.Service, orgs *org.Service) (bool, error) {
	sc := access.System("demo")
	if _, err := c.InstallBuiltin(ctx); err != nil {
		return false, err
	}
	if list, err := c.Standards(ctx, sc, compliance.StandardFilter{}); err != nil || len(list) > 0 {
		return false, err
	}
	reqs := map[string][]compliance.Requirement{}
	for _, fw := range []string{"iso27001-2022", "tmk", "gdpr"} {
		rs, err := c.Requirements(ctx, sc, fw, "", compliance.RequirementFilter{Assessable: true})
		if err != nil {
			return false, err
		}
		reqs[fw] = rs
	}
	var all []org.Organization
	for _, kind := range []org.Kind{"unit", "municipality"} {
		list, _, err := orgs.List(ctx, sc, org.Filter{Kind: kind, Limit: 500})
		if err != nil {
			return false, err
		}
		all = append(all, list...)
	}
	owners := []string{"IT-sikkerhedschef", "Driftschef", "Digitaliseringschef", "DPO", "Infrastrukturteam"}
	for _, o := range all {
		h := fnv.New64a()
		h.Write([]byte(o.Slug))
		r := rand.New(rand.NewPCG(h.Sum64(), 7))
		// How far along the organisation is: units further than most
		// municipalities, and some municipalities well behind.
		level := 0.3 + 0.5*r.Float64()
		if o.Kind == "unit" {
			level = 0.65 + 0.25*r.Float64()
		}
		for _, fw := range []string{"iso27001-2022", "tmk", "gdpr"} {
			if fw == "gdpr" && o.Kind != "municipality" {
				continue
			}
			share := level
			if fw == "tmk" {
				share = level * 0.6
			}
			var rows []compliance.AnswerRow
			for _, q := range reqs[fw] {
				if r.Float64() > share {
					continue
				}
				row := compliance.AnswerRow{Requirement: q.RefID, Owner: owners[r.IntN(len(owners))]}
				m := 1 + int(level*3.5) + r.IntN(2) - 1
				switch x := r.Float64(); {
				case x < level*0.9:
					row.Status = compliance.Met
				case x < level*0.9+0.25:
					row.Status, row.Due, row.Notes = compliance.Partial, "2027-03-31", "Plan vedtaget; gennemføres i 1. kvartal."
					m--
				case x < 0.97:
					row.Status, row.Due = compliance.NotMet, "2027-06-30"
					if r.IntN(4) == 0 {
						row.Due = "2026-10-31" // a gap past its due date
					}
					m = max(0, m-2)
				case strings.HasPrefix(q.RefID, "A.7."):
					// Physical controls: a unit's data centre, not the town hall.
					row.Status, row.Reason = compliance.NotApplicable, "Fysisk sikring af serverrum varetages af driftsenheden."
				default:
					row.Status, row.Due = compliance.NotMet, "2027-06-30"
				}
				m = min(max(m, 0), 5)
				row.Maturity = &m
				rows = append(rows, row)
			}
			if o.Code == "101" && fw == "iso27001-2022" {
				rows = liveRows(rows)
			}
			if len(rows) == 0 {
				continue
			}
			if _, err := c.ImportAnswers(ctx, sc, o.Slug, fw, rows); err != nil {
				return false, err
			}
		}
	}
	if err := loadRegister(ctx, c, all); err != nil {
		return false, err
	}
	for _, ev := range []compliance.NewEvidence{
		{Title: "Informationssikkerhedspolitik 2026", URL: "https://www.kk.dk/politikker/informationssikkerhed", Owner: "IT-sikkerhedschef", ExpiresAt: "2027-06-30",
			Requirements: []compliance.RequirementRef{{Framework: "iso27001-2022", RefID: "A.5.1"}}},
		{Title: "Beredskabsplan for IT", URL: "https://intra.kk.dk/beredskab/it", Owner: "Driftschef", ExpiresAt: "2026-12-20",
			Requirements: []compliance.RequirementRef{{Framework: "iso27001-2022", RefID: "A.5.29"}, {Framework: "iso27001-2022", RefID: "A.5.30"}}},
	} {
		if _, err := c.AddEvidence(ctx, sc, "101", ev); err != nil {
			return false, err
		}
	}
	if _, err := c.Evaluate(ctx, true); err != nil {
		return false, err
	}
	return true, nil
}

// liveRows makes København rest logging, second factors and patching on
// the live checks.
func liveRows(rows []compliance.AnswerRow) []compliance.AnswerRow {
	live := map[string]string{"A.8.15": "log-coverage", "A.8.5": "mfa-privileged", "A.8.8": "vulnerabilities-patched"}
	for i := range rows {
		if chk, ok := live[rows[i].Requirement]; ok {
			rows[i].Status, rows[i].LiveCheck, rows[i].Reason = compliance.Met, chk, ""
			delete(live, rows[i].Requirement)
		}
	}
	for ref, chk := range live {
		rows = append(rows, compliance.AnswerRow{Requirement: ref, Status: compliance.Met, LiveCheck: chk, Owner: "IT-sikkerhedschef"})
	}
	return rows
}

func loadRegister(ctx context.Context, c *compliance.Service, all []org.Organization) error {
	sc := access.System("demo")
	s := func(v string) *string { return &v }
	refs := func(pairs ...string) []compliance.RequirementRef {
		var out []compliance.RequirementRef
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, compliance.RequirementRef{Framework: pairs[i], RefID: pairs[i+1]})
		}
		return out
	}
	type doc struct {
		n        compliance.NewStandard
		status   string
		record   string
		ackShare int // of every 5 units
	}
	docs := []doc{
		{n: compliance.NewStandard{Ref: "FS-LOG-01", Title: "Fælles logningsstandard", Kind: "standard", Owner: "Sekretariatet for fælles drift",
			Summary: "Hvilke kilder hver kommune og enhed logger fra, hvordan loggene sendes til den fælles platform, og hvor længe de gemmes (395 dage).",
			URL:     "https://samdrift.example/standarder/fs-log-01", ReviewDue: "2027-09-01",
			Requirements: refs("iso27001-2022", "A.8.15", "iso27001-2022", "A.8.16", "tmk", "16", "nis2-dk", "Art. 21(2)(b)")},
			status: compliance.Approved, record: "IT-arkitekturrådet 2026-09-17, pkt. 4", ackShare: 4},
		{n: compliance.NewStandard{Ref: "FS-BP-01", Title: "Fælles best-practice-ramme for drift", Kind: "best-practice", Owner: "IT-arkitekturrådet",
			Summary:      "Den fælles ramme enhederne arbejder efter: ISO/IEC 27001:2022 som grundlag, statens tekniske minimumskrav som bund og NIS2 som lovkrav.",
			Requirements: refs("iso27001-2022", "A.5.1", "iso27001-2022", "A.5.36")},
			status: compliance.Approved, record: "IT-arkitekturrådet 2026-06-12, pkt. 2", ackShare: 5},
		{n: compliance.NewStandard{Ref: "FS-BACKUP-01", Title: "Backup og testet gendannelse", Kind: "procedure", Owner: "Sekretariatet for fælles drift",
			Summary:      "Daglig backup af kritiske systemer, kopi uden for netværket, og en gendannelsestest hver måned med dokumenteret resultat.",
			Requirements: refs("iso27001-2022", "A.8.13", "nis2-dk", "Art. 21(2)(c)")},
			status: compliance.Consultation},
		{n: compliance.NewStandard{Ref: "FS-PATCH-01", Title: "Sikkerhedsopdateringer inden for fælles frister", Kind: "procedure", Owner: "CERT",
			Summary:      "Frister for sikkerhedsopdateringer efter alvor og CISA KEV, og hvordan undtagelser godkendes.",
			Requirements: refs("iso27001-2022", "A.8.8", "tmk", "5")},
			status: compliance.Draft},
	}
	var units []org.Organization
	for _, o := range all {
		if o.Kind == "unit" {
			units = append(units, o)
		}
	}
	statuses := []string{"implemented", "implemented", "implementing", "acknowledged"}
	for _, d := range docs {
		st, err := c.AddStandard(ctx, sc, d.n)
		if err != nil {
			return err
		}
		switch d.status {
		case compliance.Consultation:
			_, err = c.ChangeStandard(ctx, sc, st.ID, compliance.StandardChange{Status: s(compliance.Consultation), ConsultationUntil: s("2027-01-31"), Revision: st.Revision})
		case compliance.Approved:
			st, err = c.ChangeStandard(ctx, sc, st.ID, compliance.StandardChange{Status: s(compliance.Approved), ApprovalRecord: s(d.record), Revision: st.Revision})
			for i, u := range units {
				if err != nil || i*5 >= d.ackShare*len(units) {
					break
				}
				_, err = c.Acknowledge(ctx, sc, st.ID, compliance.AckChange{Org: u.Slug, Status: statuses[i%len(statuses)]})
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
