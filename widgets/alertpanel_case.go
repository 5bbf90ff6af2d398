package widgets

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// caseStepLabel is the translated text of a case step's button.
func caseStepLabel(step city.StepKind) string {
	switch step {
	case city.StepCaseAccept:
		return lang.L("Accept as case")
	case city.StepCaseReject:
		return lang.L("Reject report…")
	case city.StepCaseShelve:
		return lang.L("Put on the books…")
	case city.StepCaseUnshelve:
		return lang.L("Take off the books")
	}
	return string(step)
}

// caseButtons builds the case-step row of the action bar: one button per
// city.CaseSteps, shown only when the selected alert allows the step (the
// shift leader's steps are not offered to a duty officer at all).
func (p *AlertPanel) caseButtons(buttons *[]*widget.Button) *fyne.Container {
	row := container.NewHBox()
	for _, step := range city.CaseSteps {
		b := widget.NewButton(caseStepLabel(step), func() { p.caseAct(step) })
		*buttons = append(*buttons, b)
		row.Add(b)
	}
	row.Hide()
	return row
}

// caseAct handles a case step's button.
func (p *AlertPanel) caseAct(step city.StepKind) {
	row, ok := p.SelectedAlert()
	if p.ReadOnly || !ok || !slices.Contains(row.CaseActions, step) {
		return
	}
	if p.OnCaseAction != nil {
		p.OnCaseAction(row.ID, step)
	}
}

// refreshCaseButtons shows the buttons of the case steps row allows.
// A read-only panel shows none.
func refreshCaseButtons(row AlertRow, buttons []*widget.Button, box *fyne.Container, readOnly bool) {
	any := false
	for i, step := range city.CaseSteps {
		allowed := slices.Contains(row.CaseActions, step)
		if allowed {
			buttons[i].Show()
			any = true
		} else {
			buttons[i].Hide()
		}
	}
	if any && !readOnly {
		box.Show()
	} else {
		box.Hide()
	}
}
