package ui

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// The 值班 (duty) part of the console: the duty board window (who is on
// duty now, the roster, the duty log), the shift handover dialog, and the
// case steps of the alert panel (立案 for the 值班长 only).

// dutyClock is the console's clock for duty actions; tests set it.
var dutyClock = time.Now

// caseAct runs a case step from the alert panel, asking for the reason
// where the step needs one.
func (c *Console) caseAct(id string, step city.StepKind) {
	if c.desk == nil || c.readOnly() {
		return
	}
	if c.desk.Officer() == "" {
		c.askOfficer(func() { c.caseAct(id, step) })
		return
	}
	do := func(note string) {
		at := dutyClock()
		c.step(func() error { _, err := c.desk.CaseAct(id, step, note, at); return err }, func(err error) {
			if err != nil {
				c.showError(err)
				return
			}
			c.Refresh()
		})
	}
	switch step {
	case city.StepCaseReject, city.StepCaseShelve:
		reason := widget.NewMultiLineEntry()
		reason.SetMinRowsVisible(3)
		c.caseReason = reason
		title := lang.L("Reject report")
		if step == city.StepCaseShelve {
			title = lang.L("Put on the books")
		}
		d := dialog.NewForm(title, lang.L("OK"), lang.L("Cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("Reason"), reason)}, func(ok bool) {
			if ok {
				do(reason.Text)
			}
		}, c.win)
		d.Resize(fyne.NewSize(520, 260))
		d.Show()
	default:
		do("")
	}
}

// shiftLine is a shift occurrence in one line: "白班 09-22 08:00–20:00".
func shiftLine(st city.ShiftTime) string {
	return st.Shift.Name + " " + st.From.In(city.Shanghai).Format("01-02 15:04") + "–" + st.To.In(city.Shanghai).Format("15:04")
}

// crewLine is a shift's officers: "值班长 王伟 · 值班员 李娜、赵敏".
func crewLine(s city.Shift) string {
	leader, officers := s.Leader, strings.Join(s.Officers, "、")
	if leader == "" {
		leader = lang.L("not named")
	}
	if officers == "" {
		officers = lang.L("not named")
	}
	return lang.L("Shift leader") + " " + leader + " · " + lang.L("Duty officers") + " " + officers
}

// dutyBoard is the duty window's state.
type dutyBoard struct {
	win     fyne.Window
	onDuty  *widget.Label
	you     *widget.Label
	entries []city.DutyEntry
	log     *widget.List
	entry   *widget.Entry
	roster  *widget.List
	shifts  []city.Shift
	peer    uint64 // DutyDesk.PeerChanges when last read
	reading bool   // a read for other desks' records is under way
}

// ShowDutyWindow opens (or brings up) the duty board: who is on duty now,
// the duty log of the last 24 hours with a field to write in it, the
// roster (editable), and the handover.
func (c *Console) ShowDutyWindow() {
	if c.duty == nil {
		return
	}
	if c.board != nil {
		c.board.win.RequestFocus()
		c.refreshBoard()
		return
	}
	b := &dutyBoard{win: c.app.NewWindow(lang.L("Duty board"))}
	c.board = b
	b.onDuty = widget.NewLabel("")
	b.onDuty.TextStyle.Bold = true
	b.you = widget.NewLabel("")
	b.log = widget.NewList(func() int { return len(b.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := b.entries[len(b.entries)-1-i] // newest first
			o.(*widget.Label).SetText(e.Time.In(city.Shanghai).Format("01-02 15:04") + "  " + e.Officer + "：" + e.Text)
			b.log.SetItemHeight(i, o.MinSize().Height)
		})
	b.entry = widget.NewMultiLineEntry()
	b.entry.SetPlaceHolder(lang.L("What happened, what was done"))
	b.entry.SetMinRowsVisible(3)
	add := widget.NewButton(lang.L("Add to duty log"), c.addDutyEntry)
	add.Importance = widget.HighImportance
	logTab := container.NewBorder(nil, container.NewBorder(nil, nil, nil, add, b.entry), nil, nil, b.log)

	b.roster = widget.NewList(func() int { return len(b.shifts) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			s := b.shifts[i]
			o.(*widget.Label).SetText(s.Name + "  " + s.Start.String() + "–" + s.End.String() + "  " + crewLine(s))
		})
	b.roster.OnSelected = func(i widget.ListItemID) {
		b.roster.UnselectAll()
		c.editShift(i)
	}
	rosterTab := container.NewBorder(nil, container.NewHBox(
		widget.NewButton(lang.L("Add shift…"), func() { c.editShift(-1) }),
		widget.NewLabel(lang.L("Tap a shift to edit it")),
	), nil, nil, b.roster)

	handover := widget.NewButton(lang.L("Shift handover…"), c.ShowHandover)
	handover.Importance = widget.HighImportance
	top := container.NewVBox(container.NewBorder(nil, nil, nil, handover, b.onDuty), b.you, widget.NewSeparator())
	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("Duty log"), logTab),
		container.NewTabItem(lang.L("Roster"), rosterTab),
	)
	b.win.SetContent(container.NewBorder(top, nil, nil, nil, tabs))
	b.win.Resize(fyne.NewSize(760, 620))
	b.win.SetOnClosed(func() { c.board = nil })
	c.refreshBoard()
	b.win.Show()
}

