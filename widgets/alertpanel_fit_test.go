package widgets

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestFitTextShortensToWidth(t *testing.T) {
	test.NewTempApp(t)
	long := strings.Repeat("严重 · AQI 436，六级严重污染，首要污染物 PM2.5 ", 4)
	const size, width = 14, 300
	got := fitText(long, size, fyne.TextStyle{}, width)
	if w := fyne.MeasureText(got, size, fyne.TextStyle{}).Width; w > width {
		t.Errorf("fitted text is %.0f wide, want ≤ %d", w, width)
	}
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("fitted text %q is not a prefix of the original with an ellipsis", got)
	}
	if short := "十五厂"; fitText(short, size, fyne.TextStyle{}, width) != short {
		t.Error("a text that fits was changed")
	}
}
