//go:build windows

package main

import (
	"os"
	"syscall"
)

// The Windows package links onescreen.exe as a GUI program (no console
// window opens beside the dashboard), and such a program starts without
// standard output: `onescreen.exe --version`, `--headless` and `export`
// typed in a command prompt would print nothing. When a standard handle is
// missing (not redirected to a file or pipe) and the program was started
// from a console, attach to that console and write there.
func init() {
	out, errOut := missingStdHandle(syscall.STD_OUTPUT_HANDLE), missingStdHandle(syscall.STD_ERROR_HANDLE)
	if !out && !errOut {
		return
	}
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	attach := syscall.NewLazyDLL("kernel32.dll").NewProc("AttachConsole")
	if attach.Find() != nil {
		return
	}
	if ok, _, _ := attach.Call(attachParentProcess); ok == 0 {
		return // started from Explorer: there is no console to write to
	}
	con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if out {
		os.Stdout = con
	}
	if errOut {
		os.Stderr = con
	}
}

func missingStdHandle(which int) bool {
	h, err := syscall.GetStdHandle(which)
	return err != nil || h == 0 || h == syscall.InvalidHandle
}
