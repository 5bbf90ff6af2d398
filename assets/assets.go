// Package assets holds what the dashboard embeds: the Simplified Chinese
// font (Fyne's own font has no Chinese glyphs), the operations-room theme,
// the application icon and the demo district's base map (黄浦区, WGS-84).
//
// The font subset is built by fonts/subset.py, the icon by genicon.go and
// the base map by TestGenerateGeo with -update-geo; see README.md.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:generate go run genicon.go
//go:generate go test -tags ci,migrated_fynedo -run TestGenerateGeo -update-geo .

//go:embed fonts/NotoSansSC-Regular.otf
var fontRegular []byte

//go:embed fonts/NotoSansSC-Bold.otf
var fontBold []byte

//go:embed icon.png
var iconPNG []byte

// FontRegular is Noto Sans SC Regular cut down to GB 2312 plus every
// character the product and its geodata use (SIL OFL 1.1).
var FontRegular fyne.Resource = fyne.NewStaticResource("NotoSansSC-Regular.otf", fontRegular)

// FontBold is the bold face of the same subset.
var FontBold fyne.Resource = fyne.NewStaticResource("NotoSansSC-Bold.otf", fontBold)

// Icon is the application icon, 256×256 PNG; FyneApp.toml points at the
// same file.
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)
