package widgets

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// PlaySpeeds are the history's play speeds, times real time.
var PlaySpeeds = []float64{1, 60, 600, 3600}

// timeSpans are the slider's reaches back from now; 0 is everything held.
var timeSpans = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 0}

func spanLabel(d time.Duration) string {
	switch d {
	case 24 * time.Hour:
		return lang.L("Last 24 h")
	case 7 * 24 * time.Hour:
		return lang.L("Last 7 days")
	}
	return lang.L("All held")
}

func speedLabel(s float64) string { return fmt.Sprintf("%g×", s) }

// sliderStep is the slider's resolution.
const sliderStep = time.Minute

// TimeSlider is the history bar under the map: a slider over the time the
// cache holds (the last 24 hours, 7 days or everything), the time chosen,
// play and pause with a speed, and a Live button. Moving the slider or
// playing calls back; the app decides what the screen shows and reports
// it with SetState. Only the UI goroutine touches it.
type TimeSlider struct {
	widget.BaseWidget

	// OnScrub is called when the officer moves the slider to a time.
	OnScrub func(time.Time)
	// OnPlay is called when play or pause is pressed, with the new state.
	OnPlay func(playing bool)
	// OnSpeed is called when another play speed is chosen.
	OnSpeed func(speed float64)
	// OnLive is called when the Live button is pressed.
	OnLive func()
	// Location is the zone times are shown in; nil means time.Local.
	Location *time.Location

	slider  *widget.Slider
	when    *canvas.Text
	from    *widget.Label
	play    *widget.Button
	speed   *widget.Select
	span    *widget.Select
	live    *widget.Button
	content *fyne.Container

	earliest, now, at time.Time
	historic          bool
	playing           bool
	speedX            float64
	reach             time.Duration
	setting           bool // the slider is being set by the app, not the officer
}

var _ fyne.Widget = (*TimeSlider)(nil)

// NewTimeSlider returns a history bar showing live.
func NewTimeSlider() *TimeSlider {
	t := &TimeSlider{speedX: PlaySpeeds[1], reach: timeSpans[0]}
	t.ExtendBaseWidget(t)
	t.slider = widget.NewSlider(0, 1)
	t.slider.Step = sliderStep.Seconds()
	t.slider.OnChanged = t.moved
	t.when = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	t.when.TextStyle.Bold = true
	t.from = widget.NewLabel("")
	t.play = widget.NewButtonWithIcon("", theme.MediaPlayIcon(), t.togglePlay)
	var speeds []string
	for _, s := range PlaySpeeds {
		speeds = append(speeds, speedLabel(s))
	}
	t.speed = widget.NewSelect(speeds, func(v string) {
		for _, s := range PlaySpeeds {
			if speedLabel(s) == v && s != t.speedX {
				t.speedX = s
				if t.OnSpeed != nil {
					t.OnSpeed(s)
				}
			}
		}
	})
	t.speed.SetSelected(speedLabel(t.speedX))
	var spans []string
	for _, d := range timeSpans {
		spans = append(spans, spanLabel(d))
	}
	t.span = widget.NewSelect(spans, func(v string) {
		for _, d := range timeSpans {
			if spanLabel(d) == v {
				t.reach = d
				t.SetRange(t.earliest, t.now)
			}
		}
	})
	t.span.SetSelected(spanLabel(t.reach))
	t.live = widget.NewButtonWithIcon(lang.L("Live"), theme.MediaFastForwardIcon(), func() {
		if t.OnLive != nil {
			t.OnLive()
		}
	})
	t.live.Importance = widget.HighImportance
	left := container.NewHBox(widget.NewLabel(lang.L("History")), t.span, t.from)
	right := container.NewHBox(t.when, t.play, t.speed, t.live)
	t.content = container.NewBorder(nil, nil, left, right, t.slider)
	t.SetRange(time.Time{}, time.Now())
	t.refreshControls()
	return t
}

// CreateRenderer draws the bar's controls.
func (t *TimeSlider) CreateRenderer() fyne.WidgetRenderer {
	t.ExtendBaseWidget(t)
	return widget.NewSimpleRenderer(t.content)
}

func (t *TimeSlider) loc() *time.Location {
	if t.Location != nil {
		return t.Location
	}
	return time.Local
}

// lo is the slider's left end: the reach back from now, or the oldest
// time held when that is later.
func (t *TimeSlider) lo() time.Time {
	lo := t.earliest
	if t.reach > 0 && (lo.IsZero() || t.now.Add(-t.reach).After(lo)) {
		lo = t.now.Add(-t.reach)
	}
	if lo.IsZero() || !lo.Before(t.now) {
		lo = t.now.Add(-sliderStep)
	}
	return lo
}

// SetRange sets the times the slider covers: from the oldest reading held
// (or the chosen reach back) to now.
func (t *TimeSlider) SetRange(earliest, now time.Time) {
	t.earliest, t.now = earliest, now
	t.setting = true
	t.slider.Min = float64(t.lo().Unix())
	t.slider.Max = float64(now.Unix())
	switch {
	case !t.historic:
		t.slider.Value = t.slider.Max
	case t.at.Before(t.lo()):
		t.slider.Value = t.slider.Min
	}
	t.slider.Refresh()
	t.setting = false
	t.from.SetText(t.lo().In(t.loc()).Format("01-02 15:04"))
}

