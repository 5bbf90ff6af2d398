package widgets

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onescreen/city"
)

func TestAlertDetailShowsStepsAndNotes(t *testing.T) {
	test.NewTempApp(t)
	d := NewAlertDetail()
	w := test.NewTempWindow(t, d)
	w.Resize(fyne.NewSize(400, 500))
	if strings.Join(d.Texts(), "") == "" {
		t.Fatal("an empty detail shows no hint")
	}
	long := strings.Repeat("现场有浓烟，住户已疏散，", 8)
	d.SetAudit(AlertAudit{
		ID: "a1", Title: "火警 · 测试烟感", Severity: city.SeverityCritical, State: "已派遣",
		Facts:   []AuditFact{{"站点", "测试烟感 (fire-1)"}},
		Steps:   []AuditStep{{Kind: city.StepRaise, Name: "上报", Time: "11-25 10:00:00", Officer: "系统"}, {Kind: city.StepDispatch, Name: "派遣", Time: "11-25 10:02:00", Officer: "王伟", Team: "消防救援站", Note: long}},
		Allowed: []string{"处置完成", "备注"},
	})
	texts := strings.Join(d.Texts(), "\n")
	for _, want := range []string{"火警 · 测试烟感", "已派遣", "测试烟感 (fire-1)", "11-25 10:02:00  派遣 · 王伟 → 消防救援站", long, "处置完成 · 备注"} {
		if !strings.Contains(texts, want) {
			t.Errorf("detail lacks %q:\n%s", want, texts)
		}
	}
	// The long note wraps inside the detail's width rather than running off.
	r := test.WidgetRenderer(d).(*alertDetailRenderer)
	if cw := r.scroll.Content.Size().Width; cw > 400 {
		t.Errorf("detail content %.0f wide in a 400-wide detail", cw)
	}
	tall := r.scroll.Content.MinSize().Height
	a, _ := d.Audit()
	a.Steps[1].Note = "现场有浓烟"
	d.SetAudit(a)
	r = test.WidgetRenderer(d).(*alertDetailRenderer)
	short := r.scroll.Content.MinSize().Height
	if line := fyne.MeasureText("现", d.Theme().Size("text"), fyne.TextStyle{}).Height; tall-short < 2*line {
		t.Errorf("detail content %.0f high with the long note, %.0f with a short one: the long note did not wrap onto several lines", tall, short)
	}
	d.Clear()
	if _, ok := d.Audit(); ok {
		t.Error("Clear left an alert shown")
	}
}
