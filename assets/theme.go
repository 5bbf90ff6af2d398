package assets

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is the operations-room look: always dark whatever the system
// prefers, text a size up so a wall screen at 1920×1080 reads from two
// metres, and the bundled Chinese font. Everything it does not override
// comes from Fyne's default theme.
type Theme struct {
	fyne.Theme // Fyne's default theme, asked for its dark variant
}

// NewTheme returns the dashboard's theme.
func NewTheme() fyne.Theme { return &Theme{Theme: theme.DefaultTheme()} }

// Colour names this theme adds, so widgets can ask the current theme for
// them like any built-in colour.
const (
	ColorNameSeverityInfo     fyne.ThemeColorName = "onescreen.severity.info"
	ColorNameSeverityMinor    fyne.ThemeColorName = "onescreen.severity.minor"
	ColorNameSeverityMajor    fyne.ThemeColorName = "onescreen.severity.major"
	ColorNameSeverityCritical fyne.ThemeColorName = "onescreen.severity.critical"
	ColorNameStale            fyne.ThemeColorName = "onescreen.stale"
	ColorNameLive             fyne.ThemeColorName = "onescreen.badge.live"
	ColorNameDegraded         fyne.ThemeColorName = "onescreen.badge.degraded"
	ColorNameOffline          fyne.ThemeColorName = "onescreen.badge.offline"
)

// AQI level colours of HJ 633, 一级 (优) to 六级 (严重污染). The standard
// fixes them; do not restyle.
var AQILevelColors = [6]color.NRGBA{
	{0x00, 0xE4, 0x00, 0xFF}, // 一级 优
	{0xFF, 0xFF, 0x00, 0xFF}, // 二级 良
	{0xFF, 0x7E, 0x00, 0xFF}, // 三级 轻度污染
	{0xFF, 0x00, 0x00, 0xFF}, // 四级 中度污染
	{0x99, 0x00, 0x4C, 0xFF}, // 五级 重度污染
	{0x7E, 0x00, 0x23, 0xFF}, // 六级 严重污染
}

// Water class colours for GB 3838 classes Ⅰ to Ⅴ and 劣Ⅴ. The standard
// sets no colours; these follow the common convention of Chinese water
// quality bulletins (Ⅰ–Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red),
// with the blues lightened to read on a dark background.
var WaterClassColors = [6]color.NRGBA{
	{0x3D, 0x8B, 0xFF, 0xFF}, // Ⅰ
	{0x41, 0xC7, 0xF2, 0xFF}, // Ⅱ
	{0x00, 0xB0, 0x50, 0xFF}, // Ⅲ
	{0xFF, 0xFF, 0x00, 0xFF}, // Ⅳ
	{0xFF, 0x99, 0x00, 0xFF}, // Ⅴ
	{0xFF, 0x00, 0x00, 0xFF}, // 劣Ⅴ
}

// Alert severity colours, least to most severe.
var (
	SeverityInfo     = color.NRGBA{0x3F, 0xA9, 0xF5, 0xFF} // blue: for the record
	SeverityMinor    = color.NRGBA{0xF5, 0xC5, 0x18, 0xFF} // yellow: watch
	SeverityMajor    = color.NRGBA{0xFF, 0x7E, 0x00, 0xFF} // orange: act
	SeverityCritical = color.NRGBA{0xFF, 0x2D, 0x2D, 0xFF} // red: act now
)

// StaleGrey draws values too old to trust and anything of unknown level.
var StaleGrey = color.NRGBA{0x6B, 0x7A, 0x90, 0xFF}

// Feed badge colours.
var (
	BadgeLive     = color.NRGBA{0x22, 0xC5, 0x5E, 0xFF} // connected and fresh
	BadgeDegraded = color.NRGBA{0xF5, 0xA6, 0x23, 0xFF} // connected, data not fresh
	BadgeOffline  = color.NRGBA{0xE5, 0x48, 0x4D, 0xFF} // not connected
)

// AQILevelColor returns the colour of AQI level 1 (一级) to 6 (六级), and
// StaleGrey for any other level (no AQI).
func AQILevelColor(level int) color.NRGBA {
	if level < 1 || level > len(AQILevelColors) {
		return StaleGrey
	}
	return AQILevelColors[level-1]
}

// WaterClassColor returns the colour of water class 1 (Ⅰ) to 5 (Ⅴ), 6 for
// 劣Ⅴ, and StaleGrey for any other value (not assessed).
func WaterClassColor(class int) color.NRGBA {
	if class < 1 || class > len(WaterClassColors) {
		return StaleGrey
	}
	return WaterClassColors[class-1]
}

