package city

import (
	"testing"
	"time"
)

func sh(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Shanghai)
}

// 2026-10-01 (Thu) .. 10-07 are holidays in the test calendar, with
// Sunday 09-27 and Saturday 10-10 as make-up working days.
func testCalendar() WorkCalendar {
	c := DefaultWorkCalendar()
	c.Holidays = []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}
	c.Workdays = []string{"2026-09-27", "2026-10-10"}
	return c
}

func TestAddWorking(t *testing.T) {
	c := testCalendar()
	for _, tc := range []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside the day", sh(2026, 9, 22, 9, 0), 4 * time.Hour, sh(2026, 9, 22, 13, 0)},
		{"exactly to the end of the day", sh(2026, 9, 22, 13, 30), 4 * time.Hour, sh(2026, 9, 22, 17, 30)},
		{"across the night", sh(2026, 9, 22, 16, 0), 4 * time.Hour, sh(2026, 9, 23, 11, 0)},
		{"raised at night starts next morning", sh(2026, 9, 22, 23, 10), 30 * time.Minute, sh(2026, 9, 23, 9, 0)},
		{"raised before work starts", sh(2026, 9, 23, 6, 0), time.Hour, sh(2026, 9, 23, 9, 30)},
		{"Friday afternoon to Monday", sh(2026, 9, 18, 16, 30), 24 * time.Hour, sh(2026, 9, 23, 13, 30)}, // 1 + 9 + 9 + 5 h,
		{"raised on Saturday", sh(2026, 9, 19, 10, 0), 2 * time.Hour, sh(2026, 9, 21, 10, 30)},
		{"make-up Sunday works", sh(2026, 9, 26, 12, 0), time.Hour, sh(2026, 9, 27, 9, 30)},
		{"over the national holidays", sh(2026, 9, 30, 17, 0), time.Hour, sh(2026, 10, 8, 9, 0)},
		// 09-30 17:00-17:30 (0.5 h), 10-08, 10-09 (9 h each), make-up Saturday 10-10 (9 h).
		{"24 working hours over the holidays", sh(2026, 9, 30, 17, 0), 24 * time.Hour, sh(2026, 10, 10, 14, 0)},
		{"zero duration", sh(2026, 9, 19, 10, 0), 0, sh(2026, 9, 19, 10, 0)},
		{"UTC input", time.Date(2026, 9, 22, 1, 0, 0, 0, time.UTC), time.Hour, sh(2026, 9, 22, 10, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorking(tc.start, tc.d)
			if !got.Equal(tc.want) {
				t.Errorf("AddWorking(%v, %v) = %v, want %v", tc.start, tc.d, got.In(Shanghai), tc.want)
			}
			if tc.d > 0 {
				if back := c.WorkingBetween(tc.start, got); back != tc.d {
					t.Errorf("WorkingBetween back = %v, want %v", back, tc.d)
				}
			}
		})
	}
}

func TestWorkingBetween(t *testing.T) {
	c := testCalendar()
	for _, tc := range []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"night only", sh(2026, 9, 22, 18, 0), sh(2026, 9, 23, 8, 0), 0},
		{"a weekend", sh(2026, 9, 19, 0, 0), sh(2026, 9, 21, 0, 0), 0},
		{"a holiday week", sh(2026, 10, 1, 0, 0), sh(2026, 10, 8, 0, 0), 0},
		{"one whole week", sh(2026, 9, 21, 0, 0), sh(2026, 9, 28, 0, 0), 5*9*time.Hour + 9*time.Hour}, // with make-up Sunday 09-27
		{"reversed", sh(2026, 9, 22, 10, 0), sh(2026, 9, 22, 9, 0), -time.Hour},
		{"equal", sh(2026, 9, 22, 10, 0), sh(2026, 9, 22, 10, 0), 0},
	} {
		if got := c.WorkingBetween(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: WorkingBetween = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWorkCalendarNoWorkingTime(t *testing.T) {
	c := DefaultWorkCalendar()
	c.Weekend = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	if got := c.AddWorking(sh(2026, 9, 22, 9, 0), time.Hour); !got.IsZero() {
		t.Errorf("a calendar without working days gave %v, want the zero time", got)
	}
}

func TestWorkCalendarValidate(t *testing.T) {
	c := DefaultWorkCalendar()
	c.Start, c.End = Clock(18, 0), Clock(9, 0)
	c.Weekend = []string{"saturday"}
	c.Holidays = []string{"2026-13-01"}
	if errs := c.Validate("case.calendar."); len(errs) != 3 {
		t.Errorf("got %d errors, want 3: %v", len(errs), errs)
	}
	if errs := testCalendar().Validate(""); len(errs) != 0 {
		t.Errorf("good calendar: %v", errs)
	}
}
