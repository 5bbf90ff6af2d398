package city

import (
	"math"
	"slices"
	"testing"
)

func TestWaterClassEveryEdge(t *testing.T) {
	type edge struct {
		v    float64
		want WaterClass
	}
	tests := []struct {
		param string
		body  WaterBody
		edges []edge
	}{
		{ParamDO, River, []edge{ // a floor: higher is better
			{9, ClassI}, {7.5, ClassI}, {7.49, ClassII}, {6, ClassII}, {5.99, ClassIII}, {5, ClassIII},
			{4.99, ClassIV}, {3, ClassIV}, {2.99, ClassV}, {2, ClassV}, {1.99, ClassWorseThanV}, {0, ClassWorseThanV}}},
		{ParamCODMn, River, []edge{
			{0, ClassI}, {2, ClassI}, {2.01, ClassII}, {4, ClassII}, {4.01, ClassIII}, {6, ClassIII},
			{6.01, ClassIV}, {10, ClassIV}, {10.01, ClassV}, {15, ClassV}, {15.01, ClassWorseThanV}}},
		{ParamCOD, River, []edge{ // I and II share 15
			{15, ClassI}, {15.01, ClassIII}, {20, ClassIII}, {20.01, ClassIV}, {30, ClassIV},
			{30.01, ClassV}, {40, ClassV}, {40.01, ClassWorseThanV}}},
		{ParamBOD5, River, []edge{ // I and II share 3
			{3, ClassI}, {3.01, ClassIII}, {4, ClassIII}, {4.01, ClassIV}, {6, ClassIV},
			{6.01, ClassV}, {10, ClassV}, {10.01, ClassWorseThanV}}},
		{ParamNH3N, River, []edge{
			{0.15, ClassI}, {0.151, ClassII}, {0.5, ClassII}, {0.501, ClassIII}, {1.0, ClassIII},
			{1.001, ClassIV}, {1.5, ClassIV}, {1.501, ClassV}, {2.0, ClassV}, {2.001, ClassWorseThanV}}},
		{ParamTP, River, []edge{
			{0.02, ClassI}, {0.021, ClassII}, {0.1, ClassII}, {0.101, ClassIII}, {0.2, ClassIII},
			{0.201, ClassIV}, {0.3, ClassIV}, {0.301, ClassV}, {0.4, ClassV}, {0.401, ClassWorseThanV}}},
		{ParamTP, Lake, []edge{
			{0.01, ClassI}, {0.011, ClassII}, {0.025, ClassII}, {0.026, ClassIII}, {0.05, ClassIII},
			{0.051, ClassIV}, {0.1, ClassIV}, {0.101, ClassV}, {0.2, ClassV}, {0.201, ClassWorseThanV}}},
		{ParamTN, Lake, []edge{
			{0.2, ClassI}, {0.201, ClassII}, {0.5, ClassII}, {0.501, ClassIII}, {1.0, ClassIII},
			{1.001, ClassIV}, {1.5, ClassIV}, {1.501, ClassV}, {2.0, ClassV}, {2.001, ClassWorseThanV}}},
		{ParamPH, River, []edge{ // 6–9 for every class
			{5.99, ClassWorseThanV}, {6, ClassI}, {7.2, ClassI}, {9, ClassI}, {9.01, ClassWorseThanV}}},
		{ParamPH, Lake, []edge{{5.6, ClassWorseThanV}, {6, ClassI}, {9, ClassI}, {9.5, ClassWorseThanV}}},
	}
	for _, tt := range tests {
		for _, e := range tt.edges {
			a, err := WaterClassOf(map[string]float64{tt.param: e.v}, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if a.Class != e.want || !slices.Equal(a.Decisive, []string{tt.param}) {
				t.Errorf("%s %s %v: class %v decisive %v, want %v", tt.body, tt.param, e.v, a.Class, a.Decisive, e.want)
			}
		}
	}
}

func TestWaterRiversAndLakes(t *testing.T) {
	v := map[string]float64{ParamPH: 7.4, ParamDO: 6.5, ParamNH3N: 0.4, ParamTP: 0.05, ParamTN: 1.8, ParamTemp: 31}
	river, err := WaterClassOf(v, River)
	if err != nil {
		t.Fatal(err)
	}
	// River: TP 0.05 is class II, TN is left out, DO 6.5 is II, NH3-N 0.4 is II.
	if river.Class != ClassII || !slices.Equal(river.Decisive, []string{ParamDO, ParamNH3N, ParamTP}) ||
		!slices.Equal(river.Ignored, []string{ParamTemp, ParamTN}) {
		t.Errorf("river: %v decisive %v ignored %v", river.Class, river.Decisive, river.Ignored)
	}
	lake, _ := WaterClassOf(v, Lake)
	// Lake: TP 0.05 is class III, TN 1.8 is class V.
	if lake.Class != ClassV || !slices.Equal(lake.Decisive, []string{ParamTN}) || !slices.Equal(lake.Ignored, []string{ParamTemp}) {
		t.Errorf("lake: %v decisive %v ignored %v", lake.Class, lake.Decisive, lake.Ignored)
	}
	// Temperature alone is not assessable.
	if a, err := WaterClassOf(map[string]float64{ParamTemp: 45}, River); err != nil || a.Class != 0 || a.Meets(ClassV) {
		t.Errorf("temperature only: %+v %v", a, err)
	}
}

func TestWaterWorstParameterAndTarget(t *testing.T) {
	// Everything class II except NH3-N at 1.42 (class IV): the section is IV.
	a, err := WaterClassOf(map[string]float64{ParamPH: 7, ParamDO: 6.2, ParamCODMn: 3.5, ParamNH3N: 1.42, ParamTP: 0.08}, River)
	if err != nil {
		t.Fatal(err)
	}
	if a.Class != ClassIV || a.Class.String() != "IV" || a.Class.Label() != "IV类" {
		t.Fatalf("class %v", a.Class)
	}
	tests := []struct {
		target WaterClass
		meets  bool
	}{{ClassII, false}, {ClassIII, false}, {ClassIV, true}, {ClassV, true}}
	for _, tt := range tests {
		if got := a.Meets(tt.target); got != tt.meets {
			t.Errorf("Meets(%v) = %v", tt.target, got)
		}
	}
	ex := a.Exceedances(ClassIII)
	if len(ex) != 1 || ex[0].Param != ParamNH3N || ex[0].Limit != 1.0 || ex[0].Times != 0.42 {
		t.Errorf("exceedances vs III: %+v", ex)
	}
	// Against II: DO ≥ 6, CODMn ≤ 4 and TP ≤ 0.1 are met; NH3-N ≤ 0.5 is not.
	if ex := a.Exceedances(ClassII); len(ex) != 1 || ex[0].Param != ParamNH3N || ex[0].Limit != 0.5 || ex[0].Times != 1.84 {
		t.Errorf("exceedances vs II: %+v", ex)
	}
	// pH out of band makes any section 劣V however clean the rest.
	b, _ := WaterClassOf(map[string]float64{ParamPH: 5.6, ParamDO: 8, ParamNH3N: 0.1}, River)
	if b.Class != ClassWorseThanV || b.Class.String() != "劣V" || b.Meets(ClassV) {
		t.Errorf("pH 5.6: %v", b.Class)
	}
	if ex := b.Exceedances(ClassIII); len(ex) != 1 || ex[0].Limit != 6 {
		t.Errorf("pH exceedance: %+v", ex)
	}
}

func TestWaterFloatNoise(t *testing.T) {
	// 0.1 + 0.2 is 0.30000000000000004 in binary; it meets a 0.3 limit.
	a, _ := WaterClassOf(map[string]float64{ParamTP: 0.1 + 0.2}, River)
	if a.Class != ClassIV {
		t.Errorf("TP 0.1+0.2: %v, want IV", a.Class)
	}
}

func TestWaterBadValues(t *testing.T) {
	a, err := WaterClassOf(map[string]float64{ParamNH3N: -0.1, ParamPH: 15, ParamTP: math.NaN(), ParamDO: 7.6}, River)
	if err == nil {
		t.Fatal("bad values gave no error")
	}
	if a.Class != ClassI || len(a.Params) != 1 {
		t.Errorf("rest not assessed: %+v", a)
	}
	if _, err := WaterClassOf(map[string]float64{ParamDO: 7}, WaterBody("sea")); err == nil {
		t.Error("unknown water body accepted")
	}
}

func TestParseWaterClass(t *testing.T) {
	tests := []struct {
		in      string
		want    WaterClass
		wantErr bool
	}{
		{"I", ClassI, false}, {"ii", ClassII, false}, {"III", ClassIII, false}, {"Ⅲ类", ClassIII, false},
		{"IV类", ClassIV, false}, {"Ⅴ", ClassV, false}, {"5", ClassV, false}, {"劣V", ClassWorseThanV, false},
		{"劣Ⅴ类", ClassWorseThanV, false}, {" III ", ClassIII, false},
		{"劣III", 0, true}, {"VI", 0, true}, {"", 0, true}, {"0", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseWaterClass(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseWaterClass(%q) = %v, %v", tt.in, got, err)
		}
	}
	for c := ClassI; c <= ClassWorseThanV; c++ {
		b, err := c.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back WaterClass
		if err := back.UnmarshalText(b); err != nil || back != c {
			t.Errorf("round trip %v: %v %v", c, back, err)
		}
	}
}

func TestWaterFailsWithinMargin(t *testing.T) {
	// Target III: NH3-N ≤ 1.0. With a 5 % margin the section keeps failing
	// down to 0.95 and is clear below it.
	tests := []struct {
		v    map[string]float64
		want bool
	}{
		{map[string]float64{ParamNH3N: 1.01}, true},
		{map[string]float64{ParamNH3N: 0.98}, true},
		{map[string]float64{ParamNH3N: 0.95}, false},
		{map[string]float64{ParamDO: 5.1}, true}, // floor 5 × 1.05 = 5.25
		{map[string]float64{ParamDO: 5.3}, false},
		{map[string]float64{ParamPH: 6.1}, true}, // band narrows to 6.15–8.85
		{map[string]float64{ParamPH: 6.2}, false},
		{map[string]float64{ParamPH: 8.9}, true},
	}
	for _, tt := range tests {
		if got := waterFailsWithin(tt.v, River, ClassIII, 0.05); got != tt.want {
			t.Errorf("waterFailsWithin(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