// Text colours for ContrastText.
var (
	inkDark  = color.NRGBA{0x0B, 0x12, 0x20, 0xFF}
	inkLight = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// ContrastText returns dark or light text, whichever has the higher WCAG
// contrast ratio on bg (dark on the AQI green, yellow, orange and red;
// light on the purples).
func ContrastText(bg color.Color) color.NRGBA {
	if contrastRatio(bg, inkDark) >= contrastRatio(bg, inkLight) {
		return inkDark
	}
	return inkLight
}

// contrastRatio is the WCAG 2 contrast ratio of two colours, 1 to 21.
func contrastRatio(a, b color.Color) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// relativeLuminance is the WCAG 2 relative luminance of an sRGB colour.
func relativeLuminance(c color.Color) float64 {
	lin := func(v uint32) float64 {
		s := float64(v) / 0xFFFF
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	r, g, b, _ := c.RGBA()
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// palette holds the colours that differ from Fyne's dark theme.
var palette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:          color.NRGBA{0x0B, 0x12, 0x20, 0xFF},
	theme.ColorNameForeground:          color.NRGBA{0xE6, 0xED, 0xF5, 0xFF},
	theme.ColorNameButton:              color.NRGBA{0x1B, 0x2A, 0x41, 0xFF},
	theme.ColorNameDisabledButton:      color.NRGBA{0x14, 0x1E, 0x2E, 0xFF},
	theme.ColorNameDisabled:            color.NRGBA{0x5B, 0x6B, 0x80, 0xFF},
	theme.ColorNameHeaderBackground:    color.NRGBA{0x11, 0x1B, 0x2C, 0xFF},
	theme.ColorNameInputBackground:     color.NRGBA{0x12, 0x1C, 0x2D, 0xFF},
	theme.ColorNameInputBorder:         color.NRGBA{0x2B, 0x3B, 0x55, 0xFF},
	theme.ColorNameMenuBackground:      color.NRGBA{0x11, 0x1B, 0x2C, 0xFF},
	theme.ColorNameOverlayBackground:   color.NRGBA{0x0F, 0x18, 0x28, 0xFF},
	theme.ColorNamePlaceHolder:         color.NRGBA{0x7F, 0x8E, 0xA3, 0xFF},
	theme.ColorNameHover:               color.NRGBA{0xFF, 0xFF, 0xFF, 0x14},
	theme.ColorNamePressed:             color.NRGBA{0xFF, 0xFF, 0xFF, 0x26},
	theme.ColorNamePrimary:             SeverityInfo,
	theme.ColorNameForegroundOnPrimary: inkDark,
	theme.ColorNameFocus:               color.NRGBA{0x3F, 0xA9, 0xF5, 0x7F},
	theme.ColorNameSelection:           color.NRGBA{0x3F, 0xA9, 0xF5, 0x40},
	theme.ColorNameHyperlink:           color.NRGBA{0x6C, 0xC4, 0xFF, 0xFF},
	theme.ColorNameSeparator:           color.NRGBA{0x22, 0x32, 0x4A, 0xFF},
	theme.ColorNameSuccess:             BadgeLive,
	theme.ColorNameWarning:             SeverityMajor,
	theme.ColorNameError:               SeverityCritical,

	ColorNameSeverityInfo:     SeverityInfo,
	ColorNameSeverityMinor:    SeverityMinor,
	ColorNameSeverityMajor:    SeverityMajor,
	ColorNameSeverityCritical: SeverityCritical,
	ColorNameStale:            StaleGrey,
	ColorNameLive:             BadgeLive,
	ColorNameDegraded:         BadgeDegraded,
	ColorNameOffline:          BadgeOffline,
}

// sizes holds the sizes that differ from Fyne's default (which is 14 for
// text): about 15 % larger for reading at a distance.
var sizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           16,
	theme.SizeNameCaptionText:    13,
	theme.SizeNameSubHeadingText: 20,
	theme.SizeNameHeadingText:    28,
	theme.SizeNameInlineIcon:     22,
	theme.SizeNamePadding:        5,
	theme.SizeNameInnerPadding:   10,
	theme.SizeNameLineSpacing:    5,
}

// Color returns the dark operations-room colour for n; the variant the
// system asks for is ignored.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if c, ok := palette[n]; ok {
		return c
	}
	return t.Theme.Color(n, theme.VariantDark)
}

// Font returns the bundled Chinese font for regular and bold text (italic
// has no Chinese form, so it falls back to upright) and Fyne's own fonts for
// monospace and symbols.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace, s.Symbol:
		return t.Theme.Font(s)
	case s.Bold:
		return FontBold
	default:
		return FontRegular
	}
}

// Size returns the enlarged sizes, and Fyne's for everything else.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := sizes[n]; ok {
		return s
	}
	return t.Theme.Size(n)
}
