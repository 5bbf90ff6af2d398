package feeds

import (
	"strings"

	"onescreen/feeds/wire"
)

// Duty messages travel as actions (docs/protocol.md §5.3); the kinds and
// their wire form are in package wire.

// dutyPrefix marks a duty kind; a step with it that is not a duty kind is
// refused, so a misspelt duty message is never taken as an alert step.
const dutyPrefix = "duty_"

func checkDutyStep(a *WireAction) error {
	if strings.HasPrefix(a.Step, dutyPrefix) && !IsDutyStep(a.Step) {
		return reject("", "", ErrField, "step %.40q is not a duty kind (%s)", a.Step, strings.Join(DutySteps, ", "))
	}
	return nil
}

// The duty kinds (wire.StepDuty…).
const (
	StepDutySignOff = wire.StepDutySignOff
	StepDutyAck     = wire.StepDutyAck
	StepDutyLog     = wire.StepDutyLog
	StepDutyRoster  = wire.StepDutyRoster
)

// DutySteps lists the duty kinds.
var DutySteps = wire.DutySteps

// IsDutyStep reports whether step is one of the duty kinds.
func IsDutyStep(step string) bool { return wire.IsDutyStep(step) }
