package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"onescreen/cache"
	"onescreen/city"
)

// dutyTime is how the duty exports write a time: Beijing time with
// milliseconds and the zone offset.
const dutyTime = "2006-01-02T15:04:05.000Z07:00"

func dutyTimeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(city.Shanghai).Format(dutyTime)
}

var handoverHeader = []string{"shift", "from", "to", "opened", "closed", "still_open", "overdue", "overdue_alerts",
	"outages", "rejects", "signed_by", "signed", "note", "acked_by", "acked", "ack_note"}

// ExportHandovers writes the handovers of shifts that began in [from, to)
// as CSV, one row per shift: the summary as signed off (outages as
// "feed from/to", still-open outages with an empty end; rejects as
// "feed=n"), the sign-off and the acknowledgement.
func ExportHandovers(db *cache.DB, from, to time.Time, w io.Writer) error {
	hs, err := db.Handovers(from, to)
	if err != nil {
		return fmt.Errorf("export handover: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(handoverHeader); err != nil {
		return fmt.Errorf("export handover: %w", err)
	}
	for _, h := range hs {
		s := h.Summary
		var outs []string
		for _, o := range s.Outages {
			outs = append(outs, string(o.Feed)+" "+dutyTimeCell(o.From)+"/"+dutyTimeCell(o.To))
		}
		var rej []string
		for _, f := range s.RejectFeeds() {
			rej = append(rej, f+"="+strconv.Itoa(s.Rejects[f]))
		}
		if len(outs) == 0 && s.OutageCount > 0 {
			outs = []string{strconv.Itoa(s.OutageCount)} // signed off at another desk: the count only
		}
		if len(rej) == 0 && s.RejectCount > 0 {
			rej = []string{strconv.Itoa(s.RejectCount)}
		}
		row := []string{textCell(h.Shift), dutyTimeCell(s.From), dutyTimeCell(s.To),
			strconv.Itoa(s.Opened), strconv.Itoa(s.Closed), strconv.Itoa(s.StillOpen), strconv.Itoa(s.Overdue),
			strings.Join(s.OverdueIDs, "; "), strings.Join(outs, "; "), strings.Join(rej, "; "),
			textCell(h.SignedBy), dutyTimeCell(h.Signed), textCell(h.Note), textCell(h.AckedBy), dutyTimeCell(h.Acked), textCell(h.AckNote)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export handover: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export handover: %w", err)
	}
	return nil
}

// ExportDutyLog writes the duty-log entries of [from, to) as CSV, oldest
// first.
func ExportDutyLog(db *cache.DB, from, to time.Time, w io.Writer) error {
	es, err := db.DutyLog(from, to)
	if err != nil {
		return fmt.Errorf("export dutylog: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "officer", "shift", "text"}); err != nil {
		return fmt.Errorf("export dutylog: %w", err)
	}
	for _, e := range es {
		if err := cw.Write([]string{dutyTimeCell(e.Time), textCell(e.Officer), textCell(e.Shift), textCell(e.Text)}); err != nil {
			return fmt.Errorf("export dutylog: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export dutylog: %w", err)
	}
	return nil
}
