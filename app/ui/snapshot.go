package ui

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"onescreen/assets"
	"onescreen/city"
	"onescreen/internal/memtrim"
)

// Screenshots are drawn by Fyne's software painter from the window's own
// widget tree, not read back from the GL framebuffer. The GL driver's
// Canvas.Capture reads the front buffer after the swap; under Xvfb with
// Mesa's software GL (and on compositors, and for covered windows) that
// buffer is undefined and comes back black, so the saved PNG was a black
// rectangle while the dialog said it was saved. Painting the same objects
// in software gives the same picture on every driver, with or without a
// GPU, and lets the stamp be added in the same pass.

// StampLine is one item of a snapshot's stamp: text in a colour.
type StampLine struct {
	Text  string
	Color color.NRGBA
}

// FreshnessStamp is what a snapshot is stamped with: when it was taken
// (Beijing time) and, per feed, its state and the age of its newest data.
func FreshnessStamp(now time.Time, status []city.FeedStatus) []StampLine {
	out := []StampLine{{Text: lang.L("Snapshot") + " " + now.In(city.Shanghai).Format("2006-01-02 15:04:05") + " " + lang.L("Beijing time") +
		" · " + lang.L("newest data"), Color: color.NRGBA{0xEE, 0xEE, 0xEE, 0xFF}}}
	for _, st := range status {
		age := lang.L("no data")
		if a := st.Age(now); a >= 0 {
			age = city.FormatAge(a)
		}
		c := assets.BadgeOffline
		switch st.State {
		case city.FeedLive:
			c = assets.BadgeLive
		case city.FeedDegraded:
			c = assets.BadgeDegraded
		}
		out = append(out, StampLine{Text: fmt.Sprintf("%s %s %s %s", feedName(st.Feed), stateText(st.State), st.State, age), Color: c})
	}
	return out
}

// stampHeight is the height of the stamp bar under the captured screen.
func stampHeight() float32 {
	return theme.TextSize()*1.6 + 2*theme.Padding()
}

// CaptureWindow paints w's content with the software painter and appends a
// bar with the stamp under it. It runs on the UI goroutine. The content is
// painted where it is: nothing is moved or resized.
func CaptureWindow(w fyne.Window, stamp []StampLine) (img image.Image, err error) {
	defer func() {
		// the software painter panics on some degenerate objects (a rounded
		// rectangle laid out with a negative size); a screenshot that cannot
		// be taken is an error, never the end of the program
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("screenshot: %v", p)
		}
	}()
	live := w.Canvas().Content()
	if live == nil {
		return nil, errors.New("the window has no content")
	}
	pos, size := live.Position(), live.Size()
	if size.Width < 1 || size.Height < 1 {
		return nil, errors.New("the window is not laid out yet")
	}
	bar := stampBar(stamp)
	barH := stampHeight()
	bar.Move(fyne.NewPos(pos.X, pos.Y+size.Height))
	bar.Resize(fyne.NewSize(size.Width, barH))
	root := container.NewWithoutLayout(live, bar)

	sc := software.NewCanvas()
	sc.SetPadded(false)
	sc.SetScale(w.Canvas().Scale())
	total := fyne.NewSize(pos.X+size.Width, pos.Y+size.Height+barH)
	sc.Resize(total)
	sc.SetContent(root)
	full := sc.Capture()
	// Crop away the strip above the content (where the window draws its
	// menu bar) so the image is the content and the stamp.
	scale := w.Canvas().Scale()
	r := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height+barH)*scale)).Intersect(full.Bounds())
	if n, ok := full.(*image.NRGBA); ok {
		return n.SubImage(r), nil // no copy of a screen-sized picture
	}
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), full, r.Min, draw.Src)
	return out, nil
}

// stampBar lays the stamp out as one line of coloured texts on a dark bar.
func stampBar(stamp []StampLine) fyne.CanvasObject {
	bg := canvas.NewRectangle(color.NRGBA{0x10, 0x14, 0x1C, 0xFF})
	row := container.NewHBox()
	for i, s := range stamp {
		t := canvas.NewText(s.Text, s.Color)
		t.TextSize = theme.TextSize() * 1.1
		t.TextStyle.Bold = i == 0
		row.Add(t)
		if i < len(stamp)-1 {
			sep := canvas.NewText("|", color.NRGBA{0x80, 0x80, 0x80, 0xFF})
			sep.TextSize = t.TextSize
			row.Add(sep)
		}
	}
	return container.NewStack(bg, container.NewPadded(row))
}

// EncodePNG writes img as PNG.
func EncodePNG(w io.Writer, img image.Image) error { return png.Encode(w, img) }

// SnapshotPrefix starts the name of every scheduled snapshot file, which
// is followed by the Beijing time it was taken: onescreen-20260102-150405.png.
const SnapshotPrefix = "onescreen-"

// SnapshotName is the file name of a snapshot taken at t.
func SnapshotName(t time.Time) string {
	return SnapshotPrefix + t.In(city.Shanghai).Format("20060102-150405") + ".png"
}

// WriteSnapshot writes img into dir under its time-stamped name (through a
// temporary file, so a half-written PNG never carries the name) and then
// keeps only the newest keep snapshots in dir (keep ≤ 0: all). It returns
// the file's path.
func WriteSnapshot(dir string, img image.Image, t time.Time, keep int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("snapshot directory: %w", err)
	}
	path := filepath.Join(dir, SnapshotName(t))
	tmp, err := os.CreateTemp(dir, ".snapshot-*.tmp")
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	werr := png.Encode(tmp, img)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("snapshot %s: %w", path, werr)
	}
	return path, PruneSnapshots(dir, keep)
}

// PruneSnapshots deletes all but the newest keep snapshot files in dir
// (their names sort by time); other files are left alone.
func PruneSnapshots(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	names, err := Snapshots(dir)
	if err != nil {
		return err
	}
	var errs []error
	for len(names) > keep {
		errs = append(errs, os.Remove(filepath.Join(dir, names[0])))
		names = names[1:]
	}
	return errors.Join(errs...)
}

// Snapshots lists the snapshot files in dir, oldest first.
func Snapshots(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, SnapshotPrefix) && strings.HasSuffix(n, ".png") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Screenshot is the console's window as it stands, stamped with the time
// and each feed's freshness. It runs on the UI goroutine.
func (c *Console) Screenshot() (image.Image, error) {
	now := time.Now()
	var status []city.FeedStatus
	if c.last != nil {
		status = c.last.Status
	}
	return CaptureWindow(c.win, FreshnessStamp(now, status))
}

// runSnapshots saves a stamped screenshot into dir every period until ctx
// ends, keeping the newest keep files. The picture is painted on the UI
// goroutine; encoding and writing happen here. A failure is logged, never
// shown in a dialog: a wall has nobody to click it away.
func (c *Console) runSnapshots(done <-chan struct{}, onUI func(func()), every time.Duration, dir string, keep int, logw io.Writer) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		type shot struct {
			img image.Image
			err error
		}
		ch := make(chan shot, 1)
		onUI(func() {
			img, err := c.Screenshot()
			ch <- shot{img, err}
		})
		var s shot
		select {
		case <-done:
			return
		case s = <-ch:
		}
		if s.err == nil {
			var path string
			path, s.err = WriteSnapshot(dir, s.img, time.Now(), keep)
			if s.err == nil && logw != nil {
				fmt.Fprintln(logw, "snapshot", path)
			}
		}
		if s.err != nil && logw != nil {
			fmt.Fprintln(logw, "snapshot:", s.err)
		}
		s.img = nil
		memtrim.Trim() // what the painting freed in the C heap goes back to the system
	}
}
