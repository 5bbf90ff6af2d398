package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// The dialogs of the steps that need a team or a note (dispatch, resolve,
// comment). Fyne sizes a form dialog to its items' minimum sizes, which for
// an entry is about one character: the team selector is made as wide as the
// longest team's name and the note entry several lines high and wide enough
// for a sentence, in either language.

// Note entry geometry, in lines and in characters of the theme's text size.
const (
	noteRows      = 5  // lines of note visible without scrolling
	noteWidthEms  = 30 // note width: about 30 Chinese characters a line
	teamMinEms    = 14 // the team selector is never narrower than this
	dialogMaxFrac = 0.9
)

// stepForm is one open step dialog.
type stepForm struct {
	team *widget.SelectEntry // dispatch only; nil otherwise
	note *widget.Entry
	dlg  *dialog.FormDialog
}

// minWidthLayout gives its single object at least a width and a height.
type minWidthLayout struct{ min fyne.Size }

func (l minWidthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l minWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := l.min
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// teamFieldWidth is wide enough for the longest of teams, with the
// selector's drop-down button and padding.
func teamFieldWidth(th fyne.Theme, teams []string) float32 {
	text := th.Size(theme.SizeNameText)
	w := teamMinEms * text
	for _, t := range teams {
		w = max(w, fyne.MeasureText(t, text, fyne.TextStyle{}).Width)
	}
	return w + th.Size(theme.SizeNameInlineIcon) + 4*th.Size(theme.SizeNameInnerPadding)
}

// newStepForm builds the dialog of step (dispatch, resolve or comment) for
// an alert; done is called with the team and note when confirmed.
func newStepForm(step city.StepKind, teams []string, win fyne.Window, done func(team, note string)) *stepForm {
	th := fyne.CurrentApp().Settings().Theme()
	text := th.Size(theme.SizeNameText)
	f := &stepForm{note: widget.NewMultiLineEntry()}
	f.note.Wrapping = fyne.TextWrapWord
	f.note.SetMinRowsVisible(noteRows)
	noteWidth := noteWidthEms * text
	if cs := win.Canvas().Size(); cs.Width > 0 {
		noteWidth = min(noteWidth, cs.Width*dialogMaxFrac-8*text)
	}
	sized := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.New(minWidthLayout{min: fyne.NewSize(w, 0)}, o)
	}
	var items []*widget.FormItem
	title, confirm := stepTitle(step), lang.L("OK")
	switch step {
	case city.StepDispatch:
		f.team = widget.NewSelectEntry(teams)
		f.team.SetPlaceHolder(lang.L("Choose or type a team"))
		f.note.SetPlaceHolder(lang.L("Where to go, what to do"))
		items = append(items,
			widget.NewFormItem(lang.L("Team"), sized(f.team, max(teamFieldWidth(th, teams), noteWidth))),
			widget.NewFormItem(lang.L("Note"), sized(f.note, noteWidth)))
		title, confirm = lang.L("Dispatch"), lang.L("Dispatch")
	case city.StepResolve:
		f.note.SetPlaceHolder(lang.L("What the team found and did"))
		items = append(items, widget.NewFormItem(lang.L("What was done"), sized(f.note, noteWidth)))
	default:
		f.note.SetPlaceHolder(lang.L("What happened, who was told"))
		items = append(items, widget.NewFormItem(lang.L("Comment"), sized(f.note, noteWidth)))
	}
	f.dlg = dialog.NewForm(title, confirm, lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		team := ""
		if f.team != nil {
			team = f.team.Text
		}
		done(team, f.note.Text)
	}, win)
	return f
}
