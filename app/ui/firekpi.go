package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/lang"

	"onescreen/assets"
	"onescreen/widgets"
)

// fireKPI is the fire tile: the number of detectors in alarm (火警), and
// apart from them the equipment that needs attention: faults, hydrants out
// of their pressure band, electrical monitors over their setting, devices
// offline. A hydrant at low pressure is not a fire.
func fireKPI(alarms, faults, pressure, over, offline int) widgets.KPIValue {
	v := widgets.KPIValue{Value: fmt.Sprint(alarms), Accent: normalColor}
	parts := []string{fmt.Sprintf("%s %d", lang.L("faults"), faults)}
	if pressure > 0 {
		parts = append(parts, fmt.Sprintf("%s %d", lang.L("hydrant pressure"), pressure))
	}
	if over > 0 {
		parts = append(parts, fmt.Sprintf("%s %d", lang.L("electrical over setting"), over))
	}
	parts = append(parts, fmt.Sprintf("%s %d", lang.L("offline"), offline))
	v.Caption = strings.Join(parts, " · ")
	switch {
	case alarms > 0:
		v.Accent = assets.SeverityCritical
	case pressure > 0 || over > 0 || faults > 0:
		v.Accent = assets.SeverityMajor
	}
	return v
}
