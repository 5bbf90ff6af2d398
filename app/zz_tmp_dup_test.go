package app

import (
	"fmt"
	"testing"
	"time"

	"onescreen/city"
)

func TestTmpDup(t *testing.T) {
	for k := 0; k < 6; k++ {
		start := time.Now().Add(-7*24*time.Hour + time.Duration(k)*37*time.Minute).Truncate(time.Second)
		src := newPipeSource(start)
		seen := map[string]string{}
		b := &testing.B{}
		_ = b
		for it := 0; it < 4; it++ {
			rs := src.rawReadings(100000)
			for _, r := range rs {
				keys := []string{}
				for _, m := range r.Values {
					keys = append(keys, m.Param)
				}
				if r.Event != "" {
					keys = append(keys, "!"+r.Event)
				}
				for _, p := range keys {
					key := fmt.Sprintf("%s|%d|%s", r.Station, r.Time.UnixMilli(), p)
					desc := fmt.Sprintf("%s %s %v", r.Time.Format(time.RFC3339Nano), p, r.Values)
					if prev, ok := seen[key]; ok {
						t.Logf("start %v it %d dup %s: %s / %s", start, it, key, prev, desc)
					}
					seen[key] = desc
				}
			}
		}
	}
}

func (p *pipeSource) rawReadings(n int) []city.Reading {
	var out []city.Reading
	for len(out) < n {
		if len(p.left) == 0 {
			p.left = p.sim.Tick(p.next)
			p.next = p.next.Add(pipeInterval)
		}
		take := min(n-len(out), len(p.left))
		out = append(out, p.left[:take]...)
		p.left = p.left[take:]
	}
	return out
}
