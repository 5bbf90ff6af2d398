package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
	_ "github.com/mattn/go-sqlite3"
)

func main() {
	a := app.NewWithID("cn.gov.sh.onescreen")
	w := a.NewWindow("onescreen")
	w.SetContent(widget.NewLabel("onescreen"))
	w.ShowAndRun()
}
