package widgets

import "math"

// mapGrid is a uniform grid over the widget that indexes the marks drawn
// for one view by their screen boxes, so a hit test looks at the few marks
// filed under one cell instead of every feature. It is rebuilt in linear time
// whenever the view or a layer changes; clusters change with every zoom, so a
// view-independent tree would still need this per-view pass.
type mapGrid struct {
	cell       float32 // side of a cell, Fyne units
	cols, rows int
	start      []int32      // the items of cell c are items[start[c]:start[c+1]]
	items      []int32      // mark ids, grouped by cell
	pending    []mapGridBox // boxes added since reset
}

// mapGridBox is one mark's box in cell coordinates, inclusive.
type mapGridBox struct{ id, c0, r0, c1, r1 int32 }

// gridCellUnits is the side of a hit-test cell in Fyne units: about two
// marker diameters, so most cells hold a few marks.
const gridCellUnits = 32

// reset empties the grid and sizes it to cover width×height screen units.
func (g *mapGrid) reset(width, height float32) {
	g.cell = gridCellUnits
	g.cols = max(1, int(math.Ceil(float64(width/g.cell))))
	g.rows = max(1, int(math.Ceil(float64(height/g.cell))))
	g.pending = g.pending[:0]
	g.items = g.items[:0]
	g.start = g.start[:0]
}

// add files mark id under every cell its screen box touches. Boxes wholly
// outside the widget are ignored.
func (g *mapGrid) add(id int32, minX, minY, maxX, maxY float32) {
	if maxX < 0 || maxY < 0 || !(minX < float32(g.cols)*g.cell) || !(minY < float32(g.rows)*g.cell) {
		return
	}
	c0 := clampCell(minX/g.cell, g.cols)
	r0 := clampCell(minY/g.cell, g.rows)
	c1 := clampCell(maxX/g.cell, g.cols)
	r1 := clampCell(maxY/g.cell, g.rows)
	g.pending = append(g.pending, mapGridBox{id, c0, r0, c1, r1})
}

func clampCell(v float32, n int) int32 {
	if !(v >= 0) { // also catches NaN
		return 0
	}
	if v >= float32(n) {
		return int32(n - 1)
	}
	return int32(v)
}

// build turns the added boxes into the compact cell table (a counting sort).
func (g *mapGrid) build() {
	n := g.cols * g.rows
	if cap(g.start) < n+1 {
		g.start = make([]int32, n+1)
	}
	g.start = g.start[:n+1]
	clear(g.start)
	total := 0
	for _, b := range g.pending {
		for r := b.r0; r <= b.r1; r++ {
			for c := b.c0; c <= b.c1; c++ {
				g.start[int(r)*g.cols+int(c)+1]++
				total++
			}
		}
	}
	for i := 1; i <= n; i++ {
		g.start[i] += g.start[i-1]
	}
	if cap(g.items) < total {
		g.items = make([]int32, total)
	}
	g.items = g.items[:total]
	// fill using a moving cursor per cell; start[c] is restored afterwards.
	for _, b := range g.pending {
		for r := b.r0; r <= b.r1; r++ {
			for c := b.c0; c <= b.c1; c++ {
				cell := int(r)*g.cols + int(c)
				g.items[g.start[cell]] = b.id
				g.start[cell]++
			}
		}
	}
	for i := n; i > 0; i-- {
		g.start[i] = g.start[i-1]
	}
	g.start[0] = 0
}

// at returns the ids filed under the cell containing (x, y), in the order
// they were added; nil outside the grid.
func (g *mapGrid) at(x, y float32) []int32 {
	if len(g.start) == 0 || !(x >= 0) || !(y >= 0) {
		return nil
	}
	c, r := int(x/g.cell), int(y/g.cell)
	if c >= g.cols || r >= g.rows {
		return nil
	}
	cell := r*g.cols + c
	return g.items[g.start[cell]:g.start[cell+1]]
}
