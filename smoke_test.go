package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onescreen/app/ui"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/internal/testutil"
)

// hideFonts runs a command in a private mount namespace in which the
// system's font directories are empty, so Fyne cannot fall back to a
// system CJK font: every Chinese glyph on screen must come from the font
// the app bundles.
const hideFonts = `set -e
empty=$(mktemp -d)
for d in /usr/share/fonts /usr/local/share/fonts /usr/X11R6/lib/X11/fonts /usr/share/texmf/fonts; do
	[ -d "$d" ] && mount --bind "$empty" "$d"
done
if [ -n "$(find /usr/share/fonts -type f 2>/dev/null | head -n 1)" ]; then
	echo "system fonts still visible" >&2
	exit 97
fi
exec "$@"
`

// freeDisplay picks an X display number nobody uses, or the one
// ONESCREEN_TEST_DISPLAY names (e.g. :95).
func freeDisplay(t *testing.T) string {
	if d := os.Getenv("ONESCREEN_TEST_DISPLAY"); d != "" {
		return d
	}
	for n := 90; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); os.IsNotExist(err) {
				return fmt.Sprintf(":%d", n)
			}
		}
	}
	t.Fatal("no free X display")
	return ""
}

// TestSmokeRealWindow runs the real binary in a real window under Xvfb on
// the embedded demo district, with the system's fonts out of reach, takes a
// screenshot once the feeds are flowing, and checks its pixels: the window
// is not blank, the map shows features, and the Chinese text is drawn with
// glyphs, not missing-glyph boxes. With ONESCREEN_SCREENSHOT=path the
// screenshot is kept there.
func TestSmokeRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("real-window smoke test")
	}
	for _, tool := range []string{"Xvfb", "xwd", "convert", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: `make test` installs xvfb, x11-apps and imagemagick", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("hiding the system fonts needs a private mount namespace: run as root (as CI does)")
	}
	dir := t.TempDir()
	bin := testutil.Build(t, dir, ".", testutil.AppTags)
	display := freeDisplay(t)
	xvfb := exec.Command("Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() }()
	testutil.WaitFor(t, 10*time.Second, "Xvfb", func() bool {
		return exec.Command("xwd", "-root", "-silent", "-display", display).Run() == nil
	})

	dataDir := filepath.Join(dir, "data")
	home := filepath.Join(dir, "home")
	var out testutil.Output
	snapDir := filepath.Join(dir, "snaps")
	app := exec.Command("unshare", "-m", "sh", "-c", hideFonts, "sh", bin, "--data", dataDir, "--lang", "zh",
		"--snapshot-every", "2s", "--snapshot-dir", snapDir)
	app.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "share"),
		"XDG_DATA_DIRS="+filepath.Join(dir, "nodata"), "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "FONTCONFIG_FILE=/dev/null")
	app.Stdout, app.Stderr = &out, &out
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = app.Process.Kill(); _ = app.Wait() }()

	// Wait until every feed has delivered readings into the cache.
	testutil.WaitFor(t, 90*time.Second, "every feed to deliver readings", func() bool {
		db, err := cache.OpenReadOnly(dataDir)
		if err != nil {
			return false
		}
		defer db.Close()
		latest, err := db.Latest()
		if err != nil {
			return false
		}
		feeds := map[city.Feed]bool{}
		for _, l := range latest {
			feeds[l.Feed] = true
		}
		return len(feeds) == len(city.Feeds)
	})
	time.Sleep(4 * time.Second) // a few pump cycles to draw them

	shot := exec.Command("sh", "-c", "xwd -root -silent -display "+display+" | convert xwd:- png:-")
	pngBytes, err := shot.Output()
	if err != nil {
		t.Fatalf("screenshot: %v\napp output:\n%s", err, out.String())
	}
	if p := os.Getenv("ONESCREEN_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, pngBytes, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, img, out.String())

	// The stamped screenshot the app saves itself (the same picture as
	// 导出 → 截图) must show the same screen, not a black rectangle.
	time.Sleep(2500 * time.Millisecond)
	names, err := appSnapshots(snapDir)
	if err != nil || len(names) == 0 {
		t.Fatalf("the app saved no screenshot: %v\n%s", err, out.String())
	}
	b, err := os.ReadFile(filepath.Join(snapDir, names[len(names)-1]))
	if err != nil {
		t.Fatal(err)
	}
	shotImg, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("saved screenshot", func(t *testing.T) {
		checkScreenshot(t, shotImg, out.String())
		sb := shotImg.Bounds()
		if _, ok := testutil.TextBand(shotImg, image.Rect(sb.Min.X, sb.Max.Y-40, sb.Min.X+900, sb.Max.Y), 8); !ok {
			t.Error("no stamp at the bottom of the saved screenshot")
		}
	})
}

func checkScreenshot(t *testing.T, img image.Image, appOut string) {
	t.Helper()
	b := img.Bounds()
	// 1. Not blank: a real dashboard has many colours.
	colours := map[color.RGBA]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0}] = true
		}
	}
	if len(colours) < 500 {
		t.Errorf("the window looks blank: %d distinct colours\n%s", len(colours), appOut)
	}
	// 2. Features on the map: markers in the map area in the colours the
	// layers use (normal green, AQI level colours, severities).
	feature := func(c color.Color) bool {
		r, g, bl, _ := c.RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		green := g > 170 && r < 120 && bl < 150    // normal / 优
		yellow := r > 200 && g > 180 && bl < 80    // 良 / minor
		orangeRed := r > 200 && g < 140 && bl < 80 // 轻度 / major / critical
		return green || yellow || orangeRed
	}
	mapArea := image.Rect(b.Min.X+b.Dx()/6, b.Min.Y+b.Dy()/4, b.Min.X+b.Dx()*3/5, b.Max.Y-20)
	n := 0
	for y := mapArea.Min.Y; y < mapArea.Max.Y; y++ {
		for x := mapArea.Min.X; x < mapArea.Max.X; x++ {
			if feature(img.At(x, y)) {
				n++
			}
		}
	}
	if n < 300 {
		t.Errorf("the map shows no features: %d feature-coloured pixels in %v", n, mapArea)
	}
	// 3. Chinese, not boxes: the menu bar and the title line.
	top := image.Rect(b.Min.X, b.Min.Y, b.Min.X+600, b.Min.Y+160)
	lines := 0
	for r := top; lines < 2; {
		band, ok := testutil.TextBand(img, r, 10)
		if !ok {
			break
		}
		rep := testutil.Repetition(img, band)
		t.Logf("text line %v: repetition %.2f", band, rep)
		if rep < testutil.TofuRepetition {
			t.Errorf("text line %v looks like missing-glyph boxes (repetition %.2f < %.2f)", band, rep, testutil.TofuRepetition)
		}
		lines++
		r.Min.Y = band.Max.Y + 1
	}
	if lines == 0 {
		t.Errorf("no text found at the top of the window")
	}
	t.Logf("%d colours, %d feature pixels, %d text lines checked", len(colours), n, lines)
	if strings.Contains(appOut, "panic") {
		t.Errorf("the app panicked:\n%s", appOut)
	}
}

var appSnapshots = ui.Snapshots
