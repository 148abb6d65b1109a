package web

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/transition"
)

// chart is a server-rendered SVG line chart: coordinates are computed here,
// the markup is in the template (html/template escapes every label). Its
// labels never overlap (see chartText and TestChartLabelsDoNotOverlap):
// the x axis shows as many labels as fit, the end labels of the lines are
// spread apart, and the y axis is as wide as its widest label. Behind the
// picture is a table of the same figures for screen readers.
type chart struct {
	Width, Height int
	Left, Top     int
	PlotW, PlotH  int
	Right, TickX  int // right edge of the plot; x of y-axis labels
	LabelY        int // y of x-axis labels
	Lines         []chartLine
	XTicks        []chartTick
	YTicks        []chartTick
	Title         string
	// ID tells several charts on a page apart (for their titles).
	ID string
	// The table behind the chart: its summary, the name of the x axis
	// (month, week …) and one row per label with each line's value.
	TableLabel string
	XName      string
	Rows       []chartRow
}

type chartLine struct {
	Name   string // shown at the line's end (shortened when long)
	Full   string // the whole name, in the table
	Points string // "x,y x,y …"
	Class  string // colour class
	Dash   string // stroke-dasharray, so lines differ without colour
	Width  float64
	EndX   float64
	EndY   float64
	Last   string
}

type chartTick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor of an x-axis label: middle, or start when centred it would stick out left
}

// chartRow is one label's values in the table behind a chart.
type chartRow struct {
	Label string
	Cells []string
}

// series is one line of a percentChart.
type series struct {
	Name, Class, Dash string
	Width             float64
	Values            []float64 // one per label
}

// The geometry of chart text: style.css sets 12 px for .tick and .end in
// SVG units; a character is taken as at most 0.62 of that (digits and
// Latin letters in the sans-serif fonts used are narrower), so boxes
// computed from it are never smaller than the drawn text.
const (
	chartFont      = 12.0
	chartCharWidth = 0.62
	chartGap       = 8.0  // between two x-axis labels
	chartLineGap   = 14.0 // between the baselines of two end labels
	chartNameMax   = 28   // runes of a line's name at its end
)

// chartText is the width of s drawn as chart text.
func chartText(s string) float64 {
	return float64(utf8.RuneCountInString(s)) * chartFont * chartCharWidth
}

// shorten cuts s to n runes, with an ellipsis when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// percentChart draws series of percentages over labels (months, days),
// the y axis from 0 to the next ten above the highest value (at most 100).
func percentChart(title, xName string, labels []string, ss []series, v view) chart {
	maxPct := 10.0
	for _, sr := range ss {
		for _, val := range sr.Values {
			maxPct = max(maxPct, val)
		}
	}
	return lineChart(title, xName, labels, ss, min(float64(int(maxPct/10)+1)*10, 100), v.Pct, v)
}

