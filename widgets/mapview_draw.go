package widgets

import (
	"cmp"
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"slices"
)

// This file holds the pixel work of the map: spans, strokes, marker sprites
// and layer compositing, written straight onto image.RGBA's premultiplied
// bytes. image/draw's general paths cost several times more per pixel and
// have no anti-aliased strokes; a frame touches millions of pixels, so the
// inner loops are kept simple here.

// mapPremul is a colour with premultiplied 8-bit channels held in uint32s.
type mapPremul struct{ r, g, b, a uint32 }

// mapPremultiply converts a straight-alpha colour.
func mapPremultiply(c color.NRGBA) mapPremul {
	a := uint32(c.A)
	return mapPremul{uint32(c.R) * a / 255, uint32(c.G) * a / 255, uint32(c.B) * a / 255, a}
}

// mapWithAlpha returns c with its alpha scaled by f (0…1).
func mapWithAlpha(c color.NRGBA, f float64) color.NRGBA {
	c.A = uint8(math.Round(float64(c.A) * math.Max(0, math.Min(1, f))))
	return c
}

// mapBlend draws colour c with coverage cov (0…255) over the pixel at p[0:4].
func mapBlend(p []uint8, c mapPremul, cov uint32) {
	p = p[:4]
	if cov >= 255 && c.a == 255 {
		p[0], p[1], p[2], p[3] = uint8(c.r), uint8(c.g), uint8(c.b), 255
		return
	}
	sa := c.a * cov / 255
	inv := 255 - sa
	p[0] = uint8((c.r*cov + uint32(p[0])*inv) / 255)
	p[1] = uint8((c.g*cov + uint32(p[1])*inv) / 255)
	p[2] = uint8((c.b*cov + uint32(p[2])*inv) / 255)
	p[3] = uint8((sa*255 + uint32(p[3])*inv) / 255)
}

// mapFillImage paints every pixel of img with the opaque colour c.
func mapFillImage(img *image.RGBA, c color.NRGBA) {
	if len(img.Pix) == 0 {
		return
	}
	pc := mapPremultiply(c)
	row := img.Pix[:img.Rect.Dx()*4]
	for i := 0; i < len(row); i += 4 {
		row[i], row[i+1], row[i+2], row[i+3] = uint8(pc.r), uint8(pc.g), uint8(pc.b), uint8(pc.a)
	}
	for y := 1; y < img.Rect.Dy(); y++ {
		copy(img.Pix[y*img.Stride:], row)
	}
}

// pxPoint is a point in pixels.
type pxPoint struct{ x, y float64 }

// scanEdge is one non-horizontal polygon edge with y0 < y1.
type scanEdge struct {
	x0, y0, x1, y1 float64
	dir            int // +1 downward in the ring's order, -1 upward
}

// scanCrossing is where a scanline meets an edge.
type scanCrossing struct {
	x   float64
	dir int
}

// polygonFiller fills polygons scanline by scanline with the non-zero rule,
// anti-aliased along x. It keeps its buffers between calls.
type polygonFiller struct {
	edges     []scanEdge
	active    []int
	crossings []scanCrossing
	row       []uint8 // one row of the fill colour, for opaque spans
}

// addRing adds the closed ring pts (pixels) to the polygon being built.
func (f *polygonFiller) addRing(pts []pxPoint) {
	n := len(pts)
	if n < 3 {
		return
	}
	for i := 0; i < n; i++ {
		a, b := pts[i], pts[(i+1)%n]
		switch {
		case a.y < b.y:
			f.edges = append(f.edges, scanEdge{a.x, a.y, b.x, b.y, 1})
		case a.y > b.y:
			f.edges = append(f.edges, scanEdge{b.x, b.y, a.x, a.y, -1})
		}
	}
}

