package widgets

import "testing"

// Drawn straight into the frame (SetLayerImages(false)), the map shows the
// same picture as with an image per layer, within a rounding step per
// channel, and keeps no image per layer; a layer that changes shows at
// once in either way.
func TestMapLayersDrawnStraightMatchLayerImages(t *testing.T) {
	const w, h = 900, 600
	cached := newLoadedMap(t, 2000, w, h)
	direct := newLoadedMap(t, 2000, w, h)
	direct.SetLayerImages(false)
	check := func(what string) {
		t.Helper()
		a, b := cached.render(w, h), direct.render(w, h)
		worst, off := 0, 0
		for i := range a.Pix {
			d := int(a.Pix[i]) - int(b.Pix[i])
			if d < 0 {
				d = -d
			}
			worst = max(worst, d)
			if d > 2 {
				off++
			}
		}
		if off > 0 {
			t.Errorf("%s: %d channel values differ by more than 2 (worst %d)", what, off, worst)
		}
		for _, l := range direct.drawOrder {
			if l.img != nil {
				t.Errorf("%s: layer %s keeps an image of its own", what, l.id)
			}
		}
	}
	check("first frame")
	fire := mapSyntheticLayers(2000, 9)["fire"]
	cached.SetLayer("fire", "fire", fire)
	direct.SetLayer("fire", "fire", fire)
	check("after the fire layer changed")
	cached.PanBy(40, 25)
	direct.PanBy(40, 25)
	check("after a pan")
}
