package cache

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"onescreen/city"
)

// at is t0 plus d, in UTC with a nanosecond part, as times come back.
func at(d time.Duration) time.Time { return t0.Add(d + 123456789).UTC() }

// raisedAlert returns a raised alert on station for cond at raised.
func raisedAlert(station string, feed city.Feed, cond city.Condition, raised time.Time) city.Alert {
	return city.Alert{ID: city.AlertID(station, cond, raised), Station: station, Feed: feed, Condition: cond,
		Severity: city.SeverityMinor, State: city.StateRaised, Began: raised.Add(-5 * time.Minute),
		Raised: raised, Updated: raised, Value: 151, Unit: "µg/m³", Message: "细颗粒物超标", MessageEN: "PM2.5 high"}
}

// step returns a's step of kind at t by officer.
func step(a city.Alert, kind city.StepKind, officer string, t time.Time) city.Step {
	return city.Step{Alert: a.ID, Kind: kind, Officer: officer, Time: t}
}

// change pairs a with s, moving a's Updated to s's time when later.
func change(a city.Alert, s city.Step) city.Change {
	if s.Time.After(a.Updated) {
		a.Updated = s.Time
	}
	return city.Change{Alert: a, Step: s}
}

func kinds(steps []city.Step) []city.StepKind {
	var out []city.StepKind
	for _, s := range steps {
		out = append(out, s.Kind)
	}
	return out
}

func pendingKinds(t *testing.T, db *DB) []city.StepKind {
	t.Helper()
	items, err := db.OutboxPending(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []city.StepKind
	for _, it := range items {
		out = append(out, it.Step.Kind)
	}
	return out
}

// Every field of an alert comes back as stored, and its history comes back
// by time, then in the order stored.
func TestAlertRoundTripAndHistoryOrder(t *testing.T) {
	db := openTest(t, Options{})
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-2*time.Hour))
	full := a
	full.Severity, full.State = city.SeverityCritical, city.StateClosed
	full.Updated, full.Cleared = at(-time.Hour), at(-90*time.Minute)
	full.Escalations, full.Escalated = 2, at(-100*time.Minute)
	full.AcknowledgedBy, full.Acknowledged = "王伟", at(-95*time.Minute)
	full.Team, full.DispatchedBy, full.Dispatched = "外滩街道网格组", "王伟", at(-94*time.Minute)
	full.ResolvedBy, full.Resolved = "李娜", at(-80*time.Minute)
	full.VerifiedBy, full.Verified = "张敏", at(-70*time.Minute)
	full.ClosedBy, full.Closed = "张敏", at(-time.Hour)

	raise := city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Note: a.Message, Time: a.Raised}
	ack := step(a, city.StepAcknowledge, "王伟", full.Acknowledged)
	c1 := step(a, city.StepComment, "王伟", full.Acknowledged) // same time as ack, stored after it
	c1.Note = "已电话联系街道"
	closeStep := step(a, city.StepClose, "张敏", full.Closed)
	escalate := city.Step{Alert: a.ID, Kind: city.StepEscalate, Officer: city.SystemOfficer, Time: full.Escalated}
	// Stored out of time order: the escalation arrives after the ack.
	submit(t, db, Batch{AlertChanges: []city.Change{{Alert: a, Step: raise}}})
	submit(t, db, Batch{AlertChanges: []city.Change{change(a, ack), change(a, c1), change(a, escalate), {Alert: full, Step: closeStep}}})

	got, err := db.Alerts(AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], full) {
		t.Fatalf("Alerts =\n%+v\nwant\n%+v", got, full)
	}
	steps, err := db.AlertSteps(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []city.Step{raise, escalate, ack, c1, closeStep}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("AlertSteps =\n%+v\nwant\n%+v", steps, want)
	}
	if s, err := db.AlertSteps("no such alert"); err != nil || len(s) != 0 {
		t.Errorf("AlertSteps of an unknown alert = %v, %v; want none", s, err)
	}
}

// A zero time and a value that is not a number come back as they went in.
func TestAlertZeroTimesAndNaN(t *testing.T) {
	db := openTest(t, Options{})
	a := raisedAlert("smoke-7", city.FeedFire, city.CondDeviceOffline, at(0))
	a.Began, a.Value, a.Unit = time.Time{}, math.NaN(), ""
	submit(t, db, Batch{AlertChanges: []city.Change{{Alert: a, Step: step(a, city.StepRaise, city.SystemOfficer, a.Raised)}}})
	got, err := db.Alerts(AlertFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Alerts = %v, %v", got, err)
	}
	if !got[0].Began.IsZero() || !got[0].Cleared.IsZero() || !math.IsNaN(got[0].Value) {
		t.Errorf("got Began %v, Cleared %v, Value %v; want zero, zero, NaN", got[0].Began, got[0].Cleared, got[0].Value)
	}
}

