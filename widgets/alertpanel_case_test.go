package widgets

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onescreen/city"
)

// The case-step buttons show only for the steps the selected alert allows
// (none for a duty officer), a tap reaches OnCaseAction, and an overdue
// alert is marked 超期 with its case text in the details.
func TestAlertPanelCaseButtonsAndOverdue(t *testing.T) {
	newPanelTestApp(t)
	p := NewAlertPanel()
	var got []city.StepKind
	p.OnCaseAction = func(id string, step city.StepKind) {
		if id == "leader" {
			got = append(got, step)
		}
	}
	rows := []AlertRow{
		{ID: "leader", Title: "Hydrant", Severity: city.SeverityMajor, Raised: alertT0, Overdue: true, CaseText: "pending · due 09-22 14:00",
			CaseActions: []city.StepKind{city.StepCaseAccept, city.StepCaseReject}},
		{ID: "officer", Title: "Noise", Severity: city.SeverityMinor, Raised: alertT0.Add(-1)},
	}
	p.SetAlerts(rows)
	c := showWidget(t, p, fyne.NewSize(520, 900))
	r := test.WidgetRenderer(p).(*alertPanelRenderer)

	p.Select("officer")
	if !r.caseRow.Hidden {
		t.Error("case buttons shown for an alert without allowed case steps")
	}
	p.Select("leader")
	if r.caseRow.Hidden {
		t.Fatal("case buttons hidden for the shift leader")
	}
	var shown []city.StepKind
	for i, b := range r.caseButtons {
		if b.Visible() {
			shown = append(shown, city.CaseSteps[i])
		}
		test.Tap(b)
	}
	want := []city.StepKind{city.StepCaseAccept, city.StepCaseReject}
	if !slices.Equal(shown, want) {
		t.Errorf("shown %v, want %v", shown, want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("OnCaseAction %v, want %v", got, want)
	}
	var marked bool
	for _, v := range rowViews(t, c) {
		rr := test.WidgetRenderer(v).(*alertRowRenderer)
		if v.row.ID == "leader" {
			marked = !rr.escalated.Hidden && rr.escalated.Text == "Overdue"
			if rr.fullDetails == "" || !contains(rr.fullDetails, "due 09-22 14:00") {
				t.Errorf("details %q lack the case text", rr.fullDetails)
			}
		} else if !rr.escalated.Hidden {
			t.Error("an alert on time is marked")
		}
	}
	if !marked {
		t.Error("the overdue alert is not marked Overdue")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestReadOnlyPanelOffersNoCaseStep: a read-only panel (the wall) shows no
// case buttons even for a row that allows case steps, and a tap on one
// reaches nobody.
func TestReadOnlyPanelOffersNoCaseStep(t *testing.T) {
	newPanelTestApp(t)
	p := NewAlertPanel()
	p.ReadOnly = true
	called := false
	p.OnCaseAction = func(string, city.StepKind) { called = true }
	p.SetAlerts([]AlertRow{{ID: "leader", Title: "Hydrant", Severity: city.SeverityMajor, Raised: alertT0,
		CaseActions: []city.StepKind{city.StepCaseAccept, city.StepCaseReject}}})
	showWidget(t, p, fyne.NewSize(520, 900))
	r := test.WidgetRenderer(p).(*alertPanelRenderer)
	p.Select("leader")
	if r.caseRow.Visible() {
		t.Error("a read-only panel shows case buttons")
	}
	p.caseAct(city.StepCaseAccept)
	if called {
		t.Error("a read-only panel passed on a case step")
	}
}