// SetState shows what the screen shows: live, or history at `at`, playing
// or paused. While playing the slider follows the time; paused, it stays
// where the officer left it.
func (t *TimeSlider) SetState(historic bool, at time.Time, playing bool) {
	wasHistoric := t.historic
	t.historic, t.at, t.playing = historic, at, playing
	if !historic || playing || !wasHistoric {
		t.setting = true
		v := t.slider.Max
		if historic {
			v = float64(at.Unix())
		}
		t.slider.SetValue(v)
		t.setting = false
	}
	t.refreshControls()
}

// State reports what the bar shows: history or live, the time, playing.
func (t *TimeSlider) State() (historic bool, at time.Time, playing bool) {
	return t.historic, t.at, t.playing
}

// Speed is the chosen play speed.
func (t *TimeSlider) Speed() float64 { return t.speedX }

// SetSpeed chooses a play speed (one of PlaySpeeds).
func (t *TimeSlider) SetSpeed(s float64) { t.speed.SetSelected(speedLabel(s)) }

// Scrub moves the slider to at as the officer would.
func (t *TimeSlider) Scrub(at time.Time) { t.slider.SetValue(float64(at.Unix())) }

// Range is the span the slider covers.
func (t *TimeSlider) Range() (from, to time.Time) {
	return time.Unix(int64(t.slider.Min), 0), time.Unix(int64(t.slider.Max), 0)
}

// PressLive presses the Live button.
func (t *TimeSlider) PressLive() { t.live.OnTapped() }

// PressPlay presses play (or pause).
func (t *TimeSlider) PressPlay() { t.play.OnTapped() }

func (t *TimeSlider) moved(v float64) {
	if t.setting {
		return
	}
	at := time.Unix(int64(v), 0)
	t.historic, t.at = true, at
	t.refreshControls()
	if t.OnScrub != nil {
		t.OnScrub(at)
	}
}

func (t *TimeSlider) togglePlay() {
	if !t.historic {
		return
	}
	t.playing = !t.playing
	t.refreshControls()
	if t.OnPlay != nil {
		t.OnPlay(t.playing)
	}
}

func (t *TimeSlider) refreshControls() {
	if t.historic {
		t.when.Text = t.at.In(t.loc()).Format("2006-01-02 15:04")
		t.when.Color = historyColor
		t.live.Enable()
		t.play.Enable()
	} else {
		t.when.Text = lang.L("live")
		t.when.Color = colorLive
		t.live.Disable()
		t.play.Disable()
	}
	if t.playing {
		t.play.SetIcon(theme.MediaPauseIcon())
	} else {
		t.play.SetIcon(theme.MediaPlayIcon())
	}
	t.when.Refresh()
}

// historyColor marks everything that shows the past rather than now: a
// violet no status colour uses.
var historyColor = color.NRGBA{0xB3, 0x88, 0xFF, 0xFF}

// historyFill is the history banner's background.
var historyFill = color.NRGBA{0x5E, 0x35, 0xB1, 0xFF}

// historyTextScale enlarges the history banner's text.
const historyTextScale = 1.6

// HistoryBanner says, across the top of the window in large type on
// violet, that the screen shows the past: hidden while live.
type HistoryBanner struct {
	widget.BaseWidget
	text string
}

// NewHistoryBanner returns a hidden history banner.
func NewHistoryBanner() *HistoryBanner {
	b := &HistoryBanner{}
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

// SetText shows text (already translated); "" hides the banner.
func (b *HistoryBanner) SetText(text string) {
	b.text = text
	if text == "" {
		b.Hide()
		return
	}
	b.Show()
	b.Refresh()
}

// Text is what the banner says; "" while hidden.
func (b *HistoryBanner) Text() string { return b.text }

// MinSize is zero while hidden.
func (b *HistoryBanner) MinSize() fyne.Size {
	b.ExtendBaseWidget(b)
	if b.text == "" {
		return fyne.Size{}
	}
	return b.BaseWidget.MinSize()
}

// CreateRenderer draws the banner.
func (b *HistoryBanner) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	r := &historyBannerRenderer{b: b}
	r.bg.FillColor = historyFill
	r.label.TextStyle.Bold = true
	r.label.Alignment = fyne.TextAlignCenter
	r.label.Color = TextColorOn(historyFill)
	r.objects = []fyne.CanvasObject{&r.bg, &r.label}
	r.Refresh()
	return r
}

type historyBannerRenderer struct {
	b       *HistoryBanner
	bg      canvas.Rectangle
	label   canvas.Text
	objects []fyne.CanvasObject
}

func (r *historyBannerRenderer) MinSize() fyne.Size {
	if r.b.text == "" {
		return fyne.Size{}
	}
	p := r.b.Theme().Size(theme.SizeNameInnerPadding)
	return r.label.MinSize().AddWidthHeight(2*p, 2*p)
}

func (r *historyBannerRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.label.Resize(size)
}

func (r *historyBannerRenderer) Refresh() {
	r.label.Text = r.b.text
	r.label.TextSize = r.b.Theme().Size(theme.SizeNameText) * historyTextScale
	r.Layout(r.b.Size())
	r.bg.Refresh()
	r.label.Refresh()
}

func (r *historyBannerRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *historyBannerRenderer) Destroy() {}
