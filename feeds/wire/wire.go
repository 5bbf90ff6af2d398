// Package wire holds the feed protocol's values that the desk and the
// screen share with the transports (docs/protocol.md): an officer's action,
// a feed cursor, the connection's state and the duty kinds. It imports no
// transport, so naming these types links no websocket or NATS client.
package wire

import "fmt"

// Cursor is what a client already holds of one feed.
type Cursor struct {
	Epoch string `json:"epoch,omitempty"`
	After uint64 `json:"after"`
}

// Action is an operator's step on an alert, sent from the outbox.
// ID is unique per step so that a server can drop a second delivery.
type Action struct {
	ID      string `json:"id"`
	Alert   string `json:"alert"`
	Step    string `json:"step"`
	Officer string `json:"officer"`
	Time    string `json:"time"`
	Team    string `json:"team,omitempty"`
	Note    string `json:"note,omitempty"`
}

// ConnState is the state of the client's connection.
type ConnState int

// String names the state.
func (s ConnState) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case AuthFailed:
		return "auth_failed"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("ConnState(%d)", int(s))
}

// Connection states reported through Handler.State.
const (
	Connecting   ConnState = iota // dialling
	Connected                     // hello received; data flows
	Disconnected                  // the connection ended or could not be made; a retry follows
	AuthFailed                    // the server refused the token; retried at MaxBackoff
	Stopped                       // Run returned
)

// Duty messages travel as actions (docs/protocol.md §5.3) whose step is
// one of the duty kinds below and whose "alert" member names what they
// are about instead of an alert: the shift's id ("2026-08-14T08:00:00+08:00|白班")
// for a sign-off, an acknowledgement and a log entry, "roster" for a roster
// change. Case-model steps (case_accept, case_reject, case_shelve,
// case_unshelve, case_overdue) are ordinary alert actions.
const (
	StepDutySignOff = "duty_signoff" // the outgoing officer signs the shift off; note: the officer's note, team: the summary counts
	StepDutyAck     = "duty_ack"     // the incoming officer takes the shift over; note: the officer's note
	StepDutyLog     = "duty_log"     // a duty-log entry; note: its text
	StepDutyRoster  = "duty_roster"  // the roster was changed; note: the roster as JSON (at most 2048 bytes)
)

// DutySteps lists the duty kinds.
var DutySteps = []string{StepDutySignOff, StepDutyAck, StepDutyLog, StepDutyRoster}

// IsDutyStep reports whether step is one of the duty kinds.
func IsDutyStep(step string) bool {
	for _, s := range DutySteps {
		if step == s {
			return true
		}
	}
	return false
}

// Limits of the protocol that the desk checks before it sends.
const (
	// MaxNameLen is the longest station name, in bytes.
	MaxNameLen = 256
	// MaxTextLen is the longest free text (an action's note), in bytes.
	MaxTextLen = 2048
)
