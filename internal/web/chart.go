package web

import (
	"fmt"
	"strings"

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

// consolidationChart draws the share of basic services bought from the
// units at each month end: the total and each region.
func consolidationChart(ov transition.Overview, v view) chart {
	c := chart{Width: 860, Height: 360, Left: 56, Top: 16, PlotW: 620, PlotH: 290, Title: v.T("transition.chart")}
	c.Right, c.TickX, c.LabelY = c.Left+c.PlotW, c.Left-6, c.Top+c.PlotH+18
	n := len(ov.History)
	if n == 0 {
		return c
	}
	x := func(i int) float64 {
		if n == 1 {
			return float64(c.Left)
		}
		return float64(c.Left) + float64(i)*float64(c.PlotW)/float64(n-1)
	}
	maxPct := 10.0
	for _, p := range ov.History {
		maxPct = max(maxPct, p.Total)
		for _, r := range p.Regions {
			maxPct = max(maxPct, r)
		}
	}
	top := float64(int(maxPct/10)+1) * 10
	top = min(top, 100)
	y := func(pct float64) float64 { return float64(c.Top) + float64(c.PlotH)*(1-pct/top) }
	for t := 0.0; t <= top+0.01; t += top / 5 {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(t), Label: v.Pct(t)})
	}
	for i, p := range ov.History {
		if n <= 12 || i%2 == 0 || i == n-1 {
			c.XTicks = append(c.XTicks, chartTick{Pos: x(i), Label: p.Day[:7]})
		}
	}
	dashes := []string{"6 3", "2 3", "8 3 2 3", "1 2", "10 4"}
	line := func(name, class, dash string, width float64, val func(transition.Point) float64) chartLine {
		var pts []string
		for i, p := range ov.History {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(val(p))))
		}
		last := val(ov.History[n-1])
		return chartLine{Name: name, Points: strings.Join(pts, " "), Class: class, Dash: dash, Width: width,
			EndX: x(n-1) + 6, EndY: y(last) + 4, Last: v.Pct(last)}
	}
	for i, r := range ov.Regions {
		name := r.Key
		c.Lines = append(c.Lines, line(strings.TrimPrefix(name, "Region "), fmt.Sprintf("series%d", i), dashes[i%len(dashes)], 2,
			func(p transition.Point) float64 { return p.Regions[name] }))
	}
	c.Lines = append(c.Lines, line(v.T("orders.all"), "total", "", 4, func(p transition.Point) float64 { return p.Total }))
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
