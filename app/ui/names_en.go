package ui

import (
	"strings"

	"onescreen/city"
)

// Names the standards and the site write in Chinese, given in the
// interface language. Stored values (a dispatched team, a class) stay as
// they are; only what is shown changes.

// classLabel is a water class as shown: "III类" or "class III".
func classLabel(c city.WaterClass) string {
	if isZH() {
		return c.Label()
	}
	return c.LabelEN()
}

// zoneLabel is a noise zone as shown: "2类" or "zone 2".
func zoneLabel(z city.NoiseZone) string {
	if isZH() {
		return z.Label()
	}
	return z.LabelEN()
}

// teamsEN are the English names of the default teams (DefaultTeams).
var teamsEN = map[string]string{
	"街道网格员":    "street grid officers",
	"城管执法中队":   "city management enforcement squad",
	"消防救援站":    "fire and rescue station",
	"生态环境执法大队": "environmental enforcement brigade",
	"公安巡逻组":    "police patrol",
	"水务所":      "water affairs office",
	"供电抢修":     "power repair crew",
}

// TeamLabel is a team's name as shown: as stored in Chinese, in English
// when the interface is English and the team is one of the default ones
// (a site's own team names are shown as given).
func TeamLabel(name string) string {
	if isZH() {
		return name
	}
	if en, ok := teamsEN[strings.TrimSpace(name)]; ok {
		return en
	}
	return name
}