// fill paints the added rings into img with colour c and starts a new polygon.
func (f *polygonFiller) fill(img *image.RGBA, c color.NRGBA, tiles *dirtyTiles) {
	defer func() { f.edges = f.edges[:0] }()
	if len(f.edges) == 0 || c.A == 0 {
		return
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pc := mapPremultiply(c)
	if pc.a == 255 {
		if cap(f.row) < w*4 {
			f.row = make([]uint8, w*4)
		}
		f.row = f.row[:w*4]
		for i := 0; i < len(f.row); i += 4 {
			f.row[i], f.row[i+1], f.row[i+2], f.row[i+3] = uint8(pc.r), uint8(pc.g), uint8(pc.b), 255
		}
	}
	slices.SortFunc(f.edges, func(a, b scanEdge) int { return cmp.Compare(a.y0, b.y0) })
	y0 := max(0, int(math.Floor(f.edges[0].y0)))
	ymax := 0.0
	for _, e := range f.edges {
		ymax = math.Max(ymax, e.y1)
	}
	y1 := min(h, int(math.Ceil(ymax)))
	f.active = f.active[:0]
	next := 0
	for y := y0; y < y1; y++ {
		yc := float64(y) + 0.5
		for next < len(f.edges) && f.edges[next].y0 <= yc {
			f.active = append(f.active, next)
			next++
		}
		f.crossings = f.crossings[:0]
		k := 0
		for _, ei := range f.active {
			e := &f.edges[ei]
			if e.y1 <= yc {
				continue // finished; drop it
			}
			f.active[k] = ei
			k++
			if e.y0 <= yc {
				x := e.x0 + (yc-e.y0)*(e.x1-e.x0)/(e.y1-e.y0)
				f.crossings = append(f.crossings, scanCrossing{x, e.dir})
			}
		}
		f.active = f.active[:k]
		if len(f.crossings) < 2 {
			continue
		}
		slices.SortFunc(f.crossings, func(a, b scanCrossing) int { return cmp.Compare(a.x, b.x) })
		wind := 0
		var start float64
		for _, cr := range f.crossings {
			was := wind
			wind += cr.dir
			if was == 0 && wind != 0 {
				start = cr.x
			} else if was != 0 && wind == 0 {
				f.span(img, y, start, cr.x, pc, w, tiles)
			}
		}
	}
}

// span covers [xa, xb) of row y, with partial coverage at fractional ends.
func (f *polygonFiller) span(img *image.RGBA, y int, xa, xb float64, c mapPremul, w int, tiles *dirtyTiles) {
	xa = math.Max(xa, 0)
	xb = math.Min(xb, float64(w))
	if !(xb > xa) {
		return
	}
	row := img.Pix[y*img.Stride:]
	ia, ib := int(xa), int(xb) // floor, both non-negative
	if tiles != nil {
		tiles.markRect(ia, y, min(w, ib+1), y+1)
	}
	if ia == ib {
		mapBlend(row[ia*4:], c, uint32((xb-xa)*255+0.5))
		return
	}
	if fa := float64(ia+1) - xa; fa < 1 {
		mapBlend(row[ia*4:], c, uint32(fa*255+0.5))
		ia++
	}
	if ib < w {
		if fb := xb - float64(ib); fb > 0 {
			mapBlend(row[ib*4:], c, uint32(fb*255+0.5))
		}
	}
	if ib <= ia {
		return
	}
	if c.a == 255 {
		copy(row[ia*4:ib*4], f.row[ia*4:ib*4])
		return
	}
	inv := 255 - c.a
	px := row[ia*4 : ib*4]
	for i := 0; i < len(px); i += 4 {
		px[i] = uint8(c.r + uint32(px[i])*inv/255)
		px[i+1] = uint8(c.g + uint32(px[i+1])*inv/255)
		px[i+2] = uint8(c.b + uint32(px[i+2])*inv/255)
		px[i+3] = uint8(c.a + uint32(px[i+3])*inv/255)
	}
}

// coverageLUT maps a pixel centre's squared distance from a stroke's centre
// line to its coverage, for one stroke half-width, so the inner loop needs
// no square root.
type coverageLUT struct {
	hw     float64 // half-width, pixels
	outer2 float64 // squared distance beyond which nothing is covered
	scale  float64 // table index per unit of squared distance
	cov    [coverageSteps]uint8
}

const coverageSteps = 256 // entries of a coverage table

func newCoverageLUT(hw float64) *coverageLUT {
	outer := hw + 0.5
	l := &coverageLUT{hw: hw, outer2: outer * outer, scale: coverageSteps / (outer * outer)}
	for i := range l.cov {
		d := math.Sqrt((float64(i) + 0.5) / l.scale)
		l.cov[i] = uint8(math.Max(0, math.Min(1, outer-d))*255 + 0.5)
	}
	return l
}

// mapStrokeLine draws the polyline pts (pixels) lut.hw pixels either side of
// its centre line, anti-aliased, with round ends and joins. closed joins the
// last point back to the first.
func mapStrokeLine(img *image.RGBA, pts []pxPoint, lut *coverageLUT, c color.NRGBA, closed bool, tiles *dirtyTiles) {
	n := len(pts)
	if n < 2 || c.A == 0 {
		return
	}
	pc := mapPremultiply(c)
	segs := n - 1
	if closed {
		segs = n
	}
	thin := lut.hw <= thinHalfWidth
	for i := 0; i < segs; i++ {
		a, b := pts[i], pts[(i+1)%n]
		if tiles != nil {
			markSegment(tiles, a, b, lut.hw+1, img.Rect.Dx(), img.Rect.Dy())
		}
		if thin {
			wuSegment(img, a, b, lut.hw, pc)
		} else {
			mapStrokeSegment(img, a, b, lut, pc, i == 0 && !closed)
		}
	}
}

// thinHalfWidth is the largest half-width, in pixels, drawn as a one-pixel
// Wu line (about ten times cheaper than the distance-based stroke).
const thinHalfWidth = 0.75

// markSegment records the box of a segment grown by reach in tiles.
func markSegment(t *dirtyTiles, a, b pxPoint, reach float64, w, h int) {
	x0 := max(0, int(math.Min(a.x, b.x)-reach))
	y0 := max(0, int(math.Min(a.y, b.y)-reach))
	x1 := min(w, int(math.Max(a.x, b.x)+reach)+1)
	y1 := min(h, int(math.Max(a.y, b.y)+reach)+1)
	if x0 < x1 && y0 < y1 {
		t.markRect(x0, y0, x1, y1)
	}
}

// wuSegment draws a one-pixel anti-aliased line (Xiaolin Wu's method) from
// a to b, its intensity scaled down for half-widths under 0.5. Each column
// (or row, for steep lines) between the end points is covered once, so
// joined segments neither overlap nor leave gaps.
func wuSegment(img *image.RGBA, a, b pxPoint, hw float64, c mapPremul) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// pixel centres at integers
	x0, y0, x1, y1 := a.x-0.5, a.y-0.5, b.x-0.5, b.y-0.5
	steep := math.Abs(y1-y0) > math.Abs(x1-x0)
	limMajor, limMinor := w, h
	if steep {
		x0, y0, x1, y1 = y0, x0, y1, x1
		limMajor, limMinor = h, w
	}
	if x0 > x1 {
		x0, x1, y0, y1 = x1, x0, y1, y0
	}
	if x1 < -1 || x0 > float64(limMajor) || math.Max(y0, y1) < -1 || math.Min(y0, y1) > float64(limMinor) {
		return
	}
	grad := 0.0
	if x1 > x0 {
		grad = (y1 - y0) / (x1 - x0)
	}
	// Ink per column: the line's width across the column, which is wider
	// than the width itself by 1/cos of the line's angle.
	intensity := math.Min(1, 2*hw) * math.Sqrt(1+grad*grad) * 256
	xs := max(0, int(math.Ceil(x0)))
	xe := min(limMajor-1, int(math.Floor(x1)))
	y := y0 + (float64(xs)-x0)*grad
	for x := xs; x <= xe; x, y = x+1, y+grad {
		yf := math.Floor(y)
		yi := int(yf)
		f := y - yf // share of the ink on the lower pixel
		for k, share := range [2]float64{1 - f, f} {
			py := yi + k
			cov := uint32(min(256, share*intensity+0.5))
			if cov == 0 || py < 0 || py >= limMinor {
				continue
			}
			px, pyy := x, py
			if steep {
				px, pyy = py, x
			}
			cv := cov * 255 >> 8
			o := pyy*img.Stride + px*4
			p := img.Pix[o : o+4 : o+4]
			sa := c.a * cv / 255
			inv := 255 - sa
			p[0] = uint8((c.r*cv + uint32(p[0])*inv) / 255)
			p[1] = uint8((c.g*cv + uint32(p[1])*inv) / 255)
			p[2] = uint8((c.b*cv + uint32(p[2])*inv) / 255)
			p[3] = uint8((sa*255 + uint32(p[3])*inv) / 255)
		}
	}
}

