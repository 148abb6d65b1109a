package web

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/locale"
)

// reportPDF renders the monthly governance report as an A4 PDF in lang:
// the frameworks with bars of their average score, the units with their
// municipalities, who is behind, the live checks, the standards and the
// trend as a chart. The core fonts cover Danish letters through the
// cp1252 translator.
func reportPDF(rep compliance.Report, month string, lang Lang) ([]byte, error) {
	v := view{Lang: lang}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(lang.T("report.compliance.title")+" "+month, true)
	p.SetCreator("samdrift", true)
	p.SetCreationDate(rep.GeneratedAt)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.AddPage()
	p.SetFont("Helvetica", "B", 17)
	p.MultiCell(0, 8, tr(lang.T("report.compliance.title")+" – "+month), "", "L", false)
	p.SetFont("Helvetica", "", 9)
	p.MultiCell(0, 5, tr(lang.T("report.compliance.generated", locale.DateTime(string(lang), rep.GeneratedAt))), "", "L", false)
	p.Ln(3)
	heading := func(s string) {
		p.Ln(2)
		p.SetFont("Helvetica", "B", 12)
		p.MultiCell(0, 7, tr(s), "", "L", false)
		p.SetFont("Helvetica", "", 9)
	}
	score := func(x *float64) string {
		if x == nil {
			return "–"
		}
		return v.Percent(*x, 0)
	}
	// Frameworks with bars.
	heading(lang.T("report.compliance.frameworks"))
	for _, f := range rep.Frameworks {
		p.SetFont("Helvetica", "B", 9)
		p.MultiCell(0, 5, tr(f.Name), "", "L", false)
		y := p.GetY()
		p.SetFillColor(230, 233, 237)
		p.Rect(18, y+1, 130, 4, "F")
		if f.Average != nil {
			r, g, b := heatRGB(f.Average)
			p.SetFillColor(r, g, b)
			p.Rect(18, y+1, 130**f.Average/100, 4, "F")
		}
		p.SetXY(150, y)
		p.CellFormat(20, 6, score(f.Average), "", 1, "L", false, 0, "")
		p.SetFont("Helvetica", "", 8)
		p.MultiCell(0, 4, tr(lang.T("report.compliance.assessed", f.Assessed, f.Orgs, f.Overdue)), "", "L", false)
		p.Ln(1)
		p.SetFont("Helvetica", "", 9)
	}
	// Units and their municipalities.
	heading(lang.T("report.compliance.units"))
	p.SetFont("Helvetica", "B", 8)
	p.CellFormat(58, 6, tr(lang.T("compliance.org")), "B", 0, "L", false, 0, "")
	for _, f := range rep.Frameworks {
		p.CellFormat(28, 6, tr(f.ID), "B", 0, "R", false, 0, "")
	}
	p.Ln(-1)
	p.SetFont("Helvetica", "", 8)
	for _, u := range rep.Units {
		p.CellFormat(58, 5, tr(u.Name), "", 0, "L", false, 0, "")
		for i := range rep.Frameworks {
			p.CellFormat(28, 5, score(u.Own[i])+" / "+score(u.Served[i]), "", 0, "R", false, 0, "")
		}
		p.Ln(-1)
	}
	p.SetFont("Helvetica", "I", 7)
	p.MultiCell(0, 4, tr(lang.T("report.compliance.unitsnote")), "", "L", false)
	// Who is behind.
	heading(lang.T("report.compliance.behind"))
	if len(rep.Behind) == 0 {
		p.MultiCell(0, 5, tr(lang.T("report.compliance.nobehind")), "", "L", false)
	}
	for _, o := range rep.Behind {
		p.CellFormat(90, 5, tr(o.Name), "", 0, "L", false, 0, "")
		p.CellFormat(40, 5, tr(lang.T("compliance.overduen", o.Overdue)), "", 0, "L", false, 0, "")
		p.CellFormat(0, 5, score(o.Score), "", 1, "R", false, 0, "")
	}
	// Live checks as stacked bars.
	heading(lang.T("compliance.live"))
	p.SetFont("Helvetica", "I", 7)
	p.MultiCell(0, 4, tr(lang.T("report.compliance.barlegend")), "", "L", false)
	p.SetFont("Helvetica", "", 9)
	for _, c := range rep.Checks {
		title := c.Title
		if lang == Danish {
			title = c.TitleDA
		}
		y := p.GetY()
		p.MultiCell(90, 4, tr(title), "", "L", false)
		below := p.GetY()
		total := float64(c.Pass + c.Fail + c.Unknown)
		if total > 0 {
			x := 112.0
			for _, part := range []struct {
				n       int
				r, g, b int
			}{{c.Pass, 46, 125, 50}, {c.Fail, 183, 28, 28}, {c.Unknown, 170, 175, 182}} {
				w := 60 * float64(part.n) / total
				p.SetFillColor(part.r, part.g, part.b)
				p.Rect(x, y+0.5, w, 3.5, "F")
				x += w
			}
		}
		p.SetXY(174, y)
		p.CellFormat(18, 4, strconv.Itoa(c.Pass)+"/"+strconv.Itoa(c.Fail), "", 1, "R", false, 0, "")
		p.SetY(max(below, y+5) + 1)
	}
	// Standards.
	heading(lang.T("standards.title"))
	for _, s := range rep.Standards {
		line := s.Ref + " " + s.Title + " – " + lang.T("standards.status."+s.Status)
		if s.Status == compliance.Approved {
			line += "; " + lang.T("standards.ackline", s.Acks["implemented"], s.Acks["implementing"], s.Acks["acknowledged"], s.Pending)
		}
		p.MultiCell(0, 5, tr(line), "", "L", false)
	}
	// The trend.
	if len(trendPeriods(rep.Trend)) > 1 {
		if p.GetY() > 200 {
			p.AddPage()
		}
		heading(lang.T("compliance.trendtitle"))
		drawTrend(p, tr, rep.Trend, v)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("cannot write the report: %w", err)
	}
	return buf.Bytes(), nil
}

