package city_test

import (
	"fmt"
	"time"

	"onescreen/city"
)

// The published check of HJ 633: a PM2.5 one-hour value of 88 µg/m³ is
// IAQI 116.25, published as AQI 117 under the 2012 edition. The 2026
// edition moved the IAQI-100 breakpoint of PM2.5 from 75 to 60 µg/m³.
func ExampleHourlyAQI() {
	values := map[string]float64{
		city.ParamPM25: 88, city.ParamPM10: 100, city.ParamSO2: 10,
		city.ParamNO2: 40, city.ParamCO: 0.8, city.ParamO3: 60,
	}
	for _, ed := range []city.AQIEdition{city.Edition2012, city.Edition2026} {
		res, err := city.HourlyAQI(values, ed)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%v: AQI %d %s %s %s, primary %s\n", ed, res.AQI, res.Level.Grade, res.Level.Name, res.Level.Hex(), res.PrimaryLabel())
	}
	iaqi, _, _ := city.IAQI(city.ParamPM25, city.Period1h, 88, city.Edition2012)
	fmt.Println("IAQI", iaqi)
	// Output:
	// HJ 633-2012: AQI 117 三级 轻度污染 #FF7E00, primary PM2.5
	// HJ 633-2026: AQI 126 三级 轻度污染 #FF7E00, primary PM2.5
	// IAQI 116.25
}

// A section is its worst single parameter, judged against its target.
func ExampleWaterClassOf() {
	a, _ := city.WaterClassOf(map[string]float64{
		city.ParamPH: 7.3, city.ParamDO: 6.4, city.ParamCODMn: 4.8,
		city.ParamNH3N: 1.42, city.ParamTP: 0.18, city.ParamTemp: 24,
	}, city.River)
	fmt.Println(a.Class.Label(), a.Decisive, "meets III:", a.Meets(city.ClassIII))
	for _, x := range a.Exceedances(city.ClassIII) {
		fmt.Printf("%s %g mg/L > %g (%.2f×)\n", city.WaterParamName(x.Param), x.Value, x.Limit, x.Times)
	}
	// Output:
	// IV类 [nh3n] meets III: false
	// 氨氮 1.42 mg/L > 1 (0.42×)
}

// Zone 2 (commercial): 60 dB(A) by day, 50 at night; at night a sudden
// noise may reach the limit + 15 dB(A).
func ExampleAssessNoise() {
	cfg := city.DefaultSiteConfig()
	r := city.Reading{Time: time.Date(2026, 7, 15, 23, 10, 0, 0, city.Shanghai), Values: []city.Measurement{
		{Param: city.ParamLAeq, Value: 52.5}, {Param: city.ParamLmax, Value: 68}}}
	a, _ := city.AssessNoise(city.Zone2, r, cfg.Noise)
	fmt.Printf("night=%v limit=%g over=%v by %g; Lmax limit %g over=%v\n", a.Night, a.Limit, a.Over, a.Exceedance, a.LmaxLimit, a.LmaxOver)
	// Output:
	// night=true limit=50 over=true by 2.5; Lmax limit 65 over=true
}

// Police close entrances early on the time to capacity.
func ExampleTimeToCapacity() {
	d, ok := city.TimeToCapacity(61000, 72000, 850)
	fmt.Println(d, ok, city.DensityBandOf(2.7).Name(), city.DefaultSiteConfig().Crowd.RiskOf(2.7).Name())
	// Output:
	// 12m56s true 饱和 高
}

// A value flickering across the line raises one alert, which clears itself
// once the value is clearly below it.
func ExampleEngine_Observe() {
	cfg := city.DefaultSiteConfig()
	cfg.AQIEdition = city.Edition2012
	e, _ := city.NewEngine(cfg)
	st := city.Station{ID: "AQ-01", Feed: city.FeedAir}
	t0 := time.Date(2025, 12, 1, 8, 0, 0, 0, city.Shanghai)
	for h, pm25 := range []float64{75.5, 74, 75.5, 74, 60} {
		r := city.Reading{Feed: city.FeedAir, Station: "AQ-01", Time: t0.Add(time.Duration(h) * time.Hour),
			Values: []city.Measurement{{Param: city.ParamPM25, Value: pm25}}}
		changes, _ := e.Observe(st, r)
		for _, c := range changes {
			fmt.Println(r.Time.Format("15:04"), c.Step.Kind, c.Alert.Severity.Name(), c.Alert.Message, "|", c.Step.Note)
		}
	}
	// AQI 99 at 09:00 and 11:00 is within the margin: the alert holds, and
	// keeps describing the reading that raised it.
	// Output:
	// 08:00 raise 一般 AQI 101，三级轻度污染，首要污染物 PM2.5（HJ 633-2012） | AQI 101，三级轻度污染，首要污染物 PM2.5（HJ 633-2012）
	// 12:00 clear 一般 AQI 101，三级轻度污染，首要污染物 PM2.5（HJ 633-2012） | 条件已解除，当前 AQI 82 / condition ended, now AQI 82
}
