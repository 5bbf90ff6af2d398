// Package model holds the cache's records as plain values: what is stored
// and read back, the filters of its queries and the errors a caller may
// test for. It does not import the SQLite driver, so the desk and the
// screen can name these types without linking the database.
package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"onescreen/city"
)

// Errors a caller may test for with errors.Is.
var (
	// ErrNotDatabase: the cache file exists but is not an onescreen cache.
	// The file is left as it is.
	ErrNotDatabase = errors.New("not an onescreen cache database")
	// ErrLocked: another instance holds the data directory.
	ErrLocked = errors.New("cache is in use by another onescreen instance")
	// ErrClosed: the DB has been closed.
	ErrClosed = errors.New("cache is closed")
	// ErrReadOnly: the DB was opened with OpenReadOnly and cannot store.
	ErrReadOnly = errors.New("cache is open read-only")
	// ErrNoOutboxItem: OutboxAcked was given an id the outbox does not hold.
	ErrNoOutboxItem = errors.New("no such step in the outbox")
)

// Cursor is how far one feed has been stored.
type Cursor struct {
	Epoch   string    // the feed server's epoch the sequence numbers belong to
	Seq     uint64    // the newest stored sequence number
	Updated time.Time // when the cursor was set; zero in a Batch means now
}

// Reject is a message that was refused, with the reason.
type Reject struct {
	At     time.Time // when it was received; zero in a Batch means now
	Feed   string    // the feed it claimed, "" when unknown
	Reason string
	Raw    []byte // the message; only the first 4 KiB are kept
}

// Gap is a run of readings a feed server could no longer deliver.
type Gap struct {
	At       time.Time // when the gap was reported; zero in a Batch means now
	Feed     city.Feed
	Epoch    string
	From, To uint64 // inclusive sequence numbers
}

// Batch is what one Submit stores; everything in it is committed in one
// transaction (together with other batches submitted around the same time).
// The slices and the map must not be changed after Submit.
type Batch struct {
	Stations []city.Station
	Readings []city.Reading
	Cursors  map[city.Feed]Cursor // stored in the same transaction as Readings
	Rejects  []Reject
	Gaps     []Gap
	// AlertChanges are stored after the readings, in order: each replaces
	// its alert's row, adds its step to the alert's history and, unless the
	// step is a city.StepUpdate, queues the step in the outbox. A step
	// stored before (same OutboxID) adds nothing.
	AlertChanges []city.Change
	// FromPeers holds the OutboxIDs of steps among AlertChanges that
	// officers at other desks took (relayed by the feed server): they are
	// stored like the others but never queued in the outbox.
	FromPeers map[string]bool
}

// Latest is the newest value of one parameter at one station.
type Latest struct {
	Station  string
	Feed     city.Feed
	Param    string
	Value    float64
	Unit     string
	Time     time.Time // observation time
	Received time.Time // when the cache was handed the reading
}

// LatestEvent is the newest event a fire device reported.
type LatestEvent struct {
	Station  string
	Event    string
	Time     time.Time // observation time
	Received time.Time // when the cache was handed it
}

// Point is one value of a history.
type Point struct {
	Time  time.Time
	Value float64
}

// ReadingFilter selects readings; zero fields mean no bound. From is
// inclusive, To exclusive.
type ReadingFilter struct {
	From, To time.Time
	Feed     city.Feed
}

// Row is one stored value, or one event: then Param is "", Value 0 and
// Event the event's name.
type Row struct {
	Time    time.Time
	Feed    city.Feed
	Station string
	Param   string
	Value   float64
	Unit    string
	Event   string
}

// AlertFilter selects alerts; zero fields mean no bound.
type AlertFilter struct {
	OpenOnly bool      // only alerts not closed (city.Alert.Open)
	From, To time.Time // by Raised: From inclusive, To exclusive
	Feed     city.Feed
}

// OutboxItem is one step waiting for the feed server's acknowledgement.
type OutboxItem struct {
	ID       string // OutboxID of the step: the action's id on the wire
	Seq      int64  // delivery order
	Step     city.Step
	Created  time.Time // when the cache was handed the step
	Attempts int       // times sending was recorded (not yet counted: always 0)
}

// OutboxID is the deterministic id of a step: the hex SHA-256 of its
// alert, kind, officer, team, note and time (in nanoseconds since the Unix
// epoch, 0 for the zero time). The same step always gets the same id, so
// it is stored, queued and acted on once however often it is delivered.
func OutboxID(s city.Step) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{s.Alert, string(s.Kind), s.Officer, s.Team, s.Note} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f))) // lengths keep fields from running into each other
		h.Write(n[:])
		h.Write([]byte(f))
	}
	var at int64
	if !s.Time.IsZero() {
		at = s.Time.UnixNano()
	}
	binary.BigEndian.PutUint64(n[:], uint64(at))
	h.Write(n[:])
	return hex.EncodeToString(h.Sum(nil))
}

// AsOfAlert is an alert as it stood at a past time.
type AsOfAlert struct {
	Alert    city.Alert
	Comments int // comments made at or before the time
}

// DutyAction is a duty message waiting for the feed server: sent as a
// protocol action with Kind as its step and Subject in its alert field.
type DutyAction struct {
	ID      string
	Kind    string
	Subject string
	Officer string
	Time    time.Time
	Team    string
	Note    string
}

// RosterEdit is the roster as last saved, with who saved it and when.
type RosterEdit struct {
	Shifts []city.Shift
	By     string
	At     time.Time
}
