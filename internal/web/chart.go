package web

import (
	"fmt"
	"strings"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/transition"
)

// chart is a server-rendered SVG line chart: coordinates are computed here,
// the markup is in the template (html/template escapes every label).
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
}

type chartLine struct {
	Name   string
	Points string // "x,y x,y …"
	Class  string // colour class
	Dash   string // stroke-dasharray, so lines differ without colour
	Width  float64
	EndX   float64
	EndY   float64
	Last   string
}

type chartTick struct {
	Pos   float64
	Label string
}

// series is one line of a percentChart.
type series struct {
	Name, Class, Dash string
	Width             float64
	Values            []float64 // one per label
}

// percentChart draws series of percentages over labels (months, days),
// the y axis from 0 to the next ten above the highest value (at most 100).
func percentChart(title string, labels []string, ss []series, v view) chart {
	maxPct := 10.0
	for _, sr := range ss {
		for _, val := range sr.Values {
			maxPct = max(maxPct, val)
		}
	}
	return lineChart(title, labels, ss, min(float64(int(maxPct/10)+1)*10, 100), v.Pct)
}

// lineChart draws series over labels with the y axis from 0 to top, its
// values shown with label.
func lineChart(title string, labels []string, ss []series, top float64, label func(float64) string) chart {
	c := chart{Width: 860, Height: 360, Left: 56, Top: 16, PlotW: 620, PlotH: 290, Title: title, ID: "chart"}
	c.Right, c.TickX, c.LabelY = c.Left+c.PlotW, c.Left-6, c.Top+c.PlotH+18
	n := len(labels)
	if n == 0 || top <= 0 {
		return c
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(c.Left)
		}
		return float64(c.Left) + float64(i)*float64(c.PlotW)/float64(n-1)
	}
	y := func(val float64) float64 { return float64(c.Top) + float64(c.PlotH)*(1-val/top) }
	for t := 0.0; t <= top+top/1000; t += top / 5 {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(t), Label: label(t)})
	}
	for i, l := range labels {
		if n <= 12 || i%2 == 0 || i == n-1 {
			c.XTicks = append(c.XTicks, chartTick{Pos: x(i), Label: l})
		}
	}
	for _, sr := range ss {
		var pts []string
		for i, val := range sr.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(val)))
		}
		last := sr.Values[len(sr.Values)-1]
		c.Lines = append(c.Lines, chartLine{Name: sr.Name, Points: strings.Join(pts, " "), Class: sr.Class, Dash: sr.Dash, Width: sr.Width,
			EndX: x(len(sr.Values)-1) + 6, EndY: y(last) + 4, Last: label(last)})
	}
	// Keep end labels from overlapping: nudge them apart vertically.
	for i := 1; i < len(c.Lines); i++ {
		for j := 0; j < i; j++ {
			if d := c.Lines[i].EndY - c.Lines[j].EndY; d > -12 && d < 12 {
				c.Lines[i].EndY = c.Lines[j].EndY + 12
			}
		}
	}
	return c
}

// dashes tell lines apart without colour.
var dashes = []string{"6 3", "2 3", "8 3 2 3", "1 2", "10 4"}

// consolidationChart draws the share of basic services bought from the
// units at each month end: the total and each region.
func consolidationChart(ov transition.Overview, v view) chart {
	var labels []string
	for _, p := range ov.History {
		labels = append(labels, p.Day[:7])
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
	return percentChart(v.T("transition.chart"), labels, append(ss, total), v)
}

// exposureChart draws open vulnerabilities per unit at each week's end,
// and (dashed, thick) how many of all were overdue.
func exposureChart(ex cert.Exposure, v view) chart {
	labels := make([]string, len(ex.Weeks))
	for i, w := range ex.Weeks {
		labels[i] = w.Format("02.01")
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
	c := lineChart(v.T("exposure.title"), labels, append(ss, overdue), float64(int(top*1.1)+1), func(x float64) string { return v.Num(x, 0) })
	c.ID = "exposure"
	return c
}
