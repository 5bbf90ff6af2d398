package city

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// hjRow is one row of the HJ 633 breakpoint table as printed in the
// standard (and docs/standards.md); -1 where a column stops.
type hjRow struct {
	iaqi                                                float64
	so224, so21, no224, no21, pm10, co24, co1, o31, o38 float64
	pm25                                                float64
}

// hjTable transcribes the table row by row. Rows at IAQI 100 differ by
// edition for PM10 and PM2.5 and are given per edition below.
var hjTable = []hjRow{
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	{50, 50, 150, 40, 100, 50, 2, 5, 160, 100, 35},
	{100, 150, 500, 80, 200, -2, 4, 10, 200, 160, -2}, // -2: edition-specific
	{150, 475, 650, 180, 700, 250, 14, 35, 300, 215, 115},
	{200, 800, 800, 280, 1200, 350, 24, 60, 400, 265, 150},
	{300, 1600, -1, 565, 2340, 420, 36, 90, 800, 800, 250},
	{400, 2100, -1, 750, 3090, 500, 48, 120, 1000, -1, 350},
	{500, 2620, -1, 940, 3840, 600, 60, 150, 1200, -1, 500},
}

// pmAt100 gives the PM breakpoints at IAQI 100 per edition.
var pmAt100 = map[AQIEdition]struct{ pm10, pm25 float64 }{
	Edition2012: {150, 75},
	Edition2026: {120, 60},
}

func TestIAQIEveryBreakpoint(t *testing.T) {
	for _, ed := range []AQIEdition{Edition2012, Edition2026} {
		for _, row := range hjTable {
			cols := []struct {
				pollutant string
				period    Period
				c         float64
			}{
				{ParamSO2, Period24h, row.so224}, {ParamSO2, Period1h, row.so21},
				{ParamNO2, Period24h, row.no224}, {ParamNO2, Period1h, row.no21},
				{ParamPM10, Period24h, row.pm10}, {ParamCO, Period24h, row.co24},
				{ParamCO, Period1h, row.co1}, {ParamO3, Period1h, row.o31},
				{ParamO3, Period8h, row.o38}, {ParamPM25, Period24h, row.pm25},
			}
			for _, col := range cols {
				c := col.c
				switch {
				case c == -1:
					continue
				case c == -2 && col.pollutant == ParamPM10:
					c = pmAt100[ed].pm10
				case c == -2:
					c = pmAt100[ed].pm25
				}
				name := fmt.Sprintf("%v/%s_%v/%g", ed, col.pollutant, col.period, c)
				t.Run(name, func(t *testing.T) {
					got, ok, out := IAQI(col.pollutant, col.period, c, ed)
					if !ok || out || got != row.iaqi {
						t.Errorf("IAQI = %v ok=%v out=%v, want %v ok out=false", got, ok, out, row.iaqi)
					}
				})
			}
		}
	}
}

func TestIAQIEditionsDifferAtPM100(t *testing.T) {
	tests := []struct {
		pollutant string
		c         float64
		ed        AQIEdition
		want      float64
		index     int
	}{
		{ParamPM25, 60, Edition2012, 81.25, 82},
		{ParamPM25, 60, Edition2026, 100, 100},
		{ParamPM25, 75, Edition2012, 100, 100},
		{ParamPM25, 75, Edition2026, 100 + 50.0/55*15, 114},
		{ParamPM10, 120, Edition2012, 85, 85},
		{ParamPM10, 120, Edition2026, 100, 100},
		{ParamPM10, 150, Edition2012, 100, 100},
		{ParamPM10, 150, Edition2026, 100 + 50.0/130*30, 112},
		// Above 115 / 250 the editions agree again.
		{ParamPM25, 115, Edition2026, 150, 150},
		{ParamPM10, 250, Edition2026, 150, 150},
	}
	for _, tt := range tests {
		got, ok, _ := IAQI(tt.pollutant, Period24h, tt.c, tt.ed)
		if !ok || math.Abs(got-tt.want) > 1e-9 || roundUp(got) != tt.index {
			t.Errorf("IAQI(%s %g, %v) = %v (index %d), want %v (index %d)", tt.pollutant, tt.c, tt.ed, got, roundUp(got), tt.want, tt.index)
		}
	}
}