// heatRGB is the heatmap's colour for a score, for print.
func heatRGB(x *float64) (int, int, int) {
	switch heatClass(x) {
	case "heat-4":
		return 46, 125, 50
	case "heat-3":
		return 124, 179, 66
	case "heat-2":
		return 251, 192, 45
	case "heat-1":
		return 245, 124, 0
	case "heat-0":
		return 198, 40, 40
	}
	return 170, 175, 182
}

// drawTrend draws each framework's score over the quarters, 0–100 %.
func drawTrend(p *fpdf.Fpdf, tr func(string) string, ts []compliance.Trend, v view) {
	labels := trendPeriods(ts)
	if len(labels) < 2 {
		return
	}
	x0, y0, w, h := 30.0, p.GetY()+2, 140.0, 60.0
	p.SetDrawColor(200, 205, 210)
	p.SetFont("Helvetica", "", 7)
	for _, pct := range []float64{0, 25, 50, 75, 100} {
		y := y0 + h - h*pct/100
		p.Line(x0, y, x0+w, y)
		p.SetXY(x0-14, y-2)
		p.CellFormat(12, 4, v.Percent(pct, 0), "", 0, "R", false, 0, "")
	}
	n := len(labels)
	step := w
	if n > 1 {
		step = w / float64(n-1)
	}
	for i, l := range labels {
		p.SetXY(x0+float64(i)*step-8, y0+h+1)
		p.CellFormat(16, 4, l, "", 0, "C", false, 0, "")
	}
	colours := [][3]int{{11, 79, 138}, {183, 28, 28}, {46, 125, 50}, {245, 124, 0}, {106, 27, 154}}
	for i, t := range ts {
		col := colours[i%len(colours)]
		p.SetDrawColor(col[0], col[1], col[2])
		p.SetLineWidth(0.6)
		at := map[string]float64{}
		for _, pt := range t.Points {
			if pt.Score != nil {
				at[pt.Period] = *pt.Score
			}
		}
		var px, py float64
		last, started := 0.0, false
		for j, l := range labels {
			if s, ok := at[l]; ok {
				last = s
			}
			x, y := x0+float64(j)*step, y0+h-h*last/100
			if started {
				p.Line(px, py, x, y)
			} else if n == 1 {
				p.Circle(x, y, 0.8, "F")
			}
			px, py, started = x, y, true
		}
		p.SetTextColor(col[0], col[1], col[2])
		p.SetXY(x0+w+2, py-2)
		p.CellFormat(30, 4, tr(t.Framework), "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.SetLineWidth(0.2)
	p.SetY(y0 + h + 8)
}

// soaPDF renders an assessment as a statement of applicability: every
// assessable requirement with its status (derived ones say from where),
// maturity, owner and reason or notes.
func soaPDF(a compliance.Assessment, lang Lang, now time.Time) ([]byte, error) {
	p := fpdf.New("L", "mm", "A4", "")
	title := lang.T("compliance.soa") + " – " + a.Framework.Name
	p.SetTitle(title+" – "+a.OrgName, true)
	p.SetCreator("samdrift", true)
	p.SetCreationDate(now)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetMargins(12, 12, 12)
	p.SetAutoPageBreak(true, 12)
	p.AddPage()
	p.SetFont("Helvetica", "B", 14)
	p.MultiCell(0, 7, tr(title), "", "L", false)
	p.SetFont("Helvetica", "", 9)
	p.MultiCell(0, 5, tr(a.OrgName+" · "+locale.DateTime(string(lang), now)+" · "+
		lang.T("compliance.countsline", a.Counts.Met, a.Counts.Partial, a.Counts.NotMet, a.Counts.NotAssessed, a.Counts.NotApplicable)), "", "L", false)
	p.Ln(2)
	cols := []struct {
		head string
		w    float64
	}{{lang.T("compliance.req"), 110}, {lang.T("col.status"), 45}, {lang.T("compliance.maturity"), 20}, {lang.T("compliance.owner"), 40}, {lang.T("compliance.notes"), 58}}
	header := func() {
		p.SetFont("Helvetica", "B", 8)
		for _, c := range cols {
			p.CellFormat(c.w, 6, tr(c.head), "B", 0, "L", false, 0, "")
		}
		p.Ln(-1)
		p.SetFont("Helvetica", "", 8)
	}
	header()
	clipText := func(s string, w float64) string {
		for p.GetStringWidth(tr(s)) > w-2 && len([]rune(s)) > 1 {
			r := []rune(s)
			s = string(r[:len(r)-2]) + "…"
		}
		return s
	}
	for _, x := range a.Items {
		if p.GetY() > 190 {
			p.AddPage()
			header()
		}
		if !x.Assessable {
			p.SetFont("Helvetica", "B", 8)
			p.CellFormat(0, 6, tr(clipText(x.RefID+" "+x.Name, 270)), "", 1, "L", false, 0, "")
			p.SetFont("Helvetica", "", 8)
			continue
		}
		status := lang.T("compliance.status." + x.Status)
		if x.Derived != nil {
			status += " (" + x.Derived.Framework + " " + x.Derived.RefID + ")"
		}
		maturity := "–"
		if x.Maturity != nil {
			maturity = strconv.Itoa(*x.Maturity)
		}
		note := x.Reason
		if note == "" {
			note = x.Notes
		}
		vals := []string{x.RefID + " " + x.Name, status, maturity, x.Owner, note}
		for i, c := range cols {
			p.CellFormat(c.w, 5, tr(clipText(vals[i], c.w)), "", 0, "L", false, 0, "")
		}
		p.Ln(-1)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("cannot write the statement of applicability: %w", err)
	}
	return buf.Bytes(), nil
}
