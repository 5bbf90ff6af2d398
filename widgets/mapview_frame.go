package widgets

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"

	"fyne.io/fyne/v2/theme"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// mapFrameState caches the pictures that make up the map: the base map for one
// view, each layer's image (held by the layer), and the composed frame, plus
// marker sprites and count labels. Each is redrawn only when what it shows
// changed.
type mapFrameState struct {
	version uint64 // bumped by every change that can alter the frame
	drawn   uint64 // the version the frame image shows
	drawnOK bool

	img       *image.RGBA // the composed frame handed to Fyne
	base      *image.RGBA // the base map for baseView
	baseView  mapViewport
	baseScale float64
	baseOK    bool
	scale     float64 // pixels per Fyne unit of img

	sprites    map[mapSpriteKey]*mapSprite
	labels     map[string]*image.Alpha
	labelFace  font.Face
	labelScale float64
	labelFont  *opentype.Font
	fontFailed bool

	filler polygonFiller
	pts    []pxPoint
	top    []topMark
	luts   map[float64]*coverageLUT
}

// coverage returns the cached coverage table for stroke half-width hw.
func (f *mapFrameState) coverage(hw float64) *coverageLUT {
	if l, ok := f.luts[hw]; ok {
		return l
	}
	if f.luts == nil || len(f.luts) > maxCachedSprites {
		f.luts = make(map[float64]*coverageLUT)
	}
	l := newCoverageLUT(hw)
	f.luts[hw] = l
	return l
}

// changed marks the frame as out of date.
func (f *mapFrameState) changed() { f.version++ }

// topMark is a severe marker drawn above every layer.
type topMark struct {
	layer *mapLayer
	mark  *mapMark
}

// maxCachedSprites bounds the sprite and label caches; past it they are
// dropped and rebuilt on demand.
const maxCachedSprites = 4096

// render returns the map frame at wpx×hpx pixels, redrawing only the parts
// whose inputs changed since the last call. The returned image is reused by
// the next call.
func (m *MapView) render(wpx, hpx int) *image.RGBA {
	f := &m.frame
	wpx, hpx = max(wpx, 1), max(hpx, 1)
	if f.img == nil || f.img.Rect.Dx() != wpx || f.img.Rect.Dy() != hpx {
		f.img = resizeRGBA(f.img, wpx, hpx)
		f.base = resizeRGBA(f.base, wpx, hpx)
		f.baseOK, f.drawnOK = false, false
	}
	v := m.view
	if v.width <= 0 || v.height <= 0 {
		mapFillImage(f.img, baseBackground)
		f.drawnOK = false
		return f.img
	}
	ps := float64(wpx) / v.width
	if f.drawnOK && f.drawn == f.version && f.scale == ps {
		return f.img
	}
	if ps != f.scale {
		f.sprites, f.labels = nil, nil
		f.scale = ps
	}
	if !f.baseOK || f.baseView != v || f.baseScale != ps {
		f.drawBase(f.base, m.base, v, ps)
		f.baseView, f.baseScale, f.baseOK = v, ps, true
	}
	for _, l := range m.drawOrder {
		if m.direct {
			l.img, l.imgOK = nil, false // drawn straight into the frame
		} else if l.visible && len(l.features) > 0 {
			l.ensureImage(f, v, wpx, hpx, ps)
		}
	}
	copy(f.img.Pix, f.base.Pix)
	f.top = f.top[:0]
	for _, l := range m.drawOrder {
		if !l.visible || len(l.features) == 0 {
			continue
		}
		if m.direct {
			l.ensureLayout(v)
			l.drawMarks(f, f.img, v, ps, nil)
		} else {
			compositeOver(f.img, l.img, &l.tiles)
		}
		for i := range l.marks {
			if l.marks[i].top {
				f.top = append(f.top, topMark{l, &l.marks[i]})
			}
		}
	}
	slices.SortStableFunc(f.top, func(a, b topMark) int { return int(a.mark.severity) - int(b.mark.severity) })
	for _, t := range f.top {
		f.drawMarker(f.img, t.layer, t.mark, ps, nil)
	}
	f.drawn, f.drawnOK = f.version, true
	return f.img
}

// mapSpriteKey identifies one marker look.
type mapSpriteKey struct {
	kind     mapMarkKind
	severity int8
	radius   int // pixels ×4
	fill     color.NRGBA
}