// refreshBoard rereads the roster, who is on duty and the log.
func (c *Console) refreshBoard() {
	if c.board == nil {
		return
	}
	now := dutyClock()
	es, err := c.duty.LogBetween(now.Add(-24*time.Hour), now.Add(time.Minute))
	c.showBoard(now, c.duty.PeerChanges(), es, err)
}

// showBoard shows the roster, who is on duty and the log entries es (read
// at now, when the peer count was peer).
func (c *Console) showBoard(now time.Time, peer uint64, es []city.DutyEntry, err error) {
	b := c.board
	if b == nil {
		return
	}
	b.peer = peer
	b.shifts = c.duty.Roster()
	if st, ok := c.duty.OnDuty(now); ok {
		b.onDuty.SetText(lang.L("On duty now") + "：" + shiftLine(st) + " · " + crewLine(st.Shift))
	} else {
		b.onDuty.SetText(lang.L("On duty now") + "：" + lang.L("no shift of the roster"))
	}
	officer := c.desk.Officer()
	if officer == "" {
		officer = lang.L("not named")
	}
	role := lang.L("Duty officer")
	if c.desk.Cases().Role(officer, now) == city.RoleLeader {
		role = lang.L("Shift leader")
	}
	b.you.SetText(lang.L("You") + "：" + officer + "（" + role + "）")
	if err != nil {
		dialogError(err, b.win)
		return
	}
	b.entries = es
	b.log.Refresh()
	b.roster.Refresh()
}

// refreshBoardForPeers rereads the duty window when records of other desks
// (a log entry, a roster, a handover) arrived since it was last read. It
// runs with each snapshot, on the UI goroutine; the duty log is read off
// it.
func (c *Console) refreshBoardForPeers() {
	if c.board == nil || c.duty == nil || c.board.reading {
		return
	}
	peer := c.duty.PeerChanges()
	if peer == c.board.peer {
		return
	}
	c.board.reading = true
	board := c.board
	c.ask(func() func() {
		now := dutyClock()
		es, err := c.duty.LogBetween(now.Add(-24*time.Hour), now.Add(time.Minute))
		return func() {
			board.reading = false
			if c.board == board {
				c.showBoard(now, peer, es, err)
			}
		}
	})
}

// addDutyEntry writes the board's entry into the duty log.
func (c *Console) addDutyEntry() {
	b := c.board
	if b == nil {
		return
	}
	if c.desk.Officer() == "" {
		c.askOfficer(c.addDutyEntry)
		return
	}
	text, at := b.entry.Text, dutyClock()
	c.step(func() error { _, err := c.duty.Log(text, at); return err }, func(err error) {
		if err != nil {
			dialogError(err, b.win)
			return
		}
		if b.entry.Text == text {
			b.entry.SetText("")
		}
		c.refreshBoard()
	})
}

