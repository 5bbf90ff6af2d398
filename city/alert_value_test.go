package city

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// An alert describes the worst value that held its condition: a reading
// within the hysteresis margin, or the one that ends the condition, never
// becomes its value or message (which would read e.g. "0.168 MPa, below
// 0.14 MPa"). Every rule type: readings that raise (after a wait within
// the margin where the rule has a minimum duration), get worse, fall back
// within the margin, and end.
func TestAlertDescribesWorstValue(t *testing.T) {
	crowdZone := Station{ID: "CZ-01", Feed: FeedCrowd, Kind: KindCrowdZone, Area: orb.Polygon{squareRing(bundOrigin, 100)},
		Attrs: map[string]string{AttrCapacity: "300000"}}
	air := func(i int, v float64) Reading { return airReading(at(0, 0).Add(time.Duration(i)*time.Hour), v) }
	water := func(i int, v float64) Reading {
		return Reading{Feed: FeedWater, Station: waterStation.ID, Time: at(0, 0).Add(time.Duration(i) * 4 * time.Hour),
			Values: []Measurement{{Param: ParamNH3N, Value: v}}}
	}
	noise := func(i int, v float64) Reading { return noiseAt(at(10, 0).Add(time.Duration(i)*5*time.Minute), v) }
	pressure := func(i int, v float64) Reading {
		return Reading{Feed: FeedFire, Station: hydrant.ID, Time: at(2, 0).Add(time.Duration(i) * time.Minute),
			Values: []Measurement{{Param: ParamPressure, Value: v}}}
	}
	crowd := func(i int, v float64) Reading {
		return Reading{Feed: FeedCrowd, Station: crowdZone.ID, Time: at(20, 0).Add(time.Duration(i) * time.Minute),
			Values: []Measurement{{Param: ParamCount, Value: v}}}
	}
	cases := []struct {
		name    string
		st      Station
		cond    Condition
		reading func(i int, v float64) Reading
		// enter, then (optionally) within the margin, which raises after
		// the minimum duration; worse; within the margin; ended.
		values    []float64
		raiseAt   int     // index of the reading that raises
		wantRaise float64 // the alert's value when raised
		wantWorst float64
		tol       float64
		want      string // in the final message
		notWant   []string
	}{
		{"AQI", airStation, CondAQI, air, []float64{88, 119, 74, 60}, 0, 117, 156, 0, "AQI 156", []string{"AQI 99", "AQI 82", "良"}},
		{"water", waterStation, CondWaterClass, water, []float64{1.2, 1.8, 0.98, 0.9}, 0, 4, 5, 0, "氨氮 1.8 mg/L", []string{"0.98", "0.9 ", "Ⅲ类，"}},
		{"noise", noiseStation, CondNoiseDay, noise, []float64{62, 58.5, 66, 59, 55}, 1, 62, 66, 0, "66 dB(A)", []string{"58.5", "59 ", "55 "}},
		{"hydrant", hydrant, CondHydrantPressure, pressure, []float64{0.10, 0.15, 0.08, 0.155, 0.2}, 1, 0.10, 0.08, 0, "消火栓压力 0.08 MPa，低于 0.14 MPa", []string{"0.15 ", "0.155", "0.2 "}},
		{"crowd", crowdZone, CondCrowdDensity, crowd, []float64{26000, 24500, 28000, 24000, 20000}, 1, 2.6, 2.8, 0.1, "人群密度 2.", []string{"2.45", "2.40", "2.00"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(t, nil)
			var last Change
			var raised bool
			for i, v := range c.values {
				for _, ch := range observe(t, e, c.st, c.reading(i, v)) {
					if ch.Alert.Condition != c.cond {
						continue
					}
					last = ch
					if ch.Step.Kind == StepRaise {
						raised = true
						if i != c.raiseAt || math.Abs(ch.Alert.Value-c.wantRaise) > c.tol {
							t.Errorf("raised at reading %d with value %v; want reading %d, value %v", i, ch.Alert.Value, c.raiseAt, c.wantRaise)
						}
					}
				}
			}
			if !raised {
				t.Fatal("never raised")
			}
			a := last.Alert
			if last.Step.Kind != StepClear || a.State != StateAutoCleared {
				t.Fatalf("last step %s, state %s; want clear, auto_cleared", last.Step.Kind, a.State)
			}
			if math.Abs(a.Value-c.wantWorst) > c.tol {
				t.Errorf("value %v, want the worst %v", a.Value, c.wantWorst)
			}
			if !strings.Contains(a.Message, c.want) {
				t.Errorf("message %q lacks %q", a.Message, c.want)
			}
			for _, bad := range c.notWant {
				if strings.Contains(a.Message, bad) || strings.Contains(a.MessageEN, bad) {
					t.Errorf("message %q / %q names %q, a reading that did not raise the condition", a.Message, a.MessageEN, bad)
				}
			}
			if !strings.Contains(last.Step.Note, "条件已解除，当前") || !strings.Contains(last.Step.Note, "condition ended, now") {
				t.Errorf("clear note %q does not give the value that ended it", last.Step.Note)
			}
		})
	}
}

// After a restart, a restored alert keeps its worst value: a better
// reading does not replace it, a worse one does.
func TestRestoredAlertKeepsWorst(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, hydrant, Reading{Feed: FeedFire, Station: hydrant.ID, Time: at(2, 0), Values: []Measurement{{Param: ParamPressure, Value: 0.1}}})
	ch := observe(t, e, hydrant, Reading{Feed: FeedFire, Station: hydrant.ID, Time: at(2, 1), Values: []Measurement{{Param: ParamPressure, Value: 0.1}}})
	if len(ch) != 1 || ch[0].Step.Kind != StepRaise {
		t.Fatalf("raise: %+v", ch)
	}
	e2 := newEngine(t, nil)
	if err := e2.Restore(e.Alerts()); err != nil {
		t.Fatal(err)
	}
	for i, v := range []float64{0.12, 0.09} {
		ch := observe(t, e2, hydrant, Reading{Feed: FeedFire, Station: hydrant.ID, Time: at(2, 2+i), Values: []Measurement{{Param: ParamPressure, Value: v}}})
		a, _ := e2.OpenAlert(hydrant.ID, CondHydrantPressure)
		want := []float64{0.1, 0.09}[i]
		if a.Value != want || !strings.Contains(a.Message, fmt.Sprintf("压力 %g MPa", want)) {
			t.Errorf("after %v: value %v, message %q; want %v (changes %+v)", v, a.Value, a.Message, want, ch)
		}
	}
}

func TestWaterMessageInEnglish(t *testing.T) {
	e := newEngine(t, nil)
	ch := observe(t, e, waterStation, Reading{Feed: FeedWater, Station: waterStation.ID, Time: at(1, 0), Values: []Measurement{{Param: ParamNH3N, Value: 2.5}}})
	if len(ch) != 1 {
		t.Fatalf("changes %+v", ch)
	}
	if got := ch[0].Alert.MessageEN; !strings.HasPrefix(got, "water below class V, target class III; exceeding: ammonia") || strings.ContainsAny(got, "劣类") {
		t.Errorf("English message %q", got)
	}
	if ClassIII.LabelEN() != "class III" || NoiseZone("4a").LabelEN() != "zone 4a" {
		t.Errorf("labels %q %q", ClassIII.LabelEN(), NoiseZone("4a").LabelEN())
	}
}
