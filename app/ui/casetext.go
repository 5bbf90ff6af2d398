package ui

import (
	"onescreen/app/desk"
	"onescreen/city"
	"strings"
)

// caseText is the case as a short label for the alert row: "已立案 · 挂账",
// "超期", "待立案"; English when the interface is English.
func caseText(v desk.CaseView) string {
	var parts []string
	name := v.Case.State.Name()
	if !isZH() {
		name = map[city.CaseState]string{city.CasePending: "pending", city.CaseAccepted: "accepted", city.CaseRejected: "rejected"}[v.Case.State]
	}
	parts = append(parts, name)
	if v.Case.Shelved {
		parts = append(parts, trText("挂账", "on the books"))
	}
	if !v.Due.IsZero() && !v.Case.Shelved && v.Case.State != city.CaseRejected {
		parts = append(parts, trText("时限 ", "due ")+v.Due.In(city.Shanghai).Format("01-02 15:04"))
	}
	return strings.Join(parts, " · ")
}

func trText(zh, en string) string {
	if isZH() {
		return zh
	}
	return en
}
