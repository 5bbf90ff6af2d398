package city

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// WorkCalendar is the site's working calendar, used to count disposal time
// limits (处置时限) in working hours: each working day has one working
// period [Start, End) in Shanghai time; Saturdays and Sundays (or the
// listed weekend days) are off, the listed holidays are off, and the
// listed make-up days (调休上班) are working days even on a weekend.
// Shanghai keeps no daylight saving time, so every day has 24 hours.
type WorkCalendar struct {
	Start    ClockTime `toml:"work_start"` // default 08:30
	End      ClockTime `toml:"work_end"`   // default 17:30
	Weekend  []string  `toml:"weekend"`    // day names, default ["sat", "sun"]
	Holidays []string  `toml:"holidays"`   // "YYYY-MM-DD", days off
	Workdays []string  `toml:"workdays"`   // "YYYY-MM-DD", make-up working days
}

// DefaultWorkCalendar is 08:30–17:30, Monday to Friday, without holidays
// (a site lists its year's holidays and make-up days).
func DefaultWorkCalendar() WorkCalendar {
	return WorkCalendar{Start: Clock(8, 30), End: Clock(17, 30), Weekend: []string{"sat", "sun"}, Holidays: []string{}, Workdays: []string{}}
}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

const dayLayout = "2006-01-02"

// Validate names every bad calendar key under prefix.
func (c WorkCalendar) Validate(prefix string) []error {
	var errs []error
	if !c.Start.Valid() || !c.End.Valid() || c.Start >= c.End {
		errs = append(errs, fmt.Errorf("%swork_start/work_end: %v–%v is not a working period within one day", prefix, c.Start, c.End))
	}
	for _, d := range c.Weekend {
		if _, ok := weekdayNames[strings.ToLower(strings.TrimSpace(d))]; !ok {
			errs = append(errs, fmt.Errorf("%sweekend: %q is not one of sun, mon, tue, wed, thu, fri, sat", prefix, d))
		}
	}
	for key, list := range map[string][]string{"holidays": c.Holidays, "workdays": c.Workdays} {
		for _, d := range list {
			if _, err := time.ParseInLocation(dayLayout, strings.TrimSpace(d), Shanghai); err != nil {
				errs = append(errs, fmt.Errorf("%s%s: %q is not a date YYYY-MM-DD", prefix, key, d))
			}
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// IsWorkday reports whether the Shanghai day of t is a working day.
func (c WorkCalendar) IsWorkday(t time.Time) bool {
	day := t.In(Shanghai).Format(dayLayout)
	if slices.Contains(c.Workdays, day) {
		return true
	}
	if slices.Contains(c.Holidays, day) {
		return false
	}
	wd := t.In(Shanghai).Weekday()
	for _, n := range c.Weekend {
		if w, ok := weekdayNames[strings.ToLower(strings.TrimSpace(n))]; ok && w == wd {
			return false
		}
	}
	return true
}

// period is the working period of t's Shanghai day; ok false on a day off.
func (c WorkCalendar) period(t time.Time) (from, to time.Time, ok bool) {
	l := t.In(Shanghai)
	mid := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Shanghai)
	if !c.IsWorkday(mid) {
		return mid, mid, false
	}
	return mid.Add(time.Duration(c.Start) * time.Minute), mid.Add(time.Duration(c.End) * time.Minute), true
}

// maxCalendarDays bounds the search for working time, so a calendar that
// lists every day as a holiday cannot loop for ever.
const maxCalendarDays = 3660

// AddWorking returns the moment d of working time after start: the clock
// runs only inside working periods. d <= 0 gives start. A calendar with
// no working time within ten years gives the zero time.
func (c WorkCalendar) AddWorking(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	t := start
	for range maxCalendarDays {
		from, to, ok := c.period(t)
		if ok && t.Before(to) {
			if t.Before(from) {
				t = from
			}
			if left := to.Sub(t); d <= left {
				return t.Add(d)
			} else {
				d -= left
			}
		}
		l := t.In(Shanghai)
		t = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, Shanghai)
	}
	return time.Time{}
}

// WorkingBetween is the working time from a to b (negative when b is
// before a).
func (c WorkCalendar) WorkingBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.WorkingBetween(b, a)
	}
	var sum time.Duration
	t := a
	for range maxCalendarDays * 10 {
		if !t.Before(b) {
			break
		}
		from, to, ok := c.period(t)
		if ok {
			s, e := maxTime(t, from), minTime(b, to)
			if e.After(s) {
				sum += e.Sub(s)
			}
		}
		l := t.In(Shanghai)
		t = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, Shanghai)
	}
	return sum
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