// editShift edits shift i of the roster (-1: a new one) and saves the
// roster, which is then in force and sent to the feed server.
func (c *Console) editShift(i int) {
	b := c.board
	if b == nil {
		return
	}
	var s city.Shift
	if i >= 0 && i < len(b.shifts) {
		s = b.shifts[i]
	} else {
		s = city.Shift{Start: city.Clock(8, 0), End: city.Clock(20, 0)}
	}
	name, start, end, leader, officers := widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	name.SetText(s.Name)
	start.SetText(s.Start.String())
	end.SetText(s.End.String())
	leader.SetText(s.Leader)
	officers.SetText(strings.Join(s.Officers, "、"))
	officers.SetPlaceHolder("李娜、赵敏")
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Shift"), name), widget.NewFormItem(lang.L("From"), start), widget.NewFormItem(lang.L("To"), end),
		widget.NewFormItem(lang.L("Shift leader"), leader), widget.NewFormItem(lang.L("Duty officers"), officers),
	}
	remove := widget.NewCheck(lang.L("Remove this shift"), nil)
	if i >= 0 {
		items = append(items, widget.NewFormItem("", remove))
	}
	d := dialog.NewForm(lang.L("Roster"), lang.L("Save"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		if c.desk.Officer() == "" {
			c.askOfficer(nil)
			return
		}
		from, err1 := city.ParseClockTime(start.Text)
		to, err2 := city.ParseClockTime(end.Text)
		if err1 != nil || err2 != nil {
			dialogError(fmt.Errorf("roster: %w", firstErr(err1, err2)), b.win)
			return
		}
		n := city.Shift{Name: name.Text, Start: from, End: to, Leader: leader.Text, Officers: splitNames(officers.Text)}
		shifts := append([]city.Shift(nil), b.shifts...)
		switch {
		case i >= 0 && remove.Checked:
			shifts = append(shifts[:i], shifts[i+1:]...)
		case i >= 0:
			shifts[i] = n
		default:
			shifts = append(shifts, n)
		}
		at := dutyClock()
		c.step(func() error { return c.duty.SetRoster(shifts, at) }, func(err error) {
			if err != nil {
				dialogError(err, b.win)
				return
			}
			c.refreshBoard()
			c.Refresh()
		})
	}, b.win)
	d.Resize(fyne.NewSize(480, 380))
	d.Show()
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// splitNames reads "李娜、赵敏" or "李娜, 赵敏" as names.
func splitNames(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' })
	var out []string
	for _, n := range f {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// summaryForm lays out a shift summary as label/value rows.
func (c *Console) summaryForm(s city.ShiftSummary) *fyne.Container {
	titles := map[string]string{}
	if c.desk != nil {
		for _, v := range c.desk.Views(dutyClock(), true) {
			name := v.StationName
			if name == "" {
				name = v.Alert.Station
			}
			titles[v.Alert.ID] = trText(v.Alert.Condition.Name(), v.Alert.Condition.NameEN()) + " · " + name
		}
	}
	n := func(v int) string { return strconv.Itoa(v) }
	form := container.New(layout.NewFormLayout())
	row := func(label, value string) {
		l := widget.NewLabel(label)
		l.TextStyle.Bold = true
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		form.Add(l)
		form.Add(v)
	}
	row(lang.L("Period"), s.From.In(city.Shanghai).Format("01-02 15:04")+" – "+s.To.In(city.Shanghai).Format("01-02 15:04"))
	row(lang.L("Alerts opened"), n(s.Opened))
	row(lang.L("Alerts closed"), n(s.Closed))
	row(lang.L("Still open"), n(s.StillOpen))
	over := n(s.Overdue)
	var names []string
	for i, id := range s.OverdueIDs {
		if i == 5 {
			names = append(names, "…")
			break
		}
		if t, ok := titles[id]; ok {
			names = append(names, t)
		} else {
			names = append(names, id)
		}
	}
	if len(names) > 0 {
		over += "：" + strings.Join(names, "；")
	}
	row(lang.L("Overdue"), over)
	var outs []string
	for _, o := range s.Outages {
		to := lang.L("still offline")
		if !o.To.IsZero() {
			to = o.To.In(city.Shanghai).Format("15:04")
		}
		outs = append(outs, feedName(o.Feed)+" "+o.From.In(city.Shanghai).Format("15:04")+"–"+to)
	}
	if len(outs) == 0 && s.OutageCount > 0 {
		outs = []string{n(s.OutageCount)} // signed off at another desk: the count only
	}
	if len(outs) == 0 {
		outs = []string{lang.L("none")}
	}
	row(lang.L("Feed outages"), strings.Join(outs, "；"))
	var rej []string
	for _, f := range s.RejectFeeds() {
		name := lang.L("unknown feed")
		if f != "" {
			name = feedName(city.Feed(f))
		}
		rej = append(rej, name+" "+n(s.Rejects[f]))
	}
	if len(rej) == 0 && s.RejectCount > 0 {
		rej = []string{n(s.RejectCount)}
	}
	if len(rej) == 0 {
		rej = []string{lang.L("none")}
	}
	row(lang.L("Rejected messages"), strings.Join(rej, "；"))
	return form
}

// ShowHandover opens the handover dialog of the outgoing shift: its
// automatic summary and the sign-off with a note; once signed off, the
// incoming officer's acknowledgement (another officer).
func (c *Console) ShowHandover() {
	if c.duty == nil {
		return
	}
	if c.desk.Officer() == "" {
		c.askOfficer(c.ShowHandover)
		return
	}
	win := c.win
	if c.board != nil {
		win = c.board.win
	}
	now := dutyClock()
	st, ok, err := c.duty.Outgoing(now)
	if err != nil {
		dialogError(err, win)
		return
	}
	if !ok {
		dialogError(fmt.Errorf("%s", lang.L("No shift of the roster is on duty now; edit the roster first")), win)
		return
	}
	h, signed, err := c.duty.Handover(st.ID())
	if err != nil {
		dialogError(err, win)
		return
	}
	sum := h.Summary
	if !signed {
		if sum, err = c.duty.Summary(st, now); err != nil {
			dialogError(err, win)
			return
		}
	}
	head := widget.NewLabel(lang.L("Outgoing shift") + "：" + shiftLine(st) + "\n" + crewLine(st.Shift))
	head.TextStyle.Bold = true
	note := widget.NewMultiLineEntry()
	note.SetMinRowsVisible(3)
	c.handoverNote = note
	var body *fyne.Container
	var confirm string
	var do func() func() error // reads the dialog, then the step to take
	switch {
	case !signed:
		note.SetPlaceHolder(lang.L("Open matters for the incoming shift"))
		confirm = lang.L("Sign off shift")
		body = container.NewVBox(head, widget.NewSeparator(), c.summaryForm(sum), widget.NewSeparator(),
			widget.NewLabel(lang.L("Sign-off by")+" "+c.desk.Officer()), note)
		do = func() func() error {
			text, at := note.Text, dutyClock()
			return func() error { _, err := c.duty.SignOff(text, at); return err }
		}
	case h.Acked.IsZero():
		note.SetPlaceHolder(lang.L("Note on taking over (optional)"))
		confirm = lang.L("Take over shift")
		signedLine := widget.NewLabel(lang.L("Signed off by") + " " + h.SignedBy + " " + h.Signed.In(city.Shanghai).Format("01-02 15:04") +
			noteSuffix(h.Note))
		signedLine.Wrapping = fyne.TextWrapWord
		body = container.NewVBox(head, widget.NewSeparator(), c.summaryForm(sum), widget.NewSeparator(), signedLine,
			widget.NewLabel(lang.L("Taken over by")+" "+c.desk.Officer()), note)
		do = func() func() error {
			text, at := note.Text, dutyClock()
			return func() error { _, err := c.duty.Acknowledge(h.Shift, text, at); return err }
		}
	default:
		done := widget.NewLabel(lang.L("Signed off by") + " " + h.SignedBy + " " + h.Signed.In(city.Shanghai).Format("01-02 15:04") + noteSuffix(h.Note) +
			"\n" + lang.L("Taken over by") + " " + h.AckedBy + " " + h.Acked.In(city.Shanghai).Format("01-02 15:04") + noteSuffix(h.AckNote))
		done.Wrapping = fyne.TextWrapWord
		body = container.NewVBox(head, widget.NewSeparator(), c.summaryForm(sum), widget.NewSeparator(), done)
	}
	var d dialog.Dialog
	if do == nil {
		d = dialog.NewCustom(lang.L("Shift handover"), lang.L("Close"), body, win)
	} else {
		d = dialog.NewCustomConfirm(lang.L("Shift handover"), confirm, lang.L("Cancel"), body, func(ok bool) {
			if !ok {
				return
			}
			c.step(do(), func(err error) {
				if err != nil {
					dialogError(err, win)
					return
				}
				c.refreshBoard()
			})
		}, win)
	}
	c.handoverDialog = d
	d.Resize(fyne.NewSize(680, 640))
	d.Show()
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return "：" + n
}

func (c *Console) exportHandovers() {
	c.exportFile("onescreen-handover", ".csv", func(w io.Writer) error {
		return c.exports.Handovers(time.Time{}, time.Time{}, w)
	})
}

func (c *Console) exportDutyLog() {
	c.exportFile("onescreen-dutylog", ".csv", func(w io.Writer) error {
		return c.exports.DutyLog(time.Time{}, time.Time{}, w)
	})
}
