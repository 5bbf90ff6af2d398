package ui

import (
	"onescreen/city"
	"strings"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// An officer's steps on an alert: the buttons of the alert panel and the
// dialogs they open.

// act runs an officer's step from the panel, asking for a team or a note
// where the step needs one.
func (c *Console) act(id string, step city.StepKind) {
	if c.desk == nil || c.readOnly() {
		return
	}
	if c.desk.Officer() == "" {
		c.askOfficer(func() { c.act(id, step) })
		return
	}
	do := func(team, note string) {
		at := time.Now()
		c.step(func() error { _, err := c.desk.Act(id, step, team, note, at); return err }, func(err error) {
			if err != nil {
				c.showError(err)
				return
			}
			c.Refresh()
		})
	}
	switch step {
	case city.StepDispatch, city.StepResolve, city.StepComment:
		newStepForm(step, c.opts.Teams(), c.win, do).dlg.Show()
	default:
		do("", "")
	}
}

// step hands an officer's step to the desk off the UI goroutine, so that
// the window never waits for the cache to store it, and runs done with its
// result back on the UI goroutine.
func (c *Console) step(take func() error, done func(error)) {
	c.ask(func() func() {
		err := take()
		return func() { done(err) }
	})
}

func stepTitle(k city.StepKind) string {
	if isZH() {
		return k.Name()
	}
	return string(k)
}

// askOfficer asks for the duty officer's name, remembers it, then runs next.
func (c *Console) askOfficer(next func()) {
	e := widget.NewEntry()
	e.SetText(c.desk.Officer())
	dialog.ShowForm(lang.L("Duty officer"), lang.L("OK"), lang.L("Cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("Name"), e)}, func(ok bool) {
		name := strings.TrimSpace(e.Text)
		if !ok || name == "" {
			return
		}
		c.desk.SetOfficer(name)
		c.app.Preferences().SetString(prefOfficer, name)
		if next != nil {
			next()
		}
	}, c.win)
}
