package ui

import (
	"fmt"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"

	"onescreen/cache/model"
	"onescreen/city"
)

// exportMenu offers the exports a duty officer hands on: a PNG of the
// screen as it stands (its clock and feed badges say when and how fresh),
// the last day's readings and alerts as CSV, and the open alerts as CAP.
func (c *Console) exportMenu() *fyne.Menu {
	return fyne.NewMenu(lang.L("Export"),
		fyne.NewMenuItem(lang.L("Screenshot (PNG)…"), c.exportScreenshot),
		fyne.NewMenuItem(lang.L("Readings of the last 24 hours (CSV)…"), func() {
			c.exportFile("onescreen-readings", ".csv", func(w io.Writer) error {
				return c.exports.Readings(model.ReadingFilter{From: time.Now().Add(-24 * time.Hour)}, c.site, w)
			})
		}),
		fyne.NewMenuItem(lang.L("Alerts with their history (CSV)…"), func() {
			c.exportFile("onescreen-alerts", ".csv", func(w io.Writer) error {
				return c.exports.Alerts(model.AlertFilter{}, w)
			})
		}),
		fyne.NewMenuItem(lang.L("Open alerts as CAP 1.2…"), c.exportCAP),
		fyne.NewMenuItem(lang.L("Shift handovers (CSV)…"), c.exportHandovers),
		fyne.NewMenuItem(lang.L("Duty log (CSV)…"), c.exportDutyLog),
	)
}

// exportFile asks where to save and writes the file with write.
func (c *Console) exportFile(name, ext string, write func(io.Writer) error) {
	if c.exports == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			c.showError(err)
			return
		}
		if w == nil {
			return // cancelled
		}
		werr := write(w)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			c.showError(fmt.Errorf("%s: %w", w.URI().Name(), werr))
			return
		}
		dialog.ShowInformation(lang.L("Export"), lang.L("Saved")+" "+w.URI().Path(), c.win)
	}, c.win)
	d.SetFileName(name + "-" + time.Now().In(city.Shanghai).Format("20060102-150405") + ext)
	d.SetFilter(storage.NewExtensionFileFilter([]string{ext}))
	d.Show()
}

func (c *Console) exportScreenshot() {
	img, err := c.Screenshot() // taken before the save dialog covers the window
	if err != nil {
		c.showError(err)
		return
	}
	c.exportFile("onescreen", ".png", func(w io.Writer) error { return EncodePNG(w, img) })
}

func (c *Console) exportCAP() {
	if c.exports == nil {
		return
	}
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			c.showError(err)
			return
		}
		if dir == nil {
			return
		}
		files, err := c.exports.CAP(model.AlertFilter{OpenOnly: true}, city.DefaultCAPOptions(), dir.Path())
		if err != nil {
			c.showError(err)
		}
		if len(files) > 0 {
			dialog.ShowInformation(lang.L("Export"), fmt.Sprintf("%s: %d", lang.L("CAP files written"), len(files)), c.win)
		}
	}, c.win)
}
