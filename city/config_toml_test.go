package city_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"onescreen/city"
)

// The shipped example file must parse into SiteConfig with no unknown key,
// restate every default exactly, and validate.
func TestExampleConfigFile(t *testing.T) {
	cfg := city.DefaultSiteConfig()
	md, err := toml.DecodeFile("../docs/onescreen.example.toml", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		t.Fatalf("keys the configuration does not know: %v", un)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	stations := cfg.Stations
	cfg.Stations = nil
	if def := city.DefaultSiteConfig(); !reflect.DeepEqual(cfg, def) {
		t.Errorf("example file differs from the defaults:\n got %+v\nwant %+v", cfg, def)
	}
	if s := stations["WQ-LAKE-01"]; s.TargetClass != city.ClassIII || s.WaterBody != city.Lake {
		t.Errorf("station override: %+v", s)
	}
	if s := stations["NZ-BUND-01"]; s.ZoneClass != city.Zone4a {
		t.Errorf("station override: %+v", s)
	}
}

// A partial file keeps the defaults of the keys it leaves out, also inside
// a table it does set.
func TestPartialConfigKeepsDefaults(t *testing.T) {
	cfg := city.DefaultSiteConfig()
	_, err := toml.Decode(`
aqi_edition = "2012"
[noise]
day_end = "23:00"
[alerts.noise_day]
margin = 3.0
[stations.N1]
zone_class = "1"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.AQIEdition != city.Edition2012 || cfg.Noise.DayStart != city.Clock(6, 0) || cfg.Noise.DayEnd != city.Clock(23, 0) ||
		cfg.Alerts.NoiseDay.Margin != 3 || cfg.Alerts.NoiseDay.MinDuration != 5*time.Minute || cfg.Stations["N1"].ZoneClass != city.Zone1 {
		t.Errorf("partial decode: %+v", cfg)
	}
}

// Bad values are refused with the key named.
func TestBadConfigValues(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`aqi_edition = "2019"`, "unknown AQI edition"},
		{"[noise]\nday_start = \"6 am\"", "HH:MM"},
		{"[water]\ntarget_class = \"VI\"", "unknown water class"},
		{"[stations.N1]\nzone_class = \"5\"", "unknown noise zone class"},
		{"[fire]\nheartbeat_timeout = \"soon\"", "soon"},
	}
	for _, tt := range tests {
		cfg := city.DefaultSiteConfig()
		_, err := toml.Decode(tt.doc, &cfg)
		if err == nil {
			err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error with %q", tt.doc, err, tt.want)
		}
	}
	cfg := city.DefaultSiteConfig()
	if _, err := toml.Decode("[fire]\nresidual_current_ma = 1000", &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "fire.residual_current_ma") {
		t.Errorf("1000 mA: %v", err)
	}
}

// A file that sets one disposal limit keeps the other limits' defaults; a
// roster and a calendar in the file replace the defaults' and validate.
func TestDutyAndCaseSettingsFromTOML(t *testing.T) {
	cfg := city.DefaultSiteConfig()
	_, err := toml.Decode(`
[[duty.shifts]]
name = "早班"
start = "07:00"
end = "19:00"
leader = "王伟"
officers = ["李娜", "赵敏"]
[[duty.shifts]]
name = "晚班"
start = "19:00"
end = "07:00"
leader = "张强"
[case.limits]
water = "12h"
[case.calendar]
work_start = "09:00"
holidays = ["2026-10-01"]
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Duty.Shifts) != 2 || cfg.Duty.Shifts[0].Leader != "王伟" || len(cfg.Duty.Shifts[0].Officers) != 2 {
		t.Errorf("roster %+v", cfg.Duty.Shifts)
	}
	if cfg.Case.Limits["water"] != 12*time.Hour || cfg.Case.Limits["fire_alarm"] != 30*time.Minute {
		t.Errorf("limits %v: want water 12h and the other defaults kept", cfg.Case.Limits)
	}
	if cfg.Case.Calendar.Start != city.Clock(9, 0) || cfg.Case.Calendar.End != city.Clock(17, 30) || len(cfg.Case.Calendar.Holidays) != 1 {
		t.Errorf("calendar %+v", cfg.Case.Calendar)
	}
	bad := city.DefaultSiteConfig()
	if _, err := toml.Decode("[case.limits]\nweather = \"1h\"\n[[duty.shifts]]\nname = \"白班\"\nstart = \"10:00\"\nend = \"12:00\"\n", &bad); err != nil {
		t.Fatal(err)
	}
	err = bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "case.limits.weather") {
		t.Errorf("bad limit key: %v", err)
	}
}
