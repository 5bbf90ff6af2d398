// Package desktest holds what the tests of the desk, the ingest, the screen
// and the runtime share: a feed server on loopback, a site with a roster,
// and readers of a desk's cache.
package desktest

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
)

// StartFeedServer serves a feed server on a loopback port for the test and
// returns it with its address.
func StartFeedServer(t testing.TB, cfg feeds.ServerConfig) (*feeds.Server, string) {
	t.Helper()
	srv := feeds.NewServer(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, ln.Addr().String()
}

// DutySite is the default site with a day shift (白班 08–20, led by 王伟 with
// 李娜) and a night shift (夜班 20–08, led by 张强 with 赵敏).
func DutySite() city.SiteConfig {
	cfg := city.DefaultSiteConfig()
	cfg.Duty.Shifts = []city.Shift{
		{Name: "白班", Start: city.Clock(8, 0), End: city.Clock(20, 0), Leader: "王伟", Officers: []string{"李娜"}},
		{Name: "夜班", Start: city.Clock(20, 0), End: city.Clock(8, 0), Leader: "张强", Officers: []string{"赵敏"}},
	}
	return cfg
}

// ShT is h:m on the duty tests' Tuesday, Beijing time.
func ShT(h, m int) time.Time { return time.Date(2026, 9, 22, h, m, 0, 0, city.Shanghai) }

// DutyAlert is a raised major alert of feed and condition, for the duty tests.
func DutyAlert(id string, feed city.Feed, cond city.Condition, raised time.Time) city.Alert {
	return city.Alert{ID: id, Station: "st-" + id, Feed: feed, Condition: cond, Severity: city.SeverityMajor,
		State: city.StateRaised, Raised: raised, Updated: raised, Message: "测试"}
}

// RowKey is the key of a stored cache row: a value's parameter, or "!" and
// the event's name.
type RowKey struct {
	Station string
	Ms      int64 // observation time, Unix milliseconds
	Param   string
}

// RowKeyOf is the key of station's row of param observed at t.
func RowKeyOf(station string, t time.Time, param string) RowKey {
	return RowKey{Station: station, Ms: t.UnixMilli(), Param: param}
}

// DutyFace is what a desk holds of the duty records, as text to compare.
func DutyFace(t testing.TB, db *cache.DB) string {
	t.Helper()
	log, err := db.DutyLog(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := db.Handovers(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	roster, _, err := db.RosterEdit()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range log {
		fmt.Fprintf(&b, "log %s %s %d %s %q\n", e.ID, e.Officer, e.Time.UnixNano(), e.Shift, e.Text)
	}
	fmt.Fprintf(&b, "roster %+v by %s at %d\n", roster.Shifts, roster.By, roster.At.UnixNano())
	for _, h := range hs {
		s := h.Summary
		fmt.Fprintf(&b, "handover %s %d–%d opened=%d closed=%d open=%d overdue=%d signed %s %d %q acked %s %d %q\n", h.Shift,
			s.From.UnixNano(), s.To.UnixNano(), s.Opened, s.Closed, s.StillOpen, s.Overdue,
			h.SignedBy, h.Signed.UnixNano(), h.Note, h.AckedBy, h.Acked.UnixNano(), h.AckNote)
	}
	return b.String()
}

// DutyOutboxOfficers lists the officer of every message a desk's duty
// outbox ever held.
func DutyOutboxOfficers(t testing.TB, dataDir string) []string {
	t.Helper()
	return CacheStrings(t, dataDir, `SELECT officer FROM duty_outbox ORDER BY seq`)
}

// CacheStrings runs a query that returns one text column on the cache in
// dataDir, read-only and past the cache's own API.
func CacheStrings(t testing.TB, dataDir, query string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dataDir, cache.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
