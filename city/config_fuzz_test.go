package city_test

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"

	"onescreen/city"
)

// FuzzSiteConfig reads arbitrary text as a site settings file. It never
// panics; what it refuses gets a reason and the defaults; what it accepts
// validates, holds finite numbers, and written out as TOML reads back the
// same.
func FuzzSiteConfig(f *testing.F) {
	example, err := os.ReadFile("../docs/onescreen.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		string(example),
		"aqi_edition = \"2012\"\n[noise]\nday_end = \"23:00\"\n[alerts.noise_day]\nmargin = 3.0\n[stations.N1]\nzone_class = \"1\"\n",
		"[[duty.shifts]]\nname = \"早班\"\nstart = \"07:00\"\nend = \"19:00\"\nleader = \"王伟\"\nofficers = [\"李娜\"]\n" +
			"[case.limits]\nwater = \"12h\"\n[case.calendar]\nwork_start = \"09:00\"\nholidays = [\"2026-10-01\"]\n",
		"[wall]\nrotate = \"5s\"\nviews = [\"overview\", \"fire\"]\ntop_stations = 3\n",
		"[crowd]\nmedium_at = nan\nhigh_at = inf\n",
		"[fire]\nheartbeat_timeout = 900000000000\nresidual_current_ma = 1000\n",
		"[alerts.water_class]\nmargin = -0.0\nmin_duration = \"-1h\"\n",
		"[stations.\"\"]\ncapacity = 1e308\n[stations.x]\ntarget_class = \"VI\"\n",
		"[case.calendar]\nweekend = [\"fri\", \"fri\"]\nholidays = [\"2026-02-30\"]\nworkdays = [1]\n",
		"aqi_edition = 2012\n", "[noise]\nday_start = \"24:00\"\n", "unknown = 1\n",
		"[alerts]\nescalate_after = \"9223372036854775807ns\"\n", "a = [", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := city.ParseSiteConfig(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a reason")
			}
			if !reflect.DeepEqual(cfg, city.DefaultSiteConfig()) {
				t.Fatal("a refused file did not leave the defaults")
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted settings do not validate: %v", err)
		}
		for _, v := range []float64{cfg.Crowd.MediumAt, cfg.Crowd.HighAt, cfg.Crowd.CriticalAt, cfg.Crowd.CapacityDensity,
			cfg.Fire.HydrantMinMPa, cfg.Fire.HydrantMaxMPa, cfg.Fire.ResidualCurrentMA, cfg.Fire.CableTempC, cfg.Fire.LowBatteryPercent} {
			if !city.Finite(v) {
				t.Fatalf("accepted settings hold %v", v)
			}
		}
		for _, c := range city.Conditions {
			if r, _ := cfg.Alerts.Rule(c); !city.Finite(r.Margin) {
				t.Fatalf("accepted margin %v for %s", r.Margin, c)
			}
		}
		for id, s := range cfg.Stations {
			if !city.Finite(s.Capacity) {
				t.Fatalf("accepted capacity %v for %s", s.Capacity, id)
			}
		}
		var b bytes.Buffer
		if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
			t.Fatalf("accepted settings cannot be written: %v", err)
		}
		again, err := city.ParseSiteConfig(b.String())
		if err != nil {
			t.Fatalf("accepted settings written out are refused: %v\n%s", err, b.String())
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("accepted settings read back differently:\n%+v\n%+v\n%s", cfg, again, b.String())
		}
	})
}
