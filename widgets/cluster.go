package widgets

import (
	"math"
)

// Clustering: when zoomed out, point features of a layer are binned into a
// grid of clusterCellUnits squares anchored to the Mercator world (so the
// bins do not shuffle while panning). A cell holding clusterMinMembers or
// more ordinary features is drawn as one cluster marker at their centroid,
// showing the count and the worst colour of its fresh members. Features with
// Severity > 0 are never put into clusters.
const (
	clusterCellUnits  = 64   // side of a clustering cell, Fyne units (Leaflet's marker clusters use 80 px)
	clusterMinMembers = 3    // fewer features than this in a cell are drawn one by one
	clusterMaxZoom    = 17.5 // at or above this zoom nothing is clustered
	markMarginUnits   = 24   // features this far outside the widget are still laid out (their markers reach in)
)

// Marker sizes in Fyne units.
const (
	pointRadiusUnits   = 5.0  // an ordinary point feature
	clusterRadiusUnits = 9.0  // the smallest cluster; grows with log10(count)
	clusterGrowthUnits = 2.5  // cluster radius added per tenfold count
	clusterMaxRadius   = 18.0 // the largest cluster
)

// severeRadiusUnits is the marker radius by severity 1…3.
var severeRadiusUnits = [4]float64{pointRadiusUnits, 6.5, 7.5, 9}

// mapMarkKind says what a mark draws.
type mapMarkKind uint8

const (
	markPoint   mapMarkKind = iota // one point feature
	markCluster                    // several point features of one layer
	markArea                       // one zone feature
)

// mapMark is one thing drawn on a layer for the current view, in screen units.
type mapMark struct {
	kind     mapMarkKind
	top      bool // drawn above every layer (Severity > 0)
	stale    bool
	severity int8
	x, y, r  float32 // centre and radius (points and clusters)
	// screen box (zones; for points and clusters the marker's box)
	minX, minY, maxX, maxY float32
	feature                int32 // the feature (point, zone) or the cluster's representative
	count                  int32 // members of a cluster, else 1
}

// clusterCell accumulates the features binned into one cell.
type clusterCell struct {
	count  int32
	head   int32 // first member; members are chained through clusterer.next
	best   int32 // the member whose colour the cluster takes
	sx, sy float64
}

// clusterer holds the per-layer buffers of the clustering pass.
type clusterer struct {
	next  []int32
	cells []clusterCell
}

// clusterRadius is the marker radius of a cluster of n features.
func clusterRadius(n int32) float32 {
	return float32(math.Min(clusterMaxRadius, clusterRadiusUnits+clusterGrowthUnits*math.Log10(float64(n))))
}

// layoutPoints appends the marks of the layer's point features for view v:
// culled to the widget, clustered when zoomed out.
func (l *mapLayer) layoutPoints(v mapViewport, marks []mapMark) []mapMark {
	s := v.scale()
	// screen x = mx·s − ox, screen y = −my·s − oy
	ox := v.center[0]*s - v.width/2
	oy := -v.center[1]*s - v.height/2
	const margin = float64(markMarginUnits)
	xmin, xmax := -margin, v.width+margin
	ymin, ymax := -margin, v.height+margin
	clustering := v.zoom < clusterMaxZoom

	var col0, row0, cols, rows int
	c := &l.cluster
	if clustering {
		col0 = int(math.Floor((ox + xmin) / clusterCellUnits))
		row0 = int(math.Floor((oy + ymin) / clusterCellUnits))
		cols = int(math.Floor((ox+xmax)/clusterCellUnits)) - col0 + 1
		rows = int(math.Floor((oy+ymax)/clusterCellUnits)) - row0 + 1
		if cap(c.cells) < cols*rows {
			c.cells = make([]clusterCell, cols*rows)
		}
		c.cells = c.cells[:cols*rows]
		clear(c.cells)
		if cap(c.next) < len(l.features) {
			c.next = make([]int32, len(l.features))
		}
		c.next = c.next[:len(l.features)]
	}

	for i := range l.merc {
		if l.kind[i] != featurePoint {
			continue
		}
		p := l.merc[i]
		wx, wy := p[0]*s, -p[1]*s
		x, y := wx-ox, wy-oy
		if x < xmin || x > xmax || y < ymin || y > ymax {
			continue
		}
		f := &l.features[i]
		if f.Severity > 0 || !clustering {
			marks = append(marks, pointMark(f, int32(i), float32(x), float32(y)))
			continue
		}
		col := int(math.Floor(wx/clusterCellUnits)) - col0
		row := int(math.Floor(wy/clusterCellUnits)) - row0
		col = min(max(col, 0), cols-1)
		row = min(max(row, 0), rows-1)
		cell := &c.cells[row*cols+col]
		if cell.count == 0 {
			cell.head = -1
			cell.best = int32(i)
		} else if l.worse(int32(i), cell.best) {
			cell.best = int32(i)
		}
		c.next[i] = cell.head
		cell.head = int32(i)
		cell.count++
		cell.sx += x
		cell.sy += y
	}
	if !clustering {
		return marks
	}
	for ci := range c.cells {
		cell := &c.cells[ci]
		switch {
		case cell.count == 0:
		case cell.count < clusterMinMembers:
			for i := cell.head; i >= 0; i = c.next[i] {
				p := l.merc[i]
				marks = append(marks, pointMark(&l.features[i], i, float32(p[0]*s-ox), float32(-p[1]*s-oy)))
			}
		default:
			n := float64(cell.count)
			x, y := float32(cell.sx/n), float32(cell.sy/n)
			r := clusterRadius(cell.count)
			marks = append(marks, mapMark{
				kind: markCluster, stale: l.features[cell.best].Stale,
				x: x, y: y, r: r, minX: x - r, minY: y - r, maxX: x + r, maxY: y + r,
				feature: cell.best, count: cell.count,
			})
		}
	}
	return marks
}

// pointMark is the mark of one point feature at screen (x, y).
func pointMark(f *Feature, i int32, x, y float32) mapMark {
	sev := min(max(f.Severity, 0), 3)
	r := float32(severeRadiusUnits[sev])
	return mapMark{
		kind: markPoint, top: sev > 0, stale: f.Stale, severity: int8(sev),
		x: x, y: y, r: r, minX: x - r, minY: y - r, maxX: x + r, maxY: y + r,
		feature: i, count: 1,
	}
}

// worse reports whether feature a should give a cluster its colour rather
// than feature b: fresh beats stale, then higher severity, then the colour
// listed later in the layer's legend.
func (l *mapLayer) worse(a, b int32) bool {
	fa, fb := &l.features[a], &l.features[b]
	if fa.Stale != fb.Stale {
		return fb.Stale
	}
	if fa.Severity != fb.Severity {
		return fa.Severity > fb.Severity
	}
	return l.rank[a] > l.rank[b]
}