// A version of an alert updated earlier than the stored one does not
// replace it; one updated at the same time or later does.
func TestAlertNeverMovesBack(t *testing.T) {
	db := openTest(t, Options{})
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-time.Hour))
	acked := a
	acked.State, acked.AcknowledgedBy, acked.Acknowledged, acked.Updated = city.StateAcknowledged, "王伟", at(0), at(0)
	escalated := a // computed before the ack, submitted after it
	escalated.Escalations, escalated.Escalated, escalated.Updated = 1, at(-time.Minute), at(-time.Minute)
	submit(t, db, Batch{AlertChanges: []city.Change{
		{Alert: a, Step: step(a, city.StepRaise, city.SystemOfficer, a.Raised)},
		{Alert: acked, Step: step(a, city.StepAcknowledge, "王伟", at(0))},
		{Alert: escalated, Step: step(a, city.StepEscalate, city.SystemOfficer, at(-time.Minute))},
	}})
	got, err := db.Alerts(AlertFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Alerts = %v, %v", got, err)
	}
	if got[0].State != city.StateAcknowledged || got[0].Escalations != 0 {
		t.Errorf("state %s with %d escalations, want the acknowledged version", got[0].State, got[0].Escalations)
	}
	// The older version's step still joins the history.
	if s, _ := db.AlertSteps(a.ID); len(s) != 3 {
		t.Errorf("%d steps, want 3", len(s))
	}
	same := acked
	same.Message = "更正"
	submit(t, db, Batch{AlertChanges: []city.Change{{Alert: same, Step: step(a, city.StepUpdate, city.SystemOfficer, at(0))}}})
	if got, _ := db.Alerts(AlertFilter{}); got[0].Message != "更正" {
		t.Errorf("message %q, want the version updated at the same time", got[0].Message)
	}
}