// mapStrokeSegment draws one segment from a to b. The end cap at b is always
// drawn (it is the join with the next segment); the cap at a only when
// startCap is set, so consecutive segments do not paint their joint twice.
func mapStrokeSegment(img *image.RGBA, a, b pxPoint, lut *coverageLUT, c mapPremul, startCap bool) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	hw := lut.hw
	reach := hw + 1
	minX, maxX := a.x, b.x
	if minX > maxX {
		minX, maxX = maxX, minX
	}
	minY, maxY := a.y, b.y
	if minY > maxY {
		minY, maxY = maxY, minY
	}
	if maxX+reach < 0 || minX-reach > float64(w) || maxY+reach < 0 || minY-reach > float64(h) {
		return
	}
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	invL2 := 0.0
	if l2 > 1e-12 {
		invL2 = 1 / l2
	} else if !startCap {
		return
	}
	outer := hw + 0.5 // beyond this distance a pixel is not touched
	outer2 := lut.outer2
	scale := lut.scale
	steep := dy*dy > dx*dx
	// Walk the major axis; across it cover ext pixels either side of the
	// centre line.
	lo, hi, ext := minX-reach, maxX+reach, reach
	limMajor, limMinor := w, h
	adx := dx
	if adx < 0 {
		adx = -adx
	}
	major := adx
	if steep {
		lo, hi = minY-reach, maxY+reach
		limMajor, limMinor = h, w
		major = dy
		if major < 0 {
			major = -major
		}
	}
	if major > 0 {
		ext = outer * math.Sqrt(l2) / major
	}
	m0 := max(0, int(lo)) // int() truncates; negatives clamp to 0 anyway
	m1 := min(limMajor-1, int(hi))
	for mj := m0; mj <= m1; mj++ {
		mc := float64(mj) + 0.5
		// the centre line's minor coordinate here, clamped to the segment.
		var t, minorC float64
		if steep {
			if dy != 0 {
				t = (mc - a.y) / dy
			}
		} else if dx != 0 {
			t = (mc - a.x) / dx
		}
		if t < 0 {
			t = 0
		} else if t > 1 {
			t = 1
		}
		if steep {
			minorC = a.x + t*dx
		} else {
			minorC = a.y + t*dy
		}
		n0 := max(0, int(minorC-ext))
		n1 := min(limMinor-1, int(minorC+ext))
		for mn := n0; mn <= n1; mn++ {
			px, py := float64(mn)+0.5, mc
			x, y := mn, mj
			if !steep {
				px, py = mc, float64(mn)+0.5
				x, y = mj, mn
			}
			rx, ry := px-a.x, py-a.y
			u := (rx*dx + ry*dy) * invL2
			var d2 float64
			switch {
			case u < 0:
				if !startCap {
					continue
				}
				d2 = rx*rx + ry*ry
			case u > 1:
				ex, ey := px-b.x, py-b.y
				d2 = ex*ex + ey*ey
			default:
				cr := rx*dy - ry*dx
				d2 = cr * cr * invL2
			}
			if d2 >= outer2 {
				continue
			}
			cov := uint32(lut.cov[int(d2*scale)&(coverageSteps-1)])
			o := y*img.Stride + x*4
			p := img.Pix[o : o+4 : o+4]
			if cov == 255 && c.a == 255 {
				p[0], p[1], p[2], p[3] = uint8(c.r), uint8(c.g), uint8(c.b), 255
			} else {
				sa := c.a * cov / 255
				inv := 255 - sa
				p[0] = uint8((c.r*cov + uint32(p[0])*inv) / 255)
				p[1] = uint8((c.g*cov + uint32(p[1])*inv) / 255)
				p[2] = uint8((c.b*cov + uint32(p[2])*inv) / 255)
				p[3] = uint8((sa*255 + uint32(p[3])*inv) / 255)
			}
		}
	}
}