func TestWorkedExamplePM25(t *testing.T) {
	// Published check: PM2.5 1h = 88 µg/m³ → IAQI 116.25 → AQI 117 (2012).
	iaqi, ok, _ := IAQI(ParamPM25, Period1h, 88, Edition2012)
	if !ok || iaqi != 116.25 {
		t.Fatalf("2012 IAQI(PM2.5 1h 88) = %v, %v; want 116.25", iaqi, ok)
	}
	values := map[string]float64{ParamPM25: 88, ParamPM10: 100, ParamSO2: 10, ParamNO2: 40, ParamCO: 0.8, ParamO3: 60}
	tests := []struct {
		ed      AQIEdition
		aqi     int
		level   int
		name    string
		colour  string
		primary []string
	}{
		{Edition2012, 117, 3, "轻度污染", "#FF7E00", []string{ParamPM25}},
		// 2026: (150−100)/(115−60) × (88−60) + 100 = 125.45… → 126.
		{Edition2026, 126, 3, "轻度污染", "#FF7E00", []string{ParamPM25}},
	}
	for _, tt := range tests {
		res, err := HourlyAQI(values, tt.ed)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Available || res.AQI != tt.aqi || res.Level.Level != tt.level || res.Level.Name != tt.name ||
			res.Level.Hex() != tt.colour || !slices.Equal(res.Primary, tt.primary) {
			t.Errorf("%v: got AQI %d (avail %v) level %d %s %s primary %v; want %d level %d %s %s %v",
				tt.ed, res.AQI, res.Available, res.Level.Level, res.Level.Name, res.Level.Hex(), res.Primary,
				tt.aqi, tt.level, tt.name, tt.colour, tt.primary)
		}
	}
}