// lineChart draws series over labels with the y axis from 0 to top, its
// values shown with label; xName names the labels (month, week …) in the
// table behind the chart.
func lineChart(title, xName string, labels []string, ss []series, top float64, label func(float64) string, v view) chart {
	c := chart{Height: 360, Top: 16, PlotW: 620, PlotH: 290, Title: title, ID: "chart", TableLabel: v.T("chart.table"), XName: xName}
	n := len(labels)
	// The y axis is as wide as its widest label.
	var yLabels []string
	if n > 0 && top > 0 {
		for i := range 6 {
			yLabels = append(yLabels, label(top*float64(i)/5))
		}
	}
	widest := 0.0
	for _, l := range yLabels {
		widest = max(widest, chartText(l))
	}
	c.Left = max(56, int(widest)+14)
	c.Right, c.TickX, c.LabelY = c.Left+c.PlotW, c.Left-6, c.Top+c.PlotH+18
	c.Width = c.Right + 40
	if n == 0 || top <= 0 {
		return c
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(c.Left)
		}
		return float64(c.Left) + float64(i)*float64(c.PlotW)/float64(n-1)
	}
	y := func(val float64) float64 { return float64(c.Top) + float64(c.PlotH)*(1-min(max(val, 0), top)/top) }
	for i, l := range yLabels {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(top * float64(i) / 5), Label: l})
	}
	c.XTicks = xTicks(labels, x)
	for _, t := range c.XTicks {
		if t.Anchor == "middle" {
			c.Width = max(c.Width, int(t.Pos+chartText(t.Label)/2)+4)
		} else if t.Anchor == "start" {
			c.Width = max(c.Width, int(t.Pos+chartText(t.Label))+4)
		}
	}
	for _, sr := range ss {
		if len(sr.Values) == 0 {
			continue
		}
		var pts []string
		for i, val := range sr.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(val)))
		}
		last := sr.Values[len(sr.Values)-1]
		ln := chartLine{Name: shorten(sr.Name, chartNameMax), Full: sr.Name, Points: strings.Join(pts, " "), Class: sr.Class, Dash: sr.Dash, Width: sr.Width,
			EndX: x(len(sr.Values)-1) + 6, EndY: y(last) + 4, Last: label(last)}
		c.Lines = append(c.Lines, ln)
		c.Width = max(c.Width, int(ln.EndX+chartText(ln.Name+" "+ln.Last))+4)
	}
	spreadEnds(c.Lines, float64(c.Top)+chartFont, float64(c.Top+c.PlotH)+4)
	for i, l := range labels {
		row := chartRow{Label: l}
		for _, sr := range ss {
			if len(sr.Values) == 0 {
				continue // no line, no column
			}
			if i < len(sr.Values) {
				row.Cells = append(row.Cells, label(sr.Values[i]))
			} else {
				row.Cells = append(row.Cells, "–")
			}
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// xTicks picks the labels of the x axis that fit side by side: every
// step-th, where step makes room for the widest, and always the last
// (dropping the one before it when they would touch). A label that
// would stick out left of the picture starts at its point instead.
func xTicks(labels []string, x func(int) float64) []chartTick {
	n := len(labels)
	if n == 0 {
		return nil
	}
	widest := 0.0
	for _, l := range labels {
		widest = max(widest, chartText(l))
	}
	step := 1
	if n > 1 {
		spacing := x(1) - x(0)
		step = max(1, int(math.Ceil((widest+chartGap)/spacing)))
	}
	var picked []int
	for i := 0; i < n; i += step {
		picked = append(picked, i)
	}
	if lastPicked := picked[len(picked)-1]; lastPicked != n-1 {
		if x(n-1)-x(lastPicked) < widest+chartGap {
			picked = picked[:len(picked)-1]
		}
		picked = append(picked, n-1)
	}
	var out []chartTick
	for _, i := range picked {
		t := chartTick{Pos: x(i), Label: labels[i], Anchor: "middle"}
		if t.Pos-chartText(t.Label)/2 < 2 && t.Pos >= 2 {
			t.Anchor = "start"
		}
		out = append(out, t)
	}
	// A start-anchored first label is wider to the right: make sure it
	// does not reach the next one.
	if len(out) > 1 && out[0].Anchor == "start" && out[0].Pos+chartText(out[0].Label)+chartGap > out[1].Pos-chartText(out[1].Label)/2 {
		out = out[1:]
	}
	return out
}

// spreadEnds moves the end labels of lines apart so that no two are
// closer than a line, keeping each as near its line as it can and all
// between minY and maxY (their baselines).
func spreadEnds(lines []chartLine, minY, maxY float64) {
	if len(lines) == 0 {
		return
	}
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lines[order[a]].EndY < lines[order[b]].EndY })
	ys := make([]float64, len(order))
	for k, i := range order {
		ys[k] = min(max(lines[i].EndY, minY), maxY)
	}
	for k := 1; k < len(ys); k++ { // downwards
		ys[k] = max(ys[k], ys[k-1]+chartLineGap)
	}
	if ys[len(ys)-1] > maxY { // too low: push back up
		ys[len(ys)-1] = maxY
		for k := len(ys) - 2; k >= 0; k-- {
			ys[k] = min(ys[k], ys[k+1]-chartLineGap)
		}
	}
	for k, i := range order {
		lines[i].EndY = ys[k]
	}
}

// dashes tell lines apart without colour.
var dashes = []string{"6 3", "2 3", "8 3 2 3", "1 2", "10 4"}

// consolidationChart draws the share of basic services bought from the
// units at each month end: the total and each region.
func consolidationChart(ov transition.Overview, v view) chart {
	var labels []string
	for _, p := range ov.History {
		labels = append(labels, v.Month(p.Day[:7]))
	}
	var ss []series
	for i, r := range ov.Regions {
		sr := series{Name: strings.TrimPrefix(r.Key, "Region "), Class: fmt.Sprintf("series%d", i), Dash: dashes[i%len(dashes)], Width: 2}
		for _, p := range ov.History {
			sr.Values = append(sr.Values, p.Regions[r.Key])
		}
		ss = append(ss, sr)
	}
	total := series{Name: v.T("orders.all"), Class: "total", Width: 4}
	for _, p := range ov.History {
		total.Values = append(total.Values, p.Total)
	}
	return percentChart(v.T("transition.chart"), v.T("chart.month"), labels, append(ss, total), v)
}

// exposureChart draws open vulnerabilities per unit at each week's end,
// and (dashed, thick) how many of all were overdue.
func exposureChart(ex cert.Exposure, v view) chart {
	labels := make([]string, len(ex.Weeks))
	for i, w := range ex.Weeks {
		labels[i] = locale.DayMonth(v.lang(), w)
	}
	var ss []series
	overdue := series{Name: v.T("exposure.overdue"), Class: "total", Dash: "4 3", Width: 3, Values: make([]float64, len(ex.Weeks))}
	top := 1.0
	for i, sr := range ex.Series {
		name := sr.UnitName
		if sr.UnitID == 0 {
			name = v.T("exposure.nounit")
		}
		line := series{Name: strings.TrimPrefix(name, "Enhed "), Class: fmt.Sprintf("series%d", i%5), Dash: dashes[i%len(dashes)], Width: 2}
		for j := range ex.Weeks {
			line.Values = append(line.Values, float64(sr.Open[j]))
			overdue.Values[j] += float64(sr.Overdue[j])
			top = max(top, float64(sr.Open[j]))
		}
		ss = append(ss, line)
	}
	c := lineChart(v.T("exposure.title"), v.T("chart.week"), labels, append(ss, overdue), float64(int(top*1.1)+1), func(x float64) string { return v.Num(x, 0) }, v)
	c.ID = "exposure"
	return c
}