// mapSprite is a small premultiplied image stamped centred on a pixel.
type mapSprite struct {
	img    *image.RGBA
	cx, cy int            // the pixel placed on the target position
	rows   []mapSpriteRow // where each row is transparent, opaque or partly covered
}

// mapSpriteRow splits one sprite row into a transparent margin, a partly covered
// edge, an opaque middle [o0, o1), a partly covered edge and a margin, so a
// stamp copies the middle and blends only the edges. x0 == x1 means the row
// is empty.
type mapSpriteRow struct{ x0, o0, o1, x1 int }

// scanRows fills sp.rows from its pixels.
func (sp *mapSprite) scanRows() {
	w, h := sp.img.Rect.Dx(), sp.img.Rect.Dy()
	sp.rows = make([]mapSpriteRow, h)
	for y := 0; y < h; y++ {
		px := sp.img.Pix[y*sp.img.Stride : y*sp.img.Stride+w*4]
		r := mapSpriteRow{x0: w, x1: 0}
		for x := 0; x < w; x++ {
			if px[x*4+3] != 0 {
				r.x0 = min(r.x0, x)
				r.x1 = x + 1
			}
		}
		if r.x1 <= r.x0 {
			sp.rows[y] = mapSpriteRow{}
			continue
		}
		// the longest opaque run inside the row
		best0, best1 := r.x0, r.x0
		for x := r.x0; x < r.x1; {
			if px[x*4+3] != 255 {
				x++
				continue
			}
			e := x
			for e < r.x1 && px[e*4+3] == 255 {
				e++
			}
			if e-x > best1-best0 {
				best0, best1 = x, e
			}
			x = e
		}
		r.o0, r.o1 = best0, best1
		sp.rows[y] = r
	}
}