func TestAlertsFilter(t *testing.T) {
	db := openTest(t, Options{})
	h := time.Hour
	airOld := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-3*h))
	airOld.State = city.StateClosed
	airNew := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-1*h))
	noise := raisedAlert("noise-1", city.FeedNoise, city.CondNoiseNight, at(-2*h))
	noise.State = city.StateAutoCleared // cleared itself: still open until closed
	fire := raisedAlert("smoke-7", city.FeedFire, city.CondFireAlarm, at(0))
	fire.State = city.StateDispatched
	var b Batch
	for _, a := range []city.Alert{airOld, airNew, noise, fire} {
		b.AlertChanges = append(b.AlertChanges, city.Change{Alert: a, Step: step(a, city.StepRaise, city.SystemOfficer, a.Raised)})
	}
	submit(t, db, b)
	tests := []struct {
		name string
		f    AlertFilter
		want []string
	}{
		{"all, newest raised first", AlertFilter{}, []string{fire.ID, airNew.ID, noise.ID, airOld.ID}},
		{"open only", AlertFilter{OpenOnly: true}, []string{fire.ID, airNew.ID, noise.ID}},
		{"feed", AlertFilter{Feed: city.FeedAir}, []string{airNew.ID, airOld.ID}},
		{"open air", AlertFilter{OpenOnly: true, Feed: city.FeedAir}, []string{airNew.ID}},
		{"from inclusive", AlertFilter{From: noise.Raised}, []string{fire.ID, airNew.ID, noise.ID}},
		{"to exclusive", AlertFilter{To: airNew.Raised}, []string{noise.ID, airOld.ID}},
		{"window", AlertFilter{From: at(-2 * h), To: at(0)}, []string{airNew.ID, noise.ID}},
		{"window in another zone", AlertFilter{From: at(-2 * h).In(city.Shanghai), To: at(0).In(city.Shanghai)}, []string{airNew.ID, noise.ID}},
		{"empty", AlertFilter{From: at(h)}, nil},
		{"unknown feed", AlertFilter{Feed: "traffic"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := db.Alerts(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestOutboxOrderAndAck(t *testing.T) {
	db := openTest(t, Options{})
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-time.Hour))
	b := raisedAlert("noise-1", city.FeedNoise, city.CondNoiseNight, at(-2*time.Hour))
	raiseA := step(a, city.StepRaise, city.SystemOfficer, a.Raised)
	raiseB := step(b, city.StepRaise, city.SystemOfficer, b.Raised)
	update := step(a, city.StepUpdate, city.SystemOfficer, at(-50*time.Minute))
	ackB := step(b, city.StepAcknowledge, "王伟", at(-40*time.Minute))
	dispatch := step(a, city.StepDispatch, "王伟", at(-30*time.Minute))
	dispatch.Team = "外滩街道网格组"
	// Stored in this order; b's raise is older but stored after a's.
	submit(t, db, Batch{AlertChanges: []city.Change{{Alert: a, Step: raiseA}, {Alert: b, Step: raiseB}, change(a, update)}})
	submit(t, db, Batch{AlertChanges: []city.Change{change(b, ackB), change(a, dispatch)}})

	items, err := db.OutboxPending(0)
	if err != nil {
		t.Fatal(err)
	}
	want := []city.Step{raiseA, raiseB, ackB, dispatch} // no update: updates stay home
	if len(items) != len(want) {
		t.Fatalf("%d pending, want %d: %+v", len(items), len(want), items)
	}
	for i, it := range items {
		if !reflect.DeepEqual(it.Step, want[i]) {
			t.Errorf("item %d: step %+v, want %+v", i, it.Step, want[i])
		}
		if it.ID != OutboxID(want[i]) {
			t.Errorf("item %d: id %s, want OutboxID of its step", i, it.ID)
		}
		if i > 0 && it.Seq <= items[i-1].Seq {
			t.Errorf("item %d: seq %d after %d", i, it.Seq, items[i-1].Seq)
		}
		if !it.Created.Equal(t0) || it.Attempts != 0 {
			t.Errorf("item %d: created %v, attempts %d", i, it.Created, it.Attempts)
		}
	}
	if first, err := db.OutboxPending(2); err != nil || len(first) != 2 || first[1].ID != items[1].ID {
		t.Errorf("OutboxPending(2) = %+v, %v; want the first two", first, err)
	}

	if err := db.OutboxAcked(items[1].ID, at(0)); err != nil {
		t.Fatal(err)
	}
	if got := pendingKinds(t, db); !reflect.DeepEqual(got, []city.StepKind{city.StepRaise, city.StepAcknowledge, city.StepDispatch}) {
		t.Errorf("pending after ack = %v", got)
	}
	if err := db.OutboxAcked(items[1].ID, at(time.Hour)); err != nil {
		t.Errorf("second ack = %v, want nil (idempotent)", err)
	}
	for _, id := range []string{"", "0000", OutboxID(update)} {
		if err := db.OutboxAcked(id, at(0)); !errors.Is(err, ErrNoOutboxItem) {
			t.Errorf("OutboxAcked(%q) = %v, want ErrNoOutboxItem", id, err)
		}
	}
	for _, it := range items {
		if err := db.OutboxAcked(it.ID, at(0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := pendingKinds(t, db); len(got) != 0 {
		t.Errorf("pending after acking all = %v", got)
	}
}

// An ack sent right after the Submit that queued the step finds it: the
// writer commits the batch first.
func TestAckAfterSubmitWithoutFlush(t *testing.T) {
	db := openTest(t, Options{FlushInterval: time.Hour})
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(0))
	s := step(a, city.StepRaise, city.SystemOfficer, a.Raised)
	if err := db.Submit(Batch{AlertChanges: []city.Change{{Alert: a, Step: s}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.OutboxAcked(OutboxID(s), at(time.Second)); err != nil {
		t.Fatalf("OutboxAcked right after Submit = %v", err)
	}
	if got := pendingKinds(t, db); len(got) != 0 {
		t.Errorf("pending = %v, want none", got)
	}
}

// The same step delivered twice, in one batch, in two batches and after a
// restart, is one history row and at most one outbox entry; once acked it
// never comes back.
func TestRepeatedStepIsStoredOnce(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-time.Hour))
	ack := change(a, step(a, city.StepAcknowledge, "王伟", at(0)))
	ack.Alert.State = city.StateAcknowledged
	ack.Step.Time = ack.Step.Time.In(city.Shanghai) // the same instant, written in another zone
	raise := city.Change{Alert: a, Step: step(a, city.StepRaise, city.SystemOfficer, a.Raised)}
	submit(t, db, Batch{AlertChanges: []city.Change{raise, ack, ack}})
	submit(t, db, Batch{AlertChanges: []city.Change{ack, raise}})
	check := func(when string, wantPending int) {
		t.Helper()
		steps, err := db.AlertSteps(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(steps); !reflect.DeepEqual(got, []city.StepKind{city.StepRaise, city.StepAcknowledge}) {
			t.Errorf("%s: history %v, want raise, acknowledge", when, got)
		}
		if got := pendingKinds(t, db); len(got) != wantPending {
			t.Errorf("%s: pending %v, want %d", when, got, wantPending)
		}
	}
	check("twice", 2)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir, Options{Now: fixedClock(t0), manualRetention: true}); err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	check("after reopen", 2)
	submit(t, db, Batch{AlertChanges: []city.Change{raise, ack}})
	check("after reopen and a third delivery", 2)
	if err := db.OutboxAcked(OutboxID(ack.Step), at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	submit(t, db, Batch{AlertChanges: []city.Change{ack}})
	check("acked, then delivered again", 1)
}

// The outbox survives Close and Open, and acked steps never come back.
func TestOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() *DB {
		t.Helper()
		db, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	a := raisedAlert("smoke-7", city.FeedFire, city.CondFireAlarm, at(0))
	var b Batch
	for i, k := range []city.StepKind{city.StepRaise, city.StepAcknowledge, city.StepComment, city.StepComment} {
		s := step(a, k, "王伟", at(time.Duration(i)*time.Minute))
		s.Note = "第" + string(rune('一'+i)) + "条"
		b.AlertChanges = append(b.AlertChanges, change(a, s))
	}
	if err := db.Submit(b); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // Close commits what was submitted
		t.Fatal(err)
	}
	db = open()
	before, err := db.OutboxPending(0)
	if err != nil || len(before) != 4 {
		t.Fatalf("pending after restart = %d, %v; want 4", len(before), err)
	}
	if err := db.OutboxAcked(before[0].ID, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.OutboxAcked(before[2].ID, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open()
	defer db.Close()
	after, err := db.OutboxPending(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 2 || after[0] != before[1] || after[1] != before[3] {
		t.Errorf("pending after acks and a restart =\n%+v\nwant\n%+v", after, []OutboxItem{before[1], before[3]})
	}
}

func TestOpenReadOnlyReadsAlerts(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(0))
	s := step(a, city.StepRaise, city.SystemOfficer, a.Raised)
	submit(t, w, Batch{AlertChanges: []city.Change{{Alert: a, Step: s}}})
	ro, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if as, err := ro.Alerts(AlertFilter{OpenOnly: true}); err != nil || len(as) != 1 || as[0].ID != a.ID {
		t.Errorf("read-only Alerts = %+v, %v", as, err)
	}
	if steps, err := ro.AlertSteps(a.ID); err != nil || len(steps) != 1 {
		t.Errorf("read-only AlertSteps = %+v, %v", steps, err)
	}
	if items, err := ro.OutboxPending(0); err != nil || len(items) != 1 {
		t.Errorf("read-only OutboxPending = %+v, %v", items, err)
	}
	if err := ro.OutboxAcked(OutboxID(s), at(0)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only OutboxAcked = %v, want ErrReadOnly", err)
	}
}

// Changes the cache cannot store become rejects; the rest of the batch is
// stored.
func TestUnstorableChangesBecomeRejects(t *testing.T) {
	db := openTest(t, Options{})
	good := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(0))
	goodStep := step(good, city.StepRaise, city.SystemOfficer, good.Raised)
	noID := good
	noID.ID = ""
	noRaise := raisedAlert("air-x", city.FeedAir, city.CondAQI, time.Time{})
	farFuture := raisedAlert("air-y", city.FeedAir, city.CondAQI, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
	bad := []city.Change{
		{Alert: noID, Step: goodStep},
		{Alert: good, Step: step(farFuture, city.StepRaise, city.SystemOfficer, good.Raised)}, // another alert's step
		{Alert: good}, // no step
		{Alert: good, Step: city.Step{Alert: good.ID, Kind: city.StepComment}}, // no time
		{Alert: noRaise, Step: step(noRaise, city.StepRaise, city.SystemOfficer, at(0))},
		{Alert: farFuture, Step: step(farFuture, city.StepRaise, city.SystemOfficer, at(0))},
	}
	submit(t, db, Batch{
		Readings:     []city.Reading{air("air-bund", t0, 1, 10)},
		AlertChanges: append(bad, city.Change{Alert: good, Step: goodStep}),
	})
	rejects, err := db.Rejects(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) != len(bad) {
		t.Errorf("%d rejects, want %d: %+v", len(rejects), len(bad), rejects)
	}
	if as, _ := db.Alerts(AlertFilter{}); len(as) != 1 || as[0].ID != good.ID {
		t.Errorf("Alerts = %+v, want only the good one", as)
	}
	if n, _ := db.ReadingCount(); n != 6 {
		t.Errorf("ReadingCount = %d, want 6", n)
	}
	if got := pendingKinds(t, db); len(got) != 1 {
		t.Errorf("pending = %v, want the good raise", got)
	}
}

// Retention deletes acked outbox entries older than the retention period
// and nothing of alerts or their history; an old step delivered again does
// not re-enter the outbox.
func TestRetentionKeepsAlerts(t *testing.T) {
	db := openTest(t, Options{Retention: 24 * time.Hour})
	old := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(-72*time.Hour))
	old.State = city.StateClosed
	raise := city.Change{Alert: old, Step: step(old, city.StepRaise, city.SystemOfficer, old.Raised)}
	comment := city.Change{Alert: old, Step: step(old, city.StepComment, "王伟", old.Raised.Add(time.Minute))}
	comment.Step.Note = "未发送"
	submit(t, db, Batch{AlertChanges: []city.Change{raise, comment}})
	if err := db.OutboxAcked(OutboxID(raise.Step), t0.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Retain(t0); err != nil {
		t.Fatal(err)
	}
	if as, _ := db.Alerts(AlertFilter{}); len(as) != 1 {
		t.Errorf("%d alerts after retention, want 1", len(as))
	}
	if s, _ := db.AlertSteps(old.ID); len(s) != 2 {
		t.Errorf("%d steps after retention, want 2", len(s))
	}
	if got := pendingKinds(t, db); !reflect.DeepEqual(got, []city.StepKind{city.StepComment}) {
		t.Errorf("pending = %v, want the unacked comment", got)
	}
	if err := db.OutboxAcked(OutboxID(raise.Step), t0); !errors.Is(err, ErrNoOutboxItem) {
		t.Errorf("ack of a retained entry = %v, want ErrNoOutboxItem", err)
	}
	submit(t, db, Batch{AlertChanges: []city.Change{raise}})
	if got := pendingKinds(t, db); len(got) != 1 {
		t.Errorf("pending after redelivery = %v, want only the comment", got)
	}
}

func TestOutboxID(t *testing.T) {
	base := city.Step{Alert: "air-bund|aqi|2026-11-24T00:00:00Z", Kind: city.StepDispatch, Officer: "王伟",
		Team: "网格组", Note: "速去", Time: time.Date(2026, 11, 24, 8, 0, 0, 5, city.Shanghai)}
	id := OutboxID(base)
	if len(id) != 64 {
		t.Fatalf("OutboxID = %q, want 64 hex digits", id)
	}
	same := base
	same.Time = base.Time.UTC()
	if OutboxID(same) != id {
		t.Error("the same instant in another zone gives another id")
	}
	tests := []struct {
		name   string
		change func(*city.Step)
	}{
		{"alert", func(s *city.Step) { s.Alert += "#2" }},
		{"kind", func(s *city.Step) { s.Kind = city.StepComment }},
		{"officer", func(s *city.Step) { s.Officer = "李娜" }},
		{"team", func(s *city.Step) { s.Team = "" }},
		{"note", func(s *city.Step) { s.Note = "速去。" }},
		{"time by a nanosecond", func(s *city.Step) { s.Time = s.Time.Add(1) }},
		{"zero time", func(s *city.Step) { s.Time = time.Time{} }},
		{"text moved between fields", func(s *city.Step) { s.Team, s.Note = "网格组速", "去" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.change(&s)
			if got := OutboxID(s); got == id {
				t.Errorf("OutboxID unchanged: %s", got)
			}
			if OutboxID(s) != OutboxID(s) {
				t.Error("OutboxID not deterministic")
			}
		})
	}
}

// A cache made by schema version 1 (alert tables without data) is brought
// to the current version and stores alerts.
func TestMigrationFromVersion1(t *testing.T) {
	dir := t.TempDir()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	raw := sideConn(t, filepath.Join(dir, FileName))
	if err := apply(raw, ms[0]); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := raisedAlert("air-bund", city.FeedAir, city.CondAQI, at(0))
	submit(t, db, Batch{AlertChanges: []city.Change{{Alert: a, Step: step(a, city.StepRaise, city.SystemOfficer, a.Raised)}}})
	if got := pendingKinds(t, db); len(got) != 1 {
		t.Errorf("pending = %v after migrating from version 1", got)
	}
	if err := db.IntegrityCheck(); err != nil {
		t.Error(err)
	}
}

func TestAlertsOnClosedDB(t *testing.T) {
	db, err := Open(t.TempDir(), Options{manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	checks := map[string]error{"OutboxAcked": db.OutboxAcked("x", t0)}
	_, checks["Alerts"] = db.Alerts(AlertFilter{})
	_, checks["AlertSteps"] = db.AlertSteps("x")
	_, checks["OutboxPending"] = db.OutboxPending(0)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}
