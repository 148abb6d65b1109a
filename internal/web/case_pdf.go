package web

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/soc"
)

// draftPDF renders a report draft as an A4 PDF in lang, for the person
// who submits it through the national reporting solution. The core
// fonts cover Danish letters through the cp1252 translator.
func draftPDF(d soc.Draft, lang Lang) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(lang.T("report."+d.Kind)+" — "+d.Title, true)
	p.SetCreator("samdrift", true)
	p.SetCreationDate(d.GeneratedAt)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 20)
	p.AddPage()
	at := func(t time.Time) string { return t.In(copenhagen).Format("2006-01-02 15:04 MST") }
	p.SetFont("Helvetica", "B", 16)
	p.MultiCell(0, 8, tr(lang.T("report."+d.Kind)), "", "L", false)
	p.SetFont("Helvetica", "", 10)
	p.MultiCell(0, 5, tr(lang.T("draft.notice")), "", "L", false)
	p.Ln(3)
	row := func(label, value string) {
		if strings.TrimSpace(value) == "" {
			value = "—"
		}
		p.SetFont("Helvetica", "B", 10)
		p.MultiCell(0, 6, tr(label), "", "L", false)
		p.SetFont("Helvetica", "", 10)
		p.MultiCell(0, 5, tr(value), "", "L", false)
		p.Ln(2)
	}
	due := "—"
	if d.Due != nil {
		due = at(*d.Due)
	}
	org := d.Organisation
	if d.OrgCode != "" {
		org += " (" + d.OrgCode + ")"
	}
	row(lang.T("draft.org"), org)
	row(lang.T("draft.case"), "#"+strconv.FormatInt(d.CaseID, 10)+" "+d.Title)
	row(lang.T("draft.aware"), at(d.AwareAt))
	row(lang.T("draft.due"), due)
	row(lang.T("draft.what"), lang.T("casekind."+d.CaseKind)+". "+d.WhatHappened)
	row(lang.T("draft.malicious"), lang.T("tri."+d.Malicious))
	row(lang.T("draft.crossborder"), lang.T("tri."+d.CrossBorder))
	crit := make([]string, len(d.Criteria))
	for i, c := range d.Criteria {
		crit[i] = lang.T("nis2crit." + c)
	}
	row(lang.T("draft.severity"), lang.T("severity."+d.Severity)+". "+strings.Join(crit, "; "))
	row(lang.T("draft.impact"), d.Impact)
	var iocs []string
	for _, o := range d.Indicators {
		iocs = append(iocs, lang.T("obs."+o.Kind)+": "+o.Value)
	}
	row(lang.T("draft.iocs"), strings.Join(iocs, "\n"))
	var done []string
	for _, t := range d.TasksDone {
		done = append(done, "• "+taskTitle(lang, t))
	}
	row(lang.T("draft.mitigations"), strings.TrimSpace(d.Mitigations+"\n"+strings.Join(done, "\n")))
	row(lang.T("draft.status"), lang.T("casestatus."+d.Status))
	p.SetFont("Helvetica", "I", 8)
	p.MultiCell(0, 4, tr(lang.T("draft.generated", at(d.GeneratedAt))), "", "L", false)
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, errs.Wrap(err, "cannot render the report as PDF")
	}
	return b.Bytes(), nil
}

// taskTitle shows a template task in lang, and an analyst's task as typed.
func taskTitle(lang Lang, t soc.Task) string {
	if t.Template != "" {
		if s := lang.T("casetask." + t.Template); s != "casetask."+t.Template {
			return s
		}
	}
	return t.Title
}