func TestRoundUpGuardsFloatNoise(t *testing.T) {
	tests := []struct {
		x    float64
		want int
	}{
		{116.25, 117},
		{116, 116},
		{116.00000000000001, 116},
		{404.00000000000006, 404},
		{100.000001, 101},
		{0, 0},
	}
	for _, tt := range tests {
		if got := roundUp(tt.x); got != tt.want {
			t.Errorf("roundUp(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
	// Real cases where the bare ceiling is one too high: PM10 352.1 gives
	// 203.00000000000003 in floating point, exactly 203 on paper; SO2 24h
	// 2120.8 gives 404.00000000000006, exactly 404.
	res, _ := HourlyAQI(map[string]float64{ParamPM10: 352.1}, Edition2012)
	if res.AQI != 203 {
		t.Errorf("2012 PM10 352.1: AQI %d, want 203", res.AQI)
	}
	res, _ = DailyAQI(map[string]float64{ParamSO2: 2120.8}, Edition2012)
	if res.AQI != 404 {
		t.Errorf("2012 SO2 24h 2120.8: AQI %d, want 404", res.AQI)
	}
}

func TestInputRounding2026(t *testing.T) {
	tests := []struct {
		pollutant string
		c, want   float64
	}{
		{ParamPM25, 35.4, 35},
		{ParamPM25, 35.5, 36}, // GB/T 8170: a trailing 5 rounds to even
		{ParamPM25, 36.5, 36},
		{ParamPM25, 36.51, 37},
		{ParamSO2, 800.4, 800},
		{ParamCO, 2.45, 2.4},
		{ParamCO, 2.35, 2.4}, // 2.35 is 2.34999… in binary, still a tie
		{ParamCO, 0.25, 0.2},
		{ParamCO, 0.26, 0.3},
	}
	for _, tt := range tests {
		if got := roundConcentration(tt.pollutant, tt.c); got != tt.want {
			t.Errorf("roundConcentration(%s, %v) = %v, want %v", tt.pollutant, tt.c, got, tt.want)
		}
	}
	// The rounding changes results: 2026 judges PM2.5 60.4 as 60 (IAQI
	// exactly 100), 2012 as 60.4.
	if got, _, _ := IAQI(ParamPM25, Period24h, 60.4, Edition2026); got != 100 {
		t.Errorf("2026 PM2.5 60.4: IAQI %v, want 100", got)
	}
	if got, _, _ := IAQI(ParamPM25, Period24h, 60.4, Edition2012); got != 81.75 {
		t.Errorf("2012 PM2.5 60.4: IAQI %v, want 81.75", got)
	}
	// 500.4 rounds to the last breakpoint under 2026 but lies beyond it under 2012.
	if _, _, out := IAQI(ParamPM25, Period24h, 500.4, Edition2026); out {
		t.Error("2026 PM2.5 500.4 flagged out of range; it rounds to 500")
	}
	if got, _, out := IAQI(ParamPM25, Period24h, 500.4, Edition2012); !out || got != 500 {
		t.Errorf("2012 PM2.5 500.4 = %v out=%v, want 500 flagged", got, out)
	}
}

func TestSO2Over800(t *testing.T) {
	if _, ok, _ := IAQI(ParamSO2, Period1h, 801, Edition2012); ok {
		t.Error("2012 SO2 1h 801 gave an IAQI; the standard computes none")
	}
	if got, ok, out := IAQI(ParamSO2, Period1h, 801, Edition2026); !ok || out || got != 200 {
		t.Errorf("2026 SO2 1h 801 = %v ok=%v out=%v, want 200", got, ok, out)
	}
	base := map[string]float64{ParamPM25: 20, ParamPM10: 30, ParamNO2: 20, ParamCO: 0.5, ParamO3: 50}
	with := func(extra map[string]float64) map[string]float64 {
		m := map[string]float64{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		values  map[string]float64
		ed      AQIEdition
		aqi     int
		avail   bool
		primary []string
		rule    AQIRule
		missing []string
	}{
		// 24h IAQI of 300: 100 + 50/325 × 150 = 123.08 → 124.
		{"2012 uses 24h", with(map[string]float64{ParamSO2: 900, ParamSO224h: 300}), Edition2012, 124, true, []string{ParamSO224h}, RuleSO2Use24h, nil},
		{"2012 no 24h", with(map[string]float64{ParamSO2: 900}), Edition2012, 30, true, nil, RuleSO2No24h, []string{ParamSO2}},
		{"2026 counts 200", with(map[string]float64{ParamSO2: 900, ParamSO224h: 300}), Edition2026, 200, true, []string{ParamSO2}, RuleSO2Fixed200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := HourlyAQI(tt.values, tt.ed)
			if err != nil {
				t.Fatal(err)
			}
			var rule AQIRule
			for _, p := range res.IAQIs {
				if p.Pollutant == ParamSO2 {
					rule = p.Rule
				}
			}
			if res.Available != tt.avail || res.AQI != tt.aqi || !slices.Equal(res.Primary, tt.primary) ||
				rule != tt.rule || !slices.Equal(res.Missing, tt.missing) {
				t.Errorf("got avail=%v AQI=%d primary=%v rule=%v missing=%v; want %v %d %v %v %v",
					res.Available, res.AQI, res.Primary, rule, res.Missing, tt.avail, tt.aqi, tt.primary, tt.rule, tt.missing)
			}
		})
	}
}

func TestO3EightHourOver800(t *testing.T) {
	if _, ok, _ := IAQI(ParamO3, Period8h, 801, Edition2012); ok {
		t.Error("2012 O3 8h 801 gave an IAQI; the standard uses the 1h IAQI")
	}
	if got, ok, _ := IAQI(ParamO3, Period8h, 801, Edition2026); !ok || got != 300 {
		t.Errorf("2026 O3 8h 801 = %v, want 300", got)
	}
	// O3 1h 700: 200 + 100/400 × 300 = 275.
	day := map[string]float64{ParamSO2: 10, ParamNO2: 20, ParamPM10h: 40, ParamCO: 0.6, ParamPM25h: 20, ParamO3: 700, ParamO38h: 900}
	res, err := DailyAQI(day, Edition2012)
	if err != nil {
		t.Fatal(err)
	}
	if res.AQI != 275 || !slices.Equal(res.Primary, []string{ParamO3}) {
		t.Errorf("2012 daily: AQI %d primary %v, want 275 [o3]", res.AQI, res.Primary)
	}
	res, _ = DailyAQI(day, Edition2026)
	if res.AQI != 300 || !slices.Equal(res.Primary, []string{ParamO38h}) || res.Level.Level != 5 {
		t.Errorf("2026 daily: AQI %d level %d primary %v, want 300 level 5 [o3_8h]", res.AQI, res.Level.Level, res.Primary)
	}
	// 2012 without the 1h value: O3 has nothing to report and is missing.
	delete(day, ParamO3)
	res, _ = DailyAQI(day, Edition2012)
	if !slices.Equal(res.Missing, []string{ParamO3}) {
		t.Errorf("2012 daily without O3 1h: missing %v, want [o3]", res.Missing)
	}
}

func TestBeyondTable(t *testing.T) {
	tests := []struct {
		pollutant string
		period    Period
		c         float64
	}{
		{ParamPM25, Period24h, 600}, {ParamPM10, Period24h, 601}, {ParamSO2, Period24h, 3000},
		{ParamNO2, Period24h, 941}, {ParamNO2, Period1h, 3841}, {ParamCO, Period24h, 61},
		{ParamCO, Period1h, 200}, {ParamO3, Period1h, 1201},
	}
	for _, ed := range []AQIEdition{Edition2012, Edition2026} {
		for _, tt := range tests {
			got, ok, out := IAQI(tt.pollutant, tt.period, tt.c, ed)
			if !ok || !out || got != 500 {
				t.Errorf("%v %s %v %g: %v ok=%v out=%v, want 500 flagged", ed, tt.pollutant, tt.period, tt.c, got, ok, out)
			}
		}
	}
	res, _ := HourlyAQI(map[string]float64{ParamPM25: 650, ParamPM10: 100}, Edition2012)
	if !res.Available || res.AQI != 500 || !res.OutOfRange || res.Level.Level != 6 || res.Level.Hex() != "#7E0023" {
		t.Errorf("hourly PM2.5 650: %+v", res)
	}
}

func TestMissingPollutantRule(t *testing.T) {
	// No O3. 2026 §5.3: publish only when the others already give > 100.
	tests := []struct {
		name  string
		pm25  float64
		ed    AQIEdition
		avail bool
		aqi   int
	}{
		{"2026 low is NA", 50, Edition2026, false, 0},         // 50+50/25×15 = 80
		{"2026 exactly 100 is NA", 60, Edition2026, false, 0}, // IAQI 100, not > 100
		{"2026 101 published", 61, Edition2026, true, 101},    // 100.9 → 101
		{"2026 high published", 100, Edition2026, true, 137},  // 136.36 → 137
		{"2012 has no such rule", 50, Edition2012, true, 69},  // 68.75 → 69
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := map[string]float64{ParamPM25: tt.pm25, ParamPM10: 40, ParamSO2: 10, ParamNO2: 40, ParamCO: 0.5}
			res, err := HourlyAQI(v, tt.ed)
			if err != nil {
				t.Fatal(err)
			}
			if res.Available != tt.avail || res.AQI != tt.aqi {
				t.Errorf("avail=%v AQI=%d, want %v %d", res.Available, res.AQI, tt.avail, tt.aqi)
			}
			if !slices.Equal(res.Missing, []string{ParamO3}) || len(res.IAQIs) != 5 {
				t.Errorf("missing %v, %d IAQIs; want [o3] and the 5 single IAQIs", res.Missing, len(res.IAQIs))
			}
			if !res.Available && (res.Level.Level != 0 || res.Primary != nil) {
				t.Errorf("NA result carries level %d primary %v", res.Level.Level, res.Primary)
			}
		})
	}
	// The O3 8h value alone is enough for O3 to count as present.
	res, _ := HourlyAQI(map[string]float64{ParamPM25: 50, ParamPM10: 40, ParamSO2: 10, ParamNO2: 40, ParamCO: 0.5, ParamO38h: 80}, Edition2026)
	if !res.Available || len(res.Missing) != 0 {
		t.Errorf("with o3_8h: avail=%v missing=%v", res.Available, res.Missing)
	}
}

func TestPrimaryPollutantTies(t *testing.T) {
	// 2012: PM2.5 75 and PM10 150 both give exactly 100.
	res, _ := HourlyAQI(map[string]float64{ParamPM25: 75, ParamPM10: 150, ParamSO2: 10, ParamNO2: 20, ParamCO: 0.5, ParamO3: 50}, Edition2012)
	if res.AQI != 100 || !slices.Equal(res.Primary, []string{ParamPM10, ParamPM25}) || res.PrimaryLabel() != "PM10,PM2.5" {
		t.Errorf("tie: AQI %d primary %v (%s)", res.AQI, res.Primary, res.PrimaryLabel())
	}
	// AQI ≤ 50: no primary pollutant.
	res, _ = HourlyAQI(map[string]float64{ParamPM25: 35, ParamPM10: 50, ParamSO2: 10, ParamNO2: 20, ParamCO: 0.5, ParamO3: 50}, Edition2012)
	if res.AQI != 50 || res.Primary != nil {
		t.Errorf("AQI 50: AQI %d primary %v, want none", res.AQI, res.Primary)
	}
	// Ties are judged on the published (rounded-up) IAQI: 116.25 and 117 tie at 117.
	// NO2 1h 370: 100 + 50/500 × 170 = 117.
	res, _ = HourlyAQI(map[string]float64{ParamPM25: 88, ParamNO2: 370}, Edition2012)
	if res.AQI != 117 || !slices.Equal(res.Primary, []string{ParamNO2, ParamPM25}) {
		t.Errorf("rounded tie: AQI %d primary %v, want 117 [no2 pm25]", res.AQI, res.Primary)
	}
}

func TestDailyAQIKeys(t *testing.T) {
	// pm25_24h wins over pm25 in the daily report.
	res, _ := DailyAQI(map[string]float64{ParamPM25h: 75, ParamPM25: 10}, Edition2012)
	if res.AQI != 100 || res.IAQIs[0].Param != ParamPM25h {
		t.Errorf("daily pm25_24h: %+v", res)
	}
	res, _ = DailyAQI(map[string]float64{ParamPM25: 75}, Edition2012)
	if res.AQI != 100 {
		t.Errorf("daily pm25 fallback: AQI %d", res.AQI)
	}
	// CO in the daily report is judged on the 24h column: 4 mg/m³ → 100;
	// hourly on the 1h column: 4 mg/m³ → 40.
	d, _ := DailyAQI(map[string]float64{ParamCO: 4}, Edition2012)
	h, _ := HourlyAQI(map[string]float64{ParamCO: 4}, Edition2012)
	if d.AQI != 100 || h.AQI != 40 {
		t.Errorf("CO 4: daily %d hourly %d, want 100 and 40", d.AQI, h.AQI)
	}
}

func TestAQIBadInput(t *testing.T) {
	res, err := HourlyAQI(map[string]float64{ParamPM25: -1, ParamPM10: math.NaN(), ParamNO2: 250}, Edition2026)
	if err == nil {
		t.Fatal("negative and NaN concentrations gave no error")
	}
	// NO2 1h 250: 100 + 50/500 × 50 = 105 → still published (> 100).
	if !res.Available || res.AQI != 105 || !slices.Contains(res.Missing, ParamPM25) {
		t.Errorf("rest not computed: %+v", res)
	}
	if _, err := HourlyAQI(map[string]float64{ParamPM25: 10}, EditionByTime); err == nil {
		t.Error("EditionByTime accepted for a computation")
	}
	for _, tt := range []struct {
		p  string
		pd Period
		c  float64
		ed AQIEdition
	}{
		{"pm1", Period24h, 10, Edition2026}, {ParamO3, Period24h, 10, Edition2026},
		{ParamPM25, Period24h, -0.1, Edition2026}, {ParamPM25, Period24h, math.Inf(1), Edition2026},
		{ParamPM25, Period24h, 10, 2019},
	} {
		if _, ok, _ := IAQI(tt.p, tt.pd, tt.c, tt.ed); ok {
			t.Errorf("IAQI(%s, %v, %v, %v) ok", tt.p, tt.pd, tt.c, tt.ed)
		}
	}
	if none, err := HourlyAQI(nil, Edition2026); err != nil || none.Available || len(none.Missing) != 6 {
		t.Errorf("empty: %+v %v", none, err)
	}
}

func TestAQILevels(t *testing.T) {
	tests := []struct {
		aqi                 int
		level               int
		grade, name, nameEN string
		hex                 string
	}{
		{0, 1, "一级", "优", "Good", "#00E400"},
		{50, 1, "一级", "优", "Good", "#00E400"},
		{51, 2, "二级", "良", "Moderate", "#FFFF00"},
		{100, 2, "二级", "良", "Moderate", "#FFFF00"},
		{101, 3, "三级", "轻度污染", "Light pollution", "#FF7E00"},
		{150, 3, "三级", "轻度污染", "Light pollution", "#FF7E00"},
		{151, 4, "四级", "中度污染", "Moderate pollution", "#FF0000"},
		{200, 4, "四级", "中度污染", "Moderate pollution", "#FF0000"},
		{201, 5, "五级", "重度污染", "Heavy pollution", "#99004C"},
		{300, 5, "五级", "重度污染", "Heavy pollution", "#99004C"},
		{301, 6, "六级", "严重污染", "Severe pollution", "#7E0023"},
		{500, 6, "六级", "严重污染", "Severe pollution", "#7E0023"},
	}
	for _, tt := range tests {
		l := AQILevelOf(tt.aqi)
		if l.Level != tt.level || l.Grade != tt.grade || l.Name != tt.name || l.NameEN != tt.nameEN || l.Hex() != tt.hex || l.Colour.A != 0xFF {
			t.Errorf("AQILevelOf(%d) = %+v (%s), want %d %s %s %s %s", tt.aqi, l, l.Hex(), tt.level, tt.grade, tt.name, tt.nameEN, tt.hex)
		}
	}
	if l := AQILevelOf(-1); l.Level != 0 {
		t.Errorf("AQILevelOf(-1) = %+v, want no level", l)
	}
}

func TestEditionFor(t *testing.T) {
	tests := []struct {
		t    time.Time
		want AQIEdition
	}{
		{time.Date(2026, 2, 28, 23, 59, 59, 0, Shanghai), Edition2012},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, Shanghai), Edition2026},
		{time.Date(2026, 2, 28, 15, 59, 59, 0, time.UTC), Edition2012},
		{time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC), Edition2026}, // 00:00 in Shanghai
		{time.Date(2014, 1, 1, 0, 0, 0, 0, Shanghai), Edition2012},
	}
	for _, tt := range tests {
		if got := EditionFor(tt.t); got != tt.want {
			t.Errorf("EditionFor(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	cfg := DefaultSiteConfig()
	cfg.AQIEdition = Edition2012
	if got := cfg.EditionAt(time.Date(2027, 1, 1, 0, 0, 0, 0, Shanghai)); got != Edition2012 {
		t.Errorf("pinned edition ignored: %v", got)
	}
}

func TestParseAQIEdition(t *testing.T) {
	tests := []struct {
		in      string
		want    AQIEdition
		wantErr bool
	}{
		{"", EditionByTime, false}, {"auto", EditionByTime, false}, {"2012", Edition2012, false},
		{"HJ 633-2026", Edition2026, false}, {"hj633-2012", Edition2012, false}, {"2019", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseAQIEdition(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseAQIEdition(%q) = %v, %v", tt.in, got, err)
		}
	}
	if s := Edition2026.String(); s != "HJ 633-2026" {
		t.Errorf("String = %q", s)
	}
}
