package city

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Crowd density and flow. There is no national numeric crowd standard;
// the bands here are those in common professional use: G. K. Still's
// density bands and J. J. Fruin's levels of service, all in persons/m².

// minWalkableArea is the smallest zone area accepted, m²: anything smaller
// is a drawing error (collinear or repeated points), not a crowd zone.
const minWalkableArea = 1.0

// WalkableArea returns the area of a zone polygon (WGS-84 lon/lat) in
// square metres on the Earth's surface; holes (obstacles, buildings) are
// subtracted. The area is computed from the geometry, never typed in.
func WalkableArea(p orb.Polygon) (float64, error) {
	if len(p) == 0 {
		return 0, fmt.Errorf("walkable area: empty polygon")
	}
	for i, ring := range p {
		if len(ring) < 3 {
			return 0, fmt.Errorf("walkable area: ring %d has %d points, want at least 3", i, len(ring))
		}
		for _, pt := range ring {
			if !Finite(pt[0]) || !Finite(pt[1]) || pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
				return 0, fmt.Errorf("walkable area: ring %d has point %v outside lon/lat range", i, pt)
			}
		}
	}
	a := geo.Area(p)
	if !(a >= minWalkableArea) {
		return 0, fmt.Errorf("walkable area: polygon encloses %.3g m², less than %v m² (degenerate or self-cancelling rings)", a, minWalkableArea)
	}
	return a, nil
}

// Density returns persons per m²: count ÷ walkable area.
func Density(count, areaM2 float64) (float64, error) {
	if !Finite(count) || count < 0 {
		return 0, fmt.Errorf("crowd density: count %v is not a head count", count)
	}
	if !finitePositive(areaM2) {
		return 0, fmt.Errorf("crowd density: area %v m² is not positive", areaM2)
	}
	return count / areaM2, nil
}

// DensityBand is one of G. K. Still's crowd density bands.
type DensityBand int

// Still's bands; each starts at its lower edge (inclusive).
const (
	BandFreeFlow   DensityBand = iota + 1 // < 1 person/m²
	BandStable                            // 1 – 2.5
	BandAtCapacity                        // 2.5 – 3.5
	BandUnstable                          // 3.5 – 5
	BandCongested                         // ≥ 5: congested, dangerous
)

// Lower edges of Still's bands, persons/m².
const (
	stillStable     = 1.0
	stillAtCapacity = 2.5
	stillUnstable   = 3.5
	stillCongested  = 5.0
)

// DensityBandOf returns the band of density d (persons/m²); a band's lower
// edge belongs to it (2.5 is at capacity).
func DensityBandOf(d float64) DensityBand {
	d = guarded(d)
	switch {
	case d >= stillCongested:
		return BandCongested
	case d >= stillUnstable:
		return BandUnstable
	case d >= stillAtCapacity:
		return BandAtCapacity
	case d >= stillStable:
		return BandStable
	}
	return BandFreeFlow
}

// Name gives the band in Chinese.
func (b DensityBand) Name() string {
	switch b {
	case BandFreeFlow:
		return "自由通行"
	case BandStable:
		return "稳定"
	case BandAtCapacity:
		return "饱和"
	case BandUnstable:
		return "不稳定"
	case BandCongested:
		return "拥堵危险"
	}
	return ""
}

// String gives the band in English.
func (b DensityBand) String() string {
	switch b {
	case BandFreeFlow:
		return "free flow"
	case BandStable:
		return "stable"
	case BandAtCapacity:
		return "at capacity"
	case BandUnstable:
		return "unstable"
	case BandCongested:
		return "congested, dangerous"
	}
	return fmt.Sprintf("DensityBand(%d)", int(b))
}

// FacilityKind says which of Fruin's level-of-service tables applies.
type FacilityKind int

// Fruin's facility kinds.
const (
	Walkway FacilityKind = iota + 1
	QueueArea
	Stairs
)

// Upper bounds (exclusive) of Fruin levels A..E in persons/m²; F is above.
var fruinBounds = map[FacilityKind][5]float64{
	Walkway:   {0.308, 0.431, 0.718, 1.076, 2.153},
	QueueArea: {0.828, 1.076, 1.538, 3.588, 5.382},
	Stairs:    {0.538, 0.718, 1.076, 1.538, 2.691},
}

// LevelOfService is a Fruin level of service, 'A' (free) .. 'F' (jammed).
type LevelOfService byte

// String gives "A".."F".
func (l LevelOfService) String() string { return string(rune(l)) }

