package ui

import (
	"onescreen/internal/version"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

func (c *Console) showAbout() {
	text := lang.L("onescreen — the district operations dashboard.") + " " + version.String() + "\n\n" +
		lang.L("Base map") + ": " + c.base.Attribution + "\n" +
		lang.L("Font") + ": Noto Sans CJK SC (SIL Open Font License 1.1)\n" +
		lang.L("Standards") + ": HJ 633-2012 / HJ 633-2026, GB 3838-2002, GB 3096-2008, GB 50974-2014, GB 50116-2013"
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(l)
	scroll.SetMinSize(fyne.NewSize(640, 300))
	dialog.ShowCustom(lang.L("About and data sources"), lang.L("Close"), scroll, c.win)
}