// discStyle describes one marker sprite.
type discStyle struct {
	radius  float64 // pixels, to the outside of the outline
	outline float64 // pixels
	ringR   float64 // pixels to the middle of the halo ring; 0 for none
	ringW   float64 // pixels
	fill    color.NRGBA
	edge    color.NRGBA
	ring    color.NRGBA
}

// coverage of a pixel whose centre is d pixels from the centre, for a disc of
// radius r, with a one-pixel soft edge.
func discCoverage(d, r float64) float64 { return math.Max(0, math.Min(1, r+0.5-d)) }

// makeDisc draws a marker: an optional halo ring, a dark outline, a fill.
func makeDisc(s discStyle) *mapSprite {
	outer := s.radius
	if s.ringR > 0 {
		outer = math.Max(outer, s.ringR+s.ringW/2)
	}
	half := int(math.Ceil(outer + 1))
	size := 2*half + 1
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	ring, edge, fill := mapPremultiply(s.ring), mapPremultiply(s.edge), mapPremultiply(s.fill)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := math.Hypot(float64(x-half), float64(y-half))
			p := img.Pix[y*img.Stride+x*4:]
			if s.ringR > 0 {
				if cv := math.Min(discCoverage(d, s.ringR+s.ringW/2), 1-discCoverage(d, s.ringR-s.ringW/2)); cv > 0 {
					mapBlend(p, ring, uint32(cv*255+0.5))
				}
			}
			if cv := discCoverage(d, s.radius); cv > 0 {
				mapBlend(p, edge, uint32(cv*255+0.5))
			}
			if cv := discCoverage(d, s.radius-s.outline); cv > 0 {
				mapBlend(p, fill, uint32(cv*255+0.5))
			}
		}
	}
	sp := &mapSprite{img: img, cx: half, cy: half}
	sp.scanRows()
	return sp
}