// FruinLoS returns the level of service of density d (persons/m²) on a
// facility of kind k; a bound belongs to the worse level (0.308 on a
// walkway is B). ok is false for an unknown kind or a bad density.
func FruinLoS(k FacilityKind, d float64) (LevelOfService, bool) {
	b, found := fruinBounds[k]
	if !found || !Finite(d) || d < 0 {
		return 0, false
	}
	d = guarded(d)
	for i, upper := range b {
		if d < upper {
			return LevelOfService('A' + i), true
		}
	}
	return 'F', true
}

// CrowdRisk is the risk level shown to officers.
type CrowdRisk int

// Risk levels, mapped from density by CrowdSettings.
const (
	RiskLow      CrowdRisk = iota + 1 // 低
	RiskMedium                        // 中
	RiskHigh                          // 高
	RiskCritical                      // 极高
)

// Name gives the risk level in Chinese.
func (r CrowdRisk) Name() string {
	switch r {
	case RiskLow:
		return "低"
	case RiskMedium:
		return "中"
	case RiskHigh:
		return "高"
	case RiskCritical:
		return "极高"
	}
	return ""
}

// String gives the risk level in English.
func (r CrowdRisk) String() string {
	switch r {
	case RiskLow:
		return "low"
	case RiskMedium:
		return "medium"
	case RiskHigh:
		return "high"
	case RiskCritical:
		return "critical"
	}
	return fmt.Sprintf("CrowdRisk(%d)", int(r))
}

// RiskOf maps density d (persons/m²) onto the site's risk levels; each
// level starts at its setting (inclusive).
func (s CrowdSettings) RiskOf(d float64) CrowdRisk {
	d = guarded(d)
	switch {
	case d >= s.CriticalAt:
		return RiskCritical
	case d >= s.HighAt:
		return RiskHigh
	case d >= s.MediumAt:
		return RiskMedium
	}
	return RiskLow
}

// TimeToCapacity returns how long until a zone holding count persons
// reaches capacity if inflowPerMin persons keep entering each minute and
// nobody leaves (the conservative reading police use to close entrances
// early). A zone at or over capacity gives 0. ok is false when there is no
// approach: inflow ≤ 0 below capacity, or bad input.
func TimeToCapacity(count, capacity, inflowPerMin float64) (d time.Duration, ok bool) {
	if !Finite(count) || !Finite(capacity) || !Finite(inflowPerMin) || count < 0 || capacity <= 0 {
		return 0, false
	}
	if count >= capacity {
		return 0, true
	}
	if inflowPerMin <= 0 {
		return 0, false
	}
	minutes := (capacity - count) / inflowPerMin
	if minutes > math.MaxInt64/float64(time.Minute) {
		return 0, false
	}
	return time.Duration(math.Round(minutes * float64(time.Minute))).Round(time.Second), true
}

// CrowdAssessment judges one crowd zone reading.
type CrowdAssessment struct {
	Area           float64 // walkable area, m²
	Count          float64 // persons
	Capacity       float64 // persons
	Density        float64 // persons/m²
	Band           DensityBand
	Risk           CrowdRisk
	LoS            LevelOfService // Fruin walkway level
	HasInflow      bool
	Inflow         float64       // persons/min
	TimeToCapacity time.Duration // valid when ToCapacity
	ToCapacity     bool          // capacity will be reached at the current inflow (or is)
}

// AssessCrowd judges a crowd zone's reading (count and, optionally,
// inflow) with the zone's polygon and the site's settings.
func AssessCrowd(st Station, r Reading, cfg SiteConfig) (CrowdAssessment, error) {
	var a CrowdAssessment
	count, ok := r.Value(ParamCount)
	if !ok {
		return a, fmt.Errorf("crowd zone %s: reading has no %s", st.ID, ParamCount)
	}
	area, err := WalkableArea(st.Area)
	if err != nil {
		return a, fmt.Errorf("crowd zone %s: %w", st.ID, err)
	}
	d, err := Density(count, area)
	if err != nil {
		return a, fmt.Errorf("crowd zone %s: %w", st.ID, err)
	}
	capacity, err := cfg.CapacityFor(st, area)
	if err != nil {
		return a, err
	}
	a = CrowdAssessment{Area: area, Count: count, Capacity: capacity, Density: d,
		Band: DensityBandOf(d), Risk: cfg.Crowd.RiskOf(d)}
	a.LoS, _ = FruinLoS(Walkway, d)
	if in, ok := r.Value(ParamInflow); ok {
		if !Finite(in) {
			return a, fmt.Errorf("crowd zone %s: inflow %v is not a rate", st.ID, in)
		}
		a.HasInflow, a.Inflow = true, in
		a.TimeToCapacity, a.ToCapacity = TimeToCapacity(count, capacity, in)
	}
	return a, nil
}
