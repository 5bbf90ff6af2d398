package ui

import (
	"time"

	"onescreen/city"
)

// District is the district-wide figures of a snapshot: what the KPI tiles
// of the console and of the wall show. The pump works them out once per
// snapshot, off the UI goroutine, from the stations judged by the
// standards (DistrictOf); the tiles only draw them.
type District struct {
	AQI      city.AQIResult // of the mean concentrations of the live air stations (city.DistrictAQI)
	AirStale bool           // no air station to take: the last known values are shown
	AirAt    time.Time      // the newest air observation taken

	WaterN, WaterOK int             // stations judged, of them meeting their target class
	WorstClass      city.WaterClass // the worst class measured

	NoiseN, NoiseOver int // stations judged, of them over a limit

	FireAlarm, FireFault, FireOffline, FirePressure, FireOver int // fire devices by state

	People     float64 // in all crowd zones
	WorstRisk  city.CrowdRisk
	WorstZone  string // the densest zone
	WorstCrowd city.CrowdAssessment
	CrowdStale bool // no crowd zone is fresh

	fresh map[city.Feed]*feedFreshness // each feed's tile: live, or greyed with its age
}

// DistrictOf works out the district's figures from a snapshot whose
// stations were judged (judged[i] is s.Stations[i]'s judgement).
func DistrictOf(s *Snapshot, judged []Judgement, site city.SiteConfig) *District {
	d := &District{CrowdStale: true, AirStale: true}
	d.fresh = kpiFreshness(s, judged)
	airVals := map[string][]float64{}
	// District AQI: of the live stations; in an outage, of the last known
	// values of all (greyed, with their age), never blank.
	airLive := d.fresh[city.FeedAir].live
	for i, ss := range s.Stations {
		j := judged[i]
		switch ss.Station.Feed {
		case city.FeedAir:
			if airLive && j.Stale {
				continue
			}
			d.AirStale = false
			for p, l := range ss.Values {
				airVals[p] = append(airVals[p], l.Value)
			}
			if ss.Newest.After(d.AirAt) {
				d.AirAt = ss.Newest
			}
		case city.FeedWater:
			if j.Judged {
				d.WaterN++
				if j.Meets {
					d.WaterOK++
				}
				if j.Water.Class > d.WorstClass {
					d.WorstClass = j.Water.Class
				}
			}
		case city.FeedNoise:
			if j.Judged {
				d.NoiseN++
				if j.Noise.Over || j.Noise.LmaxOver {
					d.NoiseOver++
				}
			}
		case city.FeedFire:
			switch j.Fire {
			case FireAlarm:
				d.FireAlarm++
			case FireFault:
				d.FireFault++
			case FireOffline:
				d.FireOffline++
			case FirePressureLow, FirePressureHigh:
				d.FirePressure++
			case FireOverSetting:
				d.FireOver++
			}
		case city.FeedCrowd:
			if j.Judged {
				if !j.Stale {
					d.CrowdStale = false
				}
				d.People += j.Crowd.Count
				if j.Crowd.Density > d.WorstCrowd.Density || d.WorstZone == "" {
					d.WorstRisk, d.WorstZone, d.WorstCrowd = j.Crowd.Risk, ss.Station.Name, j.Crowd
				}
			}
		}
	}
	if res, err := city.DistrictAQI(airVals, site.EditionAt(d.AirAt)); err == nil {
		d.AQI = res
	}
	return d
}

// judgeAll judges every station of s by the standards, with its alerts.
func judgeAll(s *Snapshot, site city.SiteConfig, staleAfter time.Duration) []Judgement {
	alertsBy := map[string][]city.Alert{}
	for _, v := range s.Alerts {
		alertsBy[v.Alert.Station] = append(alertsBy[v.Alert.Station], v.Alert)
	}
	judged := make([]Judgement, len(s.Stations))
	for i, ss := range s.Stations {
		judged[i] = Judge(ss, alertsBy[ss.Station.ID], site, s.Now, staleAfter)
	}
	return judged
}

// judge gives s its judgements and district figures: the pump does it
// off the UI goroutine, before it hands s over.
func (s *Snapshot) judge(site city.SiteConfig, staleAfter time.Duration) {
	s.Judged = judgeAll(s, site, staleAfter)
	s.District = DistrictOf(s, s.Judged, site)
}

// judgements are s's judgements and district figures: those the pump gave
// it, or, for a snapshot built by hand, worked out now (and not kept, so
// that a snapshot changed afterwards is judged afresh).
func (s *Snapshot) judgements(site city.SiteConfig, staleAfter time.Duration) ([]Judgement, *District) {
	if s.District != nil && len(s.Judged) == len(s.Stations) {
		return s.Judged, s.District
	}
	j := judgeAll(s, site, staleAfter)
	return j, DistrictOf(s, j, site)
}