// stampSprite draws sp over dst with its centre pixel at (x, y).
func stampSprite(dst *image.RGBA, sp *mapSprite, x, y int, tiles *dirtyTiles) {
	sw, sh := sp.img.Rect.Dx(), sp.img.Rect.Dy()
	x0, y0 := x-sp.cx, y-sp.cy
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sx0, sy0 := max(0, -x0), max(0, -y0)
	sx1, sy1 := min(sw, dw-x0), min(sh, dh-y0)
	if sx0 >= sx1 || sy0 >= sy1 {
		return
	}
	if tiles != nil {
		tiles.markRect(x0+sx0, y0+sy0, x0+sx1, y0+sy1)
	}
	for sy := sy0; sy < sy1; sy++ {
		r := sp.rows[sy]
		a, b := max(r.x0, sx0), min(r.x1, sx1)
		if a >= b {
			continue
		}
		so := sy*sp.img.Stride + a*4
		src := sp.img.Pix[so : so+(b-a)*4]
		do := (y0+sy)*dst.Stride + (x0+a)*4
		d := dst.Pix[do : do+(b-a)*4]
		o0, o1 := max(r.o0, a)-a, min(r.o1, b)-a // opaque run, relative to a
		if o0 >= o1 {
			mapOverRow(d, src)
			continue
		}
		mapOverRow(d[:o0*4], src[:o0*4])
		copy(d[o0*4:o1*4], src[o0*4:o1*4])
		mapOverRow(d[o1*4:], src[o1*4:])
	}
}

// stampMask draws colour c through the alpha mask with its top-left at (x, y).
func stampMask(dst *image.RGBA, mask *image.Alpha, x, y int, c color.NRGBA, tiles *dirtyTiles) {
	pc := mapPremultiply(c)
	mw, mh := mask.Rect.Dx(), mask.Rect.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	if tiles != nil {
		x0, y0, x1, y1 := max(0, x), max(0, y), min(dw, x+mw), min(dh, y+mh)
		if x0 >= x1 || y0 >= y1 {
			return
		}
		tiles.markRect(x0, y0, x1, y1)
	}
	for my := max(0, -y); my < mh && y+my < dh; my++ {
		for mx := max(0, -x); mx < mw && x+mx < dw; mx++ {
			if a := mask.Pix[my*mask.Stride+mx]; a != 0 {
				mapBlend(dst.Pix[(y+my)*dst.Stride+(x+mx)*4:], pc, uint32(a))
			}
		}
	}
}

// mapOverRow composites premultiplied src over dst, pixel by pixel; both slices
// cover the same pixels. Transparent source pixels are skipped and opaque
// ones copied, which is most of a marker.
func mapOverRow(dst, src []uint8) {
	n := min(len(dst), len(src)) &^ 3
	for i := 0; i < n; i += 4 {
		s := binary.LittleEndian.Uint32(src[i : i+4 : i+4])
		if s>>24 == 0 {
			continue
		}
		d := dst[i : i+4 : i+4]
		binary.LittleEndian.PutUint32(d, mapOver(s, binary.LittleEndian.Uint32(d)))
	}
}

// mapOver composites the premultiplied RGBA pixel s (R in the low byte) over d,
// working on two channels per multiply.
func mapOver(s, d uint32) uint32 {
	inv := 255 - s>>24
	rb := (d & 0x00FF00FF) * inv
	ga := ((d >> 8) & 0x00FF00FF) * inv
	// x/255 per 16-bit lane, rounded: (x + 128 + (x >> 8)) >> 8
	rb = ((rb + 0x00800080 + ((rb >> 8) & 0x00FF00FF)) >> 8) & 0x00FF00FF
	ga = (ga + 0x00800080 + ((ga >> 8) & 0x00FF00FF)) & 0xFF00FF00
	return s + (rb | ga)
}

// dirtyTileSide is the side of a dirty-tracking tile in pixels.
const dirtyTileSide = 16

// dirtyTiles records, per tile of a layer image, the box that holds any
// drawing, so a layer is cleared and composited only where it has content.
type dirtyTiles struct {
	cols, rows int
	boxes      []dirtyBox
}

// dirtyBox is the drawn part of one tile in tile-local pixels, [x0,x1)×[y0,y1);
// x1 == 0 means the tile is empty.
type dirtyBox struct{ x0, y0, x1, y1 uint8 }