// markerSprite returns the cached sprite for a mark drawn in colour c.
func (f *mapFrameState) markerSprite(mk *mapMark, c color.NRGBA, ps float64) *mapSprite {
	key := mapSpriteKey{kind: mk.kind, severity: mk.severity, radius: int(math.Round(float64(mk.r) * ps * 4)), fill: c}
	if sp, ok := f.sprites[key]; ok {
		return sp
	}
	if f.sprites == nil || len(f.sprites) > maxCachedSprites {
		f.sprites = make(map[mapSpriteKey]*mapSprite)
	}
	r := float64(key.radius) / 4
	st := discStyle{radius: r, outline: markOutlineUnits * ps, fill: c, edge: mapMarkOutline}
	switch {
	case mk.kind == markCluster:
		st.ringR, st.ringW = r+clusterHaloUnits*ps/2, clusterHaloUnits*ps
		st.ring = mapWithAlpha(c, 0.28)
	case mk.severity > 0:
		st.ringR, st.ringW = r+ringGapUnits*ps, ringWidthUnits*ps
		st.ring = mapWithAlpha(c, 0.9)
	}
	sp := makeDisc(st)
	f.sprites[key] = sp
	return sp
}

// Cluster count text.
const clusterTextUnits = 10.0 // text size of cluster counts, Fyne units

// clusterCountText is how a cluster's count is written: 7, 312, 4.2k, 37k.
func clusterCountText(n int) string {
	switch {
	case n < 1000:
		return strconv.Itoa(n)
	case n < 10000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	default:
		return strconv.Itoa(n/1000) + "k"
	}
}

// countLabel returns the cached alpha mask of a cluster count, or nil if no
// font could be loaded.
func (f *mapFrameState) countLabel(n int, ps float64) *image.Alpha {
	text := clusterCountText(n)
	if mask, ok := f.labels[text]; ok {
		return mask
	}
	face := f.countFace(ps)
	if face == nil {
		return nil
	}
	if f.labels == nil || len(f.labels) > maxCachedSprites {
		f.labels = make(map[string]*image.Alpha)
	}
	met := face.Metrics()
	w := font.MeasureString(face, text).Ceil()
	h := (met.Ascent + met.Descent).Ceil()
	mask := image.NewAlpha(image.Rect(0, 0, max(w, 1), max(h, 1)))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.Point26_6{Y: met.Ascent}}
	d.DrawString(text)
	f.labels[text] = mask
	return mask
}

// countFace is the bold UI font at the cluster text size for pixel scale ps.
func (f *mapFrameState) countFace(ps float64) font.Face {
	if f.labelFace != nil && f.labelScale == ps {
		return f.labelFace
	}
	if f.fontFailed {
		return nil
	}
	if f.labelFont == nil {
		fnt, err := opentype.Parse(theme.DefaultTextBoldFont().Content())
		if err != nil {
			f.fontFailed = true
			return nil
		}
		f.labelFont = fnt
	}
	face, err := opentype.NewFace(f.labelFont, &opentype.FaceOptions{Size: clusterTextUnits * ps, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		f.fontFailed = true
		return nil
	}
	f.labelFace, f.labelScale = face, ps
	return face
}

// resizeRGBA returns a cleared w×h image, in img's pixels when they are
// large enough. The map is drawn at more than one size (the wall's views,
// the window and its screenshot): reusing the largest pixels keeps each
// change of size from making a screen-sized image of garbage.
func resizeRGBA(img *image.RGBA, w, h int) *image.RGBA {
	n := 4 * w * h
	if img == nil || cap(img.Pix) < n {
		return image.NewRGBA(image.Rect(0, 0, w, h))
	}
	pix := img.Pix[:n]
	clear(pix)
	return &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// SetLayerImages chooses how the layers are drawn. On (the default), each
// layer keeps an image of its own, so a frame after one layer changed
// redraws that layer only. Off, every frame draws every layer straight
// into the frame: a frame after a change costs more, and the map holds one
// screen-sized image per layer less (a wall that changes once a second
// and runs for weeks).
func (m *MapView) SetLayerImages(on bool) {
	if m.direct == !on {
		return
	}
	m.direct = !on
	m.frame.drawnOK = false
	m.Refresh()
}
