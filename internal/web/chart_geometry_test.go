package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// svgText is a text element of a chart and the box it takes.
type svgText struct {
	Text                     string
	Left, Right, Top, Bottom float64
}

// Text boxes are reckoned from the font size (12 px for the charts'
// .tick and .end, style.css) and the number of characters, each 0.6 of
// the font size wide: the average of digits and Latin letters in common
// sans-serif fonts. (chart.go reckons with 0.62 and a gap, so what it
// lays out fits here with room to spare.)
const (
	testFont      = 12.0
	testCharWidth = 0.6
)

var svgPart = regexp.MustCompile(`(?s)<svg\b.*?</svg>`)

// ChartLabelProblems parses every <svg> of page and reports text that
// overlaps other text or sticks out of the picture (its viewBox).
func ChartLabelProblems(page string) []string {
	var out []string
	for i, svg := range svgPart.FindAllString(page, -1) {
		texts, w, h, err := svgTexts(svg)
		if err != nil {
			out = append(out, fmt.Sprintf("svg %d: %v", i, err))
			continue
		}
		for a := range texts {
			ta := texts[a]
			if ta.Left < 0 || ta.Top < 0 || ta.Right > w || ta.Bottom > h {
				out = append(out, fmt.Sprintf("svg %d: %q [%.0f,%.0f]–[%.0f,%.0f] sticks out of 0 0 %.0f %.0f", i, ta.Text, ta.Left, ta.Top, ta.Right, ta.Bottom, w, h))
			}
			for b := a + 1; b < len(texts); b++ {
				tb := texts[b]
				if ta.Left < tb.Right && tb.Left < ta.Right && ta.Top < tb.Bottom && tb.Top < ta.Bottom {
					out = append(out, fmt.Sprintf("svg %d: %q and %q overlap", i, ta.Text, tb.Text))
				}
			}
		}
	}
	return out
}

// svgTexts reads the text elements of one svg and its viewBox size.
func svgTexts(svg string) (texts []svgText, w, h float64, err error) {
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var cur *svgText
	var anchor, baseline string
	var x, y float64
	var buf strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range t.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch t.Name.Local {
			case "svg":
				vb := strings.Fields(attr["viewBox"])
				if len(vb) != 4 {
					return nil, 0, 0, fmt.Errorf("viewBox %q", attr["viewBox"])
				}
				w, _ = strconv.ParseFloat(vb[2], 64)
				h, _ = strconv.ParseFloat(vb[3], 64)
			case "text":
				cur = &svgText{}
				x, _ = strconv.ParseFloat(attr["x"], 64)
				y, _ = strconv.ParseFloat(attr["y"], 64)
				anchor, baseline = attr["text-anchor"], attr["dominant-baseline"]
				buf.Reset()
			}
		case xml.CharData:
			if cur != nil {
				buf.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local != "text" || cur == nil {
				continue
			}
			cur.Text = strings.Join(strings.Fields(buf.String()), " ")
			width := float64(len([]rune(cur.Text))) * testFont * testCharWidth
			switch anchor {
			case "middle":
				cur.Left = x - width/2
			case "end":
				cur.Left = x - width
			default:
				cur.Left = x
			}
			cur.Right = cur.Left + width
			if baseline == "middle" {
				cur.Top, cur.Bottom = y-testFont/2, y+testFont/2
			} else {
				cur.Top, cur.Bottom = y-0.8*testFont, y+0.2*testFont
			}
			texts = append(texts, *cur)
			cur = nil
		}
	}
	return texts, w, h, nil
}

// TestChartLabelsDoNotOverlap draws charts that crowd their labels (a
// year of long month names, 60 weeks, lines ending at the same value,
// long names, wide axis values) through the real template and checks
// the rendered SVG: no two labels overlap, none leaves the picture, and
// the table behind each chart has a row per label.
func TestChartLabelsDoNotOverlap(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	v := view{Lang: Danish}
	months := func(n int, name string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s %d", name, 2020+i)
		}
		return out
	}
	flat := func(n int, x float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = x
		}
		return out
	}
	rising := func(n int, top float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = top * float64(i) / float64(max(n-1, 1))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		labels []string
		ss     []series
		top    float64
		label  func(float64) string
	}{
		{"a year of long month names", months(12, "september"), []series{{Name: "Hovedstaden", Values: rising(12, 60)}, {Name: "I alt", Values: rising(12, 61)}}, 100, v.Pct},
		{"sixty weeks", months(60, "uge"), []series{{Name: "Enhed Sjælland", Values: rising(60, 9)}}, 10, func(x float64) string { return v.Num(x, 0) }},
		{"five lines ending alike", months(12, "dec."), []series{
			{Name: "Hovedstaden", Values: flat(12, 50)}, {Name: "Sjælland", Values: flat(12, 50.2)}, {Name: "Syddanmark", Values: flat(12, 49.9)},
			{Name: "Midtjylland", Values: flat(12, 50.1)}, {Name: "Nordjylland", Values: flat(12, 50)}, {Name: "I alt", Values: flat(12, 50)}}, 100, v.Pct},
		{"lines ending at zero", months(6, "jan."), []series{{Name: "a", Values: flat(6, 0)}, {Name: "b", Values: flat(6, 0)}, {Name: "c", Values: flat(6, 0)}}, 10, v.Pct},
		{"lines ending at the top", months(6, "jan."), []series{{Name: "a", Values: flat(6, 100)}, {Name: "b", Values: flat(6, 100)}, {Name: "c", Values: flat(6, 100)}}, 100, v.Pct},
		{"a long name", months(4, "maj"), []series{{Name: "Den fælleskommunale driftsenhed for Region Nordjylland og omegn", Values: rising(4, 3)}}, 5, v.Pct},
		{"wide axis values", months(8, "okt."), []series{{Name: "90 %-fraktil", Values: rising(8, 123456)}}, 150000,
			func(h float64) string { return v.Num(h, 1) + " " + "timer" }},
		{"one label", []string{"5. dec. 2026"}, []series{{Name: "I alt", Values: []float64{42}}}, 100, v.Pct},
	} {
		ch := lineChart("Test", "Måned", c.labels, c.ss, c.top, c.label, v)
		var buf bytes.Buffer
		if err := pages["transition"].ExecuteTemplate(&buf, "linechart", ch); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, p := range ChartLabelProblems(buf.String()) {
			t.Errorf("%s: %s", c.name, p)
		}
		if got := strings.Count(buf.String(), `<th scope="row"`); got != len(c.labels) {
			t.Errorf("%s: the table behind the chart has %d rows; want %d", c.name, got, len(c.labels))
		}
		if len(ch.XTicks) == 0 || ch.XTicks[len(ch.XTicks)-1].Label != c.labels[len(c.labels)-1] {
			t.Errorf("%s: the x axis does not end with the last label: %+v", c.name, ch.XTicks)
		}
	}
}

// TestChartGeometryCatchesOverlap: the check itself finds two labels on
// one spot and one outside the picture.
func TestChartGeometryCatchesOverlap(t *testing.T) {
	svg := `<svg viewBox="0 0 100 50"><text x="10" y="20">jan. 2026</text><text x="20" y="22">feb. 2026</text><text x="95" y="40">x</text></svg>`
	got := ChartLabelProblems(svg)
	if len(got) != 2 || !strings.Contains(got[0], "overlap") && !strings.Contains(got[1], "overlap") {
		t.Errorf("ChartLabelProblems = %q; want an overlap and one sticking out", got)
	}
}