func (t *dirtyTiles) reset(w, h int) {
	t.cols, t.rows = (w+dirtyTileSide-1)/dirtyTileSide, (h+dirtyTileSide-1)/dirtyTileSide
	if cap(t.boxes) < t.cols*t.rows {
		t.boxes = make([]dirtyBox, t.cols*t.rows)
	}
	t.boxes = t.boxes[:t.cols*t.rows]
	clear(t.boxes)
}

// markRect records drawing in the pixel rectangle [x0,x1)×[y0,y1), which
// must lie inside the image.
func (t *dirtyTiles) markRect(x0, y0, x1, y1 int) {
	for ty := y0 / dirtyTileSide; ty <= (y1-1)/dirtyTileSide; ty++ {
		by := ty * dirtyTileSide
		ly0, ly1 := uint8(max(y0-by, 0)), uint8(min(y1-by, dirtyTileSide))
		for tx := x0 / dirtyTileSide; tx <= (x1-1)/dirtyTileSide; tx++ {
			bx := tx * dirtyTileSide
			lx0, lx1 := uint8(max(x0-bx, 0)), uint8(min(x1-bx, dirtyTileSide))
			b := &t.boxes[ty*t.cols+tx]
			if b.x1 == 0 {
				*b = dirtyBox{lx0, ly0, lx1, ly1}
				continue
			}
			b.x0, b.y0 = min(b.x0, lx0), min(b.y0, ly0)
			b.x1, b.y1 = max(b.x1, lx1), max(b.y1, ly1)
		}
	}
}

// rect is the drawn pixel rectangle of tile i, clipped to w×h.
func (t *dirtyTiles) rect(i, w, h int) (x0, y0, x1, y1 int) {
	b := t.boxes[i]
	bx, by := (i%t.cols)*dirtyTileSide, (i/t.cols)*dirtyTileSide
	return bx + int(b.x0), by + int(b.y0), min(w, bx+int(b.x1)), min(h, by+int(b.y1))
}

// clearUsed makes the drawn parts of img transparent and forgets them.
func (t *dirtyTiles) clearUsed(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for i := range t.boxes {
		if t.boxes[i].x1 == 0 {
			continue
		}
		x0, y0, x1, y1 := t.rect(i, w, h)
		for y := y0; y < y1; y++ {
			clear(img.Pix[y*img.Stride+x0*4 : y*img.Stride+x1*4])
		}
		t.boxes[i] = dirtyBox{}
	}
}

// compositeOver draws the drawn parts of layer over dst (same size).
func compositeOver(dst, layer *image.RGBA, t *dirtyTiles) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for i := range t.boxes {
		if t.boxes[i].x1 == 0 {
			continue
		}
		x0, y0, x1, y1 := t.rect(i, w, h)
		for y := y0; y < y1; y++ {
			o := y*dst.Stride + x0*4
			e := y*dst.Stride + x1*4
			mapOverSparseRow(dst.Pix[o:e], layer.Pix[o:e])
		}
	}
}

// mapOverSparseRow is mapOverRow for mostly transparent sources: it skips two
// transparent pixels at a time.
func mapOverSparseRow(dst, src []uint8) {
	n := min(len(dst), len(src))
	i := 0
	for ; i+8 <= n; i += 8 {
		w := binary.LittleEndian.Uint64(src[i : i+8 : i+8])
		if w == 0 {
			continue
		}
		d := dst[i : i+8 : i+8]
		if w&0xFF000000_FF000000 == 0xFF000000_FF000000 { // both opaque
			binary.LittleEndian.PutUint64(d, w)
			continue
		}
		dw := binary.LittleEndian.Uint64(d)
		lo, hi := uint32(w), uint32(w>>32)
		dlo, dhi := uint32(dw), uint32(dw>>32)
		if lo>>24 != 0 {
			dlo = mapOver(lo, dlo)
		}
		if hi>>24 != 0 {
			dhi = mapOver(hi, dhi)
		}
		binary.LittleEndian.PutUint64(d, uint64(dlo)|uint64(dhi)<<32)
	}
	if i < n {
		mapOverRow(dst[i:n], src[i:n])
	}
}
