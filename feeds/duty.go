package feeds

import "strings"

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

// dutyPrefix marks a duty kind; a step with it that is not a duty kind is
// refused, so a misspelt duty message is never taken as an alert step.
const dutyPrefix = "duty_"

// IsDutyStep reports whether step is one of the duty kinds.
func IsDutyStep(step string) bool {
	for _, s := range DutySteps {
		if step == s {
			return true
		}
	}
	return false
}

func checkDutyStep(a *WireAction) error {
	if strings.HasPrefix(a.Step, dutyPrefix) && !IsDutyStep(a.Step) {
		return reject("", "", ErrField, "step %.40q is not a duty kind (%s)", a.Step, strings.Join(DutySteps, ", "))
	}
	return nil
}
