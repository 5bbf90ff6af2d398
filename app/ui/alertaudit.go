package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"

	"onescreen/app/desk"
	"onescreen/city"
	"onescreen/widgets"
)

// The alert detail: choosing an alert in the panel (open or closed) shows
// its facts, its whole history from the cache — who did what and when, the
// team and every note and comment — and the steps allowed now.

// alertAuditState is what the console keeps about the alert detail.
type alertAuditState struct {
	detail *widgets.AlertDetail
	split  *container.Split // list above, detail below
	id     string           // the alert shown; "" when none
	// sig is what the shown history was read for (state, clearing,
	// severity, comments, escalations, team): a new step changes it and
	// the history is read again.
	sig   string
	steps []city.Step // the history read last for id
	err   error
	// changed is when sig last changed, read when the history was last
	// read: a step is stored by the cache's writer a moment after the
	// desk takes it, so the history is read again shortly after a change,
	// and now and then while shown (engine steps such as value updates).
	changed, read time.Time
}

// When the shown history is read again: every auditRereadEvery for
// auditSettle after a change, and every auditRefreshEvery anyway.
const (
	auditRereadEvery  = time.Second
	auditSettle       = 3 * time.Second
	auditRefreshEvery = 30 * time.Second
)

// Where the side panel splits between the list and the detail: the list
// takes most of it until an alert is chosen.
const (
	splitNoAlert = 0.85
	splitAlert   = 0.55
)

// auditTimeLayout is how history times are shown (Beijing time).
const auditTimeLayout = "01-02 15:04:05"

// sidePanel is the alert list above the alert detail.
func (c *Console) sidePanel() fyne.CanvasObject {
	c.audit.detail = widgets.NewAlertDetail()
	c.audit.id, c.audit.sig, c.audit.steps, c.audit.err = "", "", nil, nil
	// the detail scrolls as a whole on a short window: the side panel's
	// height never makes the window taller than the screen
	split := container.NewVSplit(c.panel, container.NewVScroll(c.audit.detail))
	split.SetOffset(splitNoAlert)
	c.audit.split = split
	return split
}

// alertSteps reads an alert's history; none when the console has no cache.
func (c *Console) alertSteps(id string) ([]city.Step, error) {
	if c.data == nil {
		return nil, nil
	}
	return c.data.AlertSteps(id)
}

// findAlert returns the alert with id in the snapshot on screen.
func (c *Console) findAlert(id string) (desk.AlertView, bool) {
	if c.last == nil {
		return desk.AlertView{}, false
	}
	for _, v := range c.last.Alerts {
		if v.Alert.ID == id {
			return v, true
		}
	}
	return desk.AlertView{}, false
}

// showAudit shows the alert with id in the detail and reads its history
// off the UI goroutine; "" clears the detail.
func (c *Console) showAudit(id string) {
	if c.audit.detail == nil {
		return
	}
	if id == "" {
		c.audit.id, c.audit.sig, c.audit.steps, c.audit.err = "", "", nil, nil
		c.audit.detail.Clear()
		c.audit.split.SetOffset(splitNoAlert)
		return
	}
	if c.audit.id == "" {
		c.audit.split.SetOffset(splitAlert)
	}
	if id != c.audit.id {
		c.audit.id, c.audit.sig, c.audit.steps, c.audit.err = id, "", nil, nil
	}
	c.refreshAudit()
}

// auditSig is what a shown history depends on.
func auditSig(v desk.AlertView) string {
	a := v.Alert
	return string(a.State) + "|" + a.Cleared.String() + "|" + a.Severity.String() + "|" + strconv.Itoa(v.Comments) + "|" +
		strconv.Itoa(a.Escalations) + "|" + a.Team
}

// refreshAudit redraws the detail from the snapshot, and reads the history
// again when the alert changed since it was read.
func (c *Console) refreshAudit() {
	id := c.audit.id
	if id == "" || c.audit.detail == nil {
		return
	}
	v, ok := c.findAlert(id)
	if !ok && c.desk != nil && (c.last == nil || c.last.History == nil) {
		// No longer listed (closed with "show closed" off, or filtered
		// out): the desk still knows it. Not on a past view, where the
		// alert as it stands now (and its steps allowed now) has no place.
		v, ok = c.desk.View(id, time.Now())
	}
	if !ok {
		return // keep what is shown: it is still the record
	}
	sig := auditSig(v)
	now := time.Now()
	loading := sig != c.audit.sig
	if loading {
		c.audit.sig, c.audit.changed = sig, now
	}
	c.audit.detail.SetAudit(c.buildAudit(v, c.audit.steps, c.audit.err, loading))
	settling := now.Sub(c.audit.changed) < auditSettle && now.Sub(c.audit.read) >= auditRereadEvery
	if !loading && !settling && now.Sub(c.audit.read) < auditRefreshEvery {
		return
	}
	c.audit.read = now
	c.ask(func() func() {
		steps, err := c.alertSteps(id)
		return func() {
			if c.audit.id != id {
				return
			}
			c.audit.steps, c.audit.err = steps, err
			v, ok := c.findAlert(id)
			if !ok && c.desk != nil {
				v, ok = c.desk.View(id, time.Now())
			}
			if ok {
				c.audit.detail.SetAudit(c.buildAudit(v, steps, err, false))
			}
		}
	})
}

