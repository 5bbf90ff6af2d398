package widgets

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestTimeSliderScrubPlayLive(t *testing.T) {
	newPanelTestApp(t)
	ts := NewTimeSlider()
	ts.Location = time.UTC
	showWidget(t, ts, fyne.NewSize(1400, 60))
	now := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC)
	ts.SetRange(now.Add(-72*time.Hour), now)

	if from, to := ts.Range(); !from.Equal(now.Add(-24*time.Hour)) || !to.Equal(now) {
		t.Errorf("range with the default reach = %v … %v; want the last 24 h", from, to)
	}
	if !ts.play.Disabled() || !ts.live.Disabled() {
		t.Error("live: play and Live should be disabled")
	}
	ts.span.SetSelected(spanLabel(0))
	if from, _ := ts.Range(); !from.Equal(now.Add(-72 * time.Hour)) {
		t.Errorf("range of everything held starts %v; want the oldest reading %v", from, now.Add(-72*time.Hour))
	}

	var scrubbed []time.Time
	var played []bool
	var speeds []float64
	lived := 0
	ts.OnScrub = func(at time.Time) { scrubbed = append(scrubbed, at) }
	ts.OnPlay = func(on bool) { played = append(played, on) }
	ts.OnSpeed = func(s float64) { speeds = append(speeds, s) }
	ts.OnLive = func() { lived++ }

	// A tap halfway along the track goes back about half the range.
	track := ts.slider
	test.TapAt(track, fyne.NewPos(track.Size().Width/2, track.Size().Height/2))
	if len(scrubbed) != 1 {
		t.Fatalf("a tap on the slider scrubbed %d times", len(scrubbed))
	}
	if back := now.Sub(scrubbed[0]); back < 30*time.Hour || back > 42*time.Hour {
		t.Errorf("a tap halfway went back %v; want about 36 h", back)
	}
	if h, _, _ := ts.State(); !h || ts.play.Disabled() || ts.live.Disabled() {
		t.Error("after scrubbing: want history with play and Live enabled")
	}
	at := now.Add(-5 * time.Hour)
	ts.Scrub(at)
	if got := scrubbed[len(scrubbed)-1]; !got.Equal(at) {
		t.Errorf("Scrub(%v) reported %v", at, got)
	}
	if ts.when.Text != "2026-12-01 09:30" {
		t.Errorf("time shown = %q, want 2026-12-01 09:30", ts.when.Text)
	}

	ts.SetSpeed(3600)
	if len(speeds) != 1 || speeds[0] != 3600 || ts.Speed() != 3600 {
		t.Errorf("speed changes = %v (speed %v), want one to 3600", speeds, ts.Speed())
	}
	ts.PressPlay()
	if len(played) != 1 || !played[0] {
		t.Errorf("play pressed: %v", played)
	}
	// Playing, the slider follows the time the app reports.
	n := len(scrubbed)
	ts.SetState(true, at.Add(time.Hour), true)
	if v := time.Unix(int64(ts.slider.Value), 0); !v.Equal(at.Add(time.Hour)) || len(scrubbed) != n {
		t.Errorf("playing: slider at %v (scrubs %d→%d); want %v without a scrub", v, n, len(scrubbed), at.Add(time.Hour))
	}
	ts.PressPlay()
	if len(played) != 2 || played[1] {
		t.Errorf("pause pressed: %v", played)
	}
	// Paused, a late report of another time does not move the officer's slider.
	ts.Scrub(at)
	ts.SetState(true, at.Add(-time.Minute), false)
	if v := time.Unix(int64(ts.slider.Value), 0); !v.Equal(at) {
		t.Errorf("paused: slider moved to %v; want it left at %v", v, at)
	}

	ts.PressLive()
	if lived != 1 {
		t.Errorf("Live pressed: OnLive called %d times", lived)
	}
	ts.SetState(false, time.Time{}, false)
	if v := time.Unix(int64(ts.slider.Value), 0); !v.Equal(now) || !ts.live.Disabled() {
		t.Errorf("live again: slider at %v, Live disabled %v; want now, disabled", v, ts.live.Disabled())
	}
}

func TestHistoryBanner(t *testing.T) {
	newPanelTestApp(t)
	b := NewHistoryBanner()
	below := widget.NewLabel("map")
	box := container.NewVBox(b, below)
	c := showWidget(t, box, fyne.NewSize(800, 200))
	if b.Visible() || !b.MinSize().IsZero() {
		t.Fatalf("new history banner visible %v, min size %v; want hidden, zero", b.Visible(), b.MinSize())
	}
	b.SetText("历史回看 2026-12-01 14:30 — 非实时")
	box.Refresh()
	if !b.Visible() || b.MinSize().Height <= 0 || below.Position().Y < b.MinSize().Height {
		t.Fatalf("history banner: visible %v, min size %v, content below at %v", b.Visible(), b.MinSize(), below.Position())
	}
	img := c.Capture()
	if got := img.At(3, 3); !sameColor(got, historyFill) {
		t.Errorf("banner corner pixel = %v, want the violet %v", got, historyFill)
	}
	b.SetText("")
	if b.Visible() || b.Text() != "" {
		t.Error("an empty text should hide the banner")
	}
}

func sameColor(a, b interface{ RGBA() (r, g, bl, al uint32) }) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) uint32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	return d(r1, r2) < 0x300 && d(g1, g2) < 0x300 && d(b1, b2) < 0x300
}
