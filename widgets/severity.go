package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"onescreen/city"
)

// severityLevels is how many severities there are (city.SeverityInfo up to
// city.SeverityCritical).
const severityLevels = int(city.SeverityCritical - city.SeverityInfo + 1)

// Colours of the national AQI categories (HJ 633-2012), from 优 to 严重污染.
var (
	aqiGreen  = color.NRGBA{R: 0x00, G: 0xE4, B: 0x00, A: 0xFF} // 一级 优
	aqiYellow = color.NRGBA{R: 0xFF, G: 0xFF, B: 0x00, A: 0xFF} // 二级 良
	aqiOrange = color.NRGBA{R: 0xFF, G: 0x7E, B: 0x00, A: 0xFF} // 三级 轻度污染
	aqiRed    = color.NRGBA{R: 0xFF, G: 0x00, B: 0x00, A: 0xFF} // 四级 中度污染
	aqiPurple = color.NRGBA{R: 0x99, G: 0x00, B: 0x4C, A: 0xFF} // 五级 重度污染
	aqiMaroon = color.NRGBA{R: 0x7E, G: 0x00, B: 0x23, A: 0xFF} // 六级 严重污染
)

// severityInfoBlue is the calm blue of an informational alert.
var severityInfoBlue = color.NRGBA{R: 0x4F, G: 0xC3, B: 0xF7, A: 0xFF}

// Status colours of the feed badges and the freshness banner.
var (
	colorLive     = color.NRGBA{R: 0x00, G: 0xC8, B: 0x53, A: 0xFF} // green: data flowing
	colorDegraded = color.NRGBA{R: 0xFF, G: 0xB3, B: 0x00, A: 0xFF} // amber: late or partial
	colorOffline  = color.NRGBA{R: 0xE5, G: 0x1C, B: 0x23, A: 0xFF} // red: nothing arriving
	colorOnLight  = color.NRGBA{R: 0x10, G: 0x10, B: 0x10, A: 0xFF} // text on a light fill
	colorOnDark   = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF} // text on a dark fill
)

// SeverityColor returns the colour of an alert severity, consistent with the
// national AQI colours: info a calm blue, minor yellow (#FFFF00), major
// orange (#FF7E00) and critical red (#FF0000). Severities outside the known
// range are clamped, so a bad severity is drawn as the nearest real one.
func SeverityColor(sev city.Severity) color.NRGBA {
	switch clampSeverity(sev) {
	case city.SeverityMinor:
		return aqiYellow
	case city.SeverityMajor:
		return aqiOrange
	case city.SeverityCritical:
		return aqiRed
	default:
		return severityInfoBlue
	}
}

// AQILevelColor returns the national colour of AQI level 1 (优) to 6
// (严重污染). Level 0 or below means "no AQI" and is transparent; levels
// above 6 are drawn as level 6.
func AQILevelColor(level int) color.NRGBA {
	switch {
	case level <= 0:
		return color.NRGBA{}
	case level == 1:
		return aqiGreen
	case level == 2:
		return aqiYellow
	case level == 3:
		return aqiOrange
	case level == 4:
		return aqiRed
	case level == 5:
		return aqiPurple
	default:
		return aqiMaroon
	}
}

// TextColorOn returns black or white, whichever reads better on fill.
func TextColorOn(fill color.Color) color.NRGBA {
	r, g, b, _ := fill.RGBA()
	// Relative luminance with the Rec. 601 weights, on 16-bit channels.
	lum := (299*r + 587*g + 114*b) / 1000
	if lum > 0x8000 {
		return colorOnLight
	}
	return colorOnDark
}

// clampSeverity maps an unknown severity onto the nearest known one.
func clampSeverity(sev city.Severity) city.Severity {
	return min(max(sev, city.SeverityInfo), city.SeverityCritical)
}

// severityIndex is sev's place in per-severity arrays, 0 for info.
func severityIndex(sev city.Severity) int {
	return int(clampSeverity(sev) - city.SeverityInfo)
}

// thColor looks a colour up in the theme a widget is drawn with.
func thColor(th fyne.Theme, name fyne.ThemeColorName) color.Color {
	return th.Color(name, currentVariant())
}

// currentVariant is the light/dark variant the app is showing.
func currentVariant() fyne.ThemeVariant {
	if a := fyne.CurrentApp(); a != nil {
		return a.Settings().ThemeVariant()
	}
	return theme.VariantDark
}

// Colour names the app's theme may define (see the assets package); when
// the theme does not, the widgets use their own colours.
const (
	colorNameStale    fyne.ThemeColorName = "onescreen.stale"
	colorNameLive     fyne.ThemeColorName = "onescreen.badge.live"
	colorNameDegraded fyne.ThemeColorName = "onescreen.badge.degraded"
	colorNameOffline  fyne.ThemeColorName = "onescreen.badge.offline"
)

// thColorOr asks the theme for a colour it may not define, with fallback
// for a theme that does not.
func thColorOr(th fyne.Theme, name fyne.ThemeColorName, fallback color.NRGBA) color.NRGBA {
	c := th.Color(name, currentVariant())
	if c == nil {
		return fallback
	}
	if n := nrgbaOf(c); n.A != 0 {
		return n
	}
	return fallback
}

// staleColor is the colour of stale data that is still shown.
func staleColor(th fyne.Theme) color.Color {
	return thColorOr(th, colorNameStale, nrgbaOf(thColor(th, theme.ColorNameDisabled)))
}

// nrgbaOf converts any colour to non-premultiplied RGBA.
func nrgbaOf(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}