// buildAudit formats an alert and its history for the detail.
func (c *Console) buildAudit(v desk.AlertView, steps []city.Step, err error, loading bool) widgets.AlertAudit {
	a := v.Alert
	zh := isZH()
	cond, msg, state, sev := a.Condition.Name(), a.Message, a.State.Name(), a.Severity.Name()
	if !zh {
		cond, msg, state, sev = a.Condition.NameEN(), a.MessageEN, string(a.State), a.Severity.String()
	}
	name := v.StationName
	if name == "" {
		name = a.Station
	}
	at := func(t time.Time) string { return t.In(city.Shanghai).Format(auditTimeLayout) }
	now := time.Now()
	if c.last != nil {
		now = c.last.Now
	}
	out := widgets.AlertAudit{
		ID: a.ID, Title: cond + " · " + name, Severity: a.Severity, State: state,
		Closed: a.State == city.StateClosed, Loading: loading,
	}
	facts := []widgets.AuditFact{
		{Label: lang.L("Station"), Value: name + " (" + a.Station + ") · " + feedName(a.Feed)},
		{Label: lang.L("Condition"), Value: cond + " · " + sev},
	}
	if !math.IsNaN(a.Value) && a.Unit != "" { // an event (a fire alarm) has no value
		facts = append(facts, widgets.AuditFact{Label: lang.L("Value"), Value: formatValue(a.Value) + " " + a.Unit + " · " + msg})
	} else if msg != "" {
		facts = append(facts, widgets.AuditFact{Label: lang.L("Message"), Value: msg})
	}
	raised := at(a.Raised) + " · " + city.FormatAge(now.Sub(a.Raised))
	if !a.Began.IsZero() && a.Began.Before(a.Raised) {
		raised += " · " + lang.L("began") + " " + at(a.Began)
	}
	facts = append(facts, widgets.AuditFact{Label: lang.L("Raised"), Value: raised})
	switch {
	case !a.Cleared.IsZero():
		facts = append(facts, widgets.AuditFact{Label: lang.L("Condition now"), Value: fmt.Sprintf(lang.L("ended at %s"), at(a.Cleared))})
	case a.State != city.StateClosed:
		facts = append(facts, widgets.AuditFact{Label: lang.L("Condition now"), Value: lang.L("still holds")})
	}
	if a.Team != "" {
		facts = append(facts, widgets.AuditFact{Label: lang.L("Team"), Value: a.Team})
	}
	if a.Escalations > 0 {
		facts = append(facts, widgets.AuditFact{Label: lang.L("Escalated"), Value: fmt.Sprintf("%d × · %s", a.Escalations, at(a.Escalated))})
	}
	out.Facts = facts
	for _, k := range v.Actions {
		out.Allowed = append(out.Allowed, auditStepName(k, true))
	}
	if err != nil {
		out.Err = err.Error()
	}
	for _, s := range steps {
		officer := s.Officer
		if officer == city.SystemOfficer {
			officer = lang.L("System")
		}
		note := s.Note
		if !s.Kind.ByOfficer() { // the engine's notes; officers' stay as written
			switch zhPart, enPart, both := strings.Cut(note, " / "); {
			case both && zh:
				note = zhPart
			case both:
				note = enPart
			case !zh && note == a.Message && a.MessageEN != "":
				note = a.MessageEN
			}
		}
		out.Steps = append(out.Steps, widgets.AuditStep{
			Kind: s.Kind, Name: auditStepName(s.Kind, false), Time: at(s.Time), Officer: officer, Team: s.Team, Note: note,
		})
	}
	return out
}

// setShowClosed is the panel's "show closed" switch: the closed alerts are
// listed from the next snapshot on, and at once from the desk.
func (c *Console) setShowClosed(show bool) {
	c.view.showClosed.Store(show)
	c.panel.SetShowClosed(show)
	c.Refresh()
}

// alertFeedChoices are the feeds the panel's filter offers.
func alertFeedChoices() []widgets.AlertFeedChoice {
	out := make([]widgets.AlertFeedChoice, 0, len(city.Feeds))
	for _, f := range city.Feeds {
		out = append(out, widgets.AlertFeedChoice{Feed: f, Label: feedName(f)})
	}
	return out
}

// auditStepName names a step in the history (what was done) or among the
// steps allowed now (what can be done): in Chinese the workflow's own
// words, in English a past participle or a verb.
func auditStepName(k city.StepKind, allowed bool) string {
	if isZH() {
		return k.Name()
	}
	if allowed {
		switch k {
		case city.StepAcknowledge:
			return lang.L("Acknowledge")
		case city.StepDispatch:
			return lang.L("Dispatch")
		case city.StepResolve:
			return lang.L("Resolve")
		case city.StepVerify:
			return lang.L("Verify")
		case city.StepClose:
			return lang.L("Close alert")
		case city.StepComment:
			return lang.L("Comment")
		}
	}
	switch k {
	case city.StepRaise:
		return lang.L("Raised")
	case city.StepAcknowledge:
		return lang.L("Acknowledged")
	case city.StepDispatch:
		return lang.L("Dispatched")
	case city.StepComment:
		return lang.L("Comment")
	case city.StepResolve:
		return lang.L("Resolved")
	case city.StepVerify:
		return lang.L("Verified")
	case city.StepClose:
		return lang.L("Closed")
	case city.StepUpdate:
		return lang.L("Update")
	case city.StepClear:
		return lang.L("Condition ended")
	case city.StepEscalate:
		return lang.L("Escalated")
	}
	return string(k)
}

// keepPanelState notes the alert filter and the chosen alert before the
// window is rebuilt (a language switch) and returns what puts them back.
func (c *Console) keepPanelState() func() {
	if c.panel == nil {
		return func() {}
	}
	filter, chosen := c.panel.Filter(), c.audit.id
	return func() {
		c.panel.SetFilter(filter)
		if chosen != "" {
			c.panel.Select(chosen)
			c.showAudit(chosen)
		}
	}
}
