package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onescreen/cache/model"
	"onescreen/city"
)

// What the officer is told of the link to the feed server: since when a
// feed is offline (when the link actually dropped, or the last data held
// when the app starts without one), why, and on tapping a badge all of
// the feed's health and its rejected messages.

// linkReasons maps what a connection error says to a short reason, the
// English key of its translation. The first match wins.
var linkReasons = []struct{ match, reason string }{
	{"refused the token", "token refused (401)"},
	{"HTTP 401", "token refused (401)"},
	{"HTTP 403", "forbidden (403)"},
	{"connection refused", "connection refused"},
	{"no such host", "host not found"},
	{"x509", "TLS certificate not trusted"},
	{"certificate", "TLS certificate not trusted"},
	{"tls:", "TLS handshake failed"},
	{"timeout", "timeout"},
	{"deadline exceeded", "timeout"},
	{"presumed dead", "timeout"},
	{"network is unreachable", "network unreachable"},
	{"no route to host", "network unreachable"},
	{"connection reset", "connection lost"},
	{"broken pipe", "connection lost"},
	{"closed the connection", "connection lost"},
	{"EOF", "connection lost"},
}

// linkReasonKey gives the short reason (untranslated) of a connection
// error, or "" when it is none of the known ones.
func linkReasonKey(errText string) string {
	low := strings.ToLower(errText)
	for _, r := range linkReasons {
		if strings.Contains(low, strings.ToLower(r.match)) {
			return r.reason
		}
	}
	return ""
}

// linkReason is the reason shown for a connection error: in Chinese with
// the English term beside it (what a technician called in would search
// for), in English alone; an unknown error is shown shortened as it came.
func linkReason(errText string) string {
	errText = strings.TrimSpace(errText)
	if errText == "" {
		return ""
	}
	key := linkReasonKey(errText)
	if key == "" {
		if r := []rune(errText); len(r) > 80 {
			errText = string(r[:80]) + "…"
		}
		return errText
	}
	if isZH() {
		return lang.L(key) + "（" + key + "）"
	}
	return key
}

// sinceText gives a time of the status strip: the time of day when it is
// today (Beijing time), else the date too.
func sinceText(t, now time.Time) string {
	t, now = t.In(city.Shanghai), now.In(city.Shanghai)
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// feedInfoText is what tapping a feed's badge shows: state, since when,
// why, the newest reading, the rate, what was received, gaps, and the
// newest rejected messages of the feed (or that there are none).
func feedInfoText(st city.FeedStatus, rejects []model.Reject, now time.Time) string {
	var b strings.Builder
	line := func(label, value string) { b.WriteString(colonLabel(label) + value + "\n") }
	line(lang.L("State"), stateText(st.State))
	if st.SinceStart {
		line(lang.L("Since"), sinceText(st.Since, now)+" ("+lang.L("no link since the app started")+")")
	} else if !st.Since.IsZero() {
		line(lang.L("Since"), sinceText(st.Since, now))
	}
	if st.State != city.FeedLive {
		r := linkReason(st.LastError)
		if st.State == city.FeedDegraded {
			r = lang.L("connected, but no fresh data from this feed")
		}
		if r == "" {
			r = "—"
		}
		line(lang.L("Reason"), r)
		if st.LastError != "" && st.State == city.FeedOffline {
			line(lang.L("Error"), st.LastError)
		}
	}
	if st.Newest.IsZero() {
		line(lang.L("Newest reading"), lang.L("none held"))
	} else {
		line(lang.L("Newest reading"), st.Newest.In(city.Shanghai).Format("2006-01-02 15:04:05")+" ("+city.FormatAge(now.Sub(st.Newest))+")")
	}
	line(lang.L("Rate"), formatRateText(st.Rate))
	line(lang.L("Received since start"), fmt.Sprint(st.Received))
	line(lang.L("gaps"), fmt.Sprint(st.Gaps))
	line(lang.L("Rejected messages"), fmt.Sprint(st.Rejected))
	b.WriteString("\n")
	n := 0
	for _, r := range rejects {
		if r.Feed != string(st.Feed) {
			continue
		}
		if n == 20 {
			b.WriteString("…\n")
			break
		}
		raw := string(r.Raw)
		if rs := []rune(raw); len(rs) > 160 {
			raw = string(rs[:160]) + "…"
		}
		fmt.Fprintf(&b, "%s  %s\n    %s\n", r.At.In(city.Shanghai).Format("01-02 15:04:05"), r.Reason, raw)
		n++
	}
	if n == 0 {
		b.WriteString(lang.L("No rejected messages.") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func formatRateText(v float64) string { return fmt.Sprintf("%.1f", v) + lang.L("/s") }

// showFeedInfo opens the feed's health and rejected messages (tapping its
// badge). It always shows something, with or without rejects or data.
func (c *Console) showFeedInfo(f city.Feed) {
	st := city.FeedStatus{Feed: f}
	now := time.Now()
	if c.last != nil {
		now = c.last.statusNow() // the real time, also on a past view
		for _, s := range c.last.Status {
			if s.Feed == f {
				st = s
			}
		}
	}
	var rejects []model.Reject
	if c.data != nil {
		rs, err := c.data.Rejects(200)
		if err != nil {
			c.showError(err)
		}
		rejects = rs
	}
	text := widget.NewLabel(feedInfoText(st, rejects, now))
	text.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(720, 420))
	dialog.ShowCustom(feedName(f)+" · "+lang.L("Feed status"), lang.L("Close"), scroll, c.win)
}

// shortReason is the reason in a badge's pill: the translated short reason
// alone, without the English term.
func shortReason(st city.FeedStatus) string {
	if st.State == city.FeedDegraded {
		return lang.L("no fresh data")
	}
	if key := linkReasonKey(st.LastError); key != "" {
		return lang.L(key)
	}
	return lang.L("error")
}

// colonLabel is a label followed by a colon: full-width in Chinese.
func colonLabel(label string) string {
	if isZH() {
		return label + "："
	}
	return label + ": "
}
