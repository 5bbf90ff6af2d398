package city

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// A zone already over capacity while people keep coming in is reported as
// at capacity, not as reaching it "in about 0 minutes".
func TestTimeToCapacityAlertWhenAlreadyFull(t *testing.T) {
	e, err := NewEngine(DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	// about 100 m × 100 m at 31.24° N
	sq := orb.Polygon{{{121.4900, 31.2400}, {121.4910, 31.2400}, {121.4910, 31.2409}, {121.4900, 31.2409}, {121.4900, 31.2400}}}
	st := Station{ID: "crowd-test", Feed: FeedCrowd, Name: "测试广场", Kind: KindCrowdZone, Area: sq}
	t0 := time.Date(2026, 10, 2, 20, 0, 0, 0, Shanghai)
	var raised *Alert
	for i := 0; i < 4; i++ {
		r := Reading{Feed: FeedCrowd, Station: st.ID, Time: t0.Add(time.Duration(i) * 30 * time.Second),
			Values: []Measurement{{Param: ParamCount, Value: 30000, Unit: "persons"}, {Param: ParamInflow, Value: 400, Unit: "persons/min"}}}
		ch, err := e.Observe(st, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if c.Alert.Condition == CondCrowdTimeToCapacity && c.Step.Kind == StepRaise {
				a := c.Alert
				raised = &a
			}
		}
	}
	if raised == nil {
		t.Fatal("no time-to-capacity alert for a zone over capacity with people still coming in")
	}
	if !strings.Contains(raised.Message, "已达到容量") || strings.Contains(raised.Message, "0 分钟") {
		t.Errorf("message %q: want it to say the zone is at capacity", raised.Message)
	}
	if !strings.Contains(raised.MessageEN, "at capacity") {
		t.Errorf("English message %q: want \"at capacity\"", raised.MessageEN)
	}
}
