package city

import (
	"math"
	"slices"
	"strings"
	"time"
)

// AlertAsOf rebuilds an alert as it stood at `at` from the alert as it
// last stood (its stored row) and its history, oldest first; steps after
// `at` are left out. The engine's steps give the message, the clear and
// the escalations; the officers' steps are folded with Fold in StepOrder,
// as every desk folds them, so the past shows a step refused then as
// refused. id gives each step its unique key (the cache's OutboxID).
// comments counts the comments made by then. Severity is the worst the
// alert reached: the history does not record when it rose.
func AlertAsOf(last Alert, steps []Step, at time.Time, id func(Step) string) (a Alert, comments int) {
	a = Alert{
		ID: last.ID, Station: last.Station, Feed: last.Feed, Condition: last.Condition,
		Severity: last.Severity, State: StateRaised,
		Began: last.Began, Raised: last.Raised, Updated: last.Raised,
		Value: math.NaN(), Unit: last.Unit, Message: last.Message, MessageEN: last.MessageEN,
	}
	if !last.Cleared.IsZero() && !last.Cleared.After(at) {
		a.Cleared = last.Cleared
	}
	message := func(note string) {
		if note == "" || engineNote(note) {
			return
		}
		if note != last.Message {
			// the English text of an earlier message is not kept
			a.Message, a.MessageEN = note, note
		} else {
			a.Message, a.MessageEN = last.Message, last.MessageEN
		}
	}
	var folds []Step
	var ids []string
	for _, s := range steps {
		if s.Time.After(at) {
			break
		}
		if s.Time.After(a.Updated) {
			a.Updated = s.Time
		}
		switch s.Kind {
		case StepRaise:
			message(s.Note)
		case StepUpdate:
			switch {
			case strings.Contains(s.Note, noteEnded):
				a.Cleared = s.Time
			case strings.Contains(s.Note, noteReturned):
				a.Cleared = time.Time{}
			default:
				message(s.Note)
			}
		case StepClear:
			a.Cleared = s.Time
		case StepEscalate:
			a.Escalations++
			a.Escalated = s.Time
		case StepComment:
			comments++
		}
		if s.Kind.Folds() {
			folds = append(folds, s)
			ids = append(ids, id(s))
		}
	}
	if a.Message == last.Message {
		a.Value = last.Value // the value behind the message shown
	}
	SortSteps(folds, ids)
	a, _ = Fold(a, slices.Clip(folds))
	return a, comments
}

// The engine's notes on an update that says the condition ended or came
// back, rather than giving the alert a new message (engine.go).
const (
	noteEnded    = "condition ended"
	noteReturned = "condition returned"
)

// engineNote reports whether an update's note is the engine's remark that
// the condition ended or returned rather than the alert's new message.
func engineNote(note string) bool {
	return strings.Contains(note, noteEnded) || strings.Contains(note, noteReturned)
}
