//go:build linux && cgo

// Package memtrim hands the C heap's free memory back to the system. The
// GL driver and SQLite allocate with C's malloc; glibc keeps what they free
// for later use, so a screen that paints a large picture now and then
// (the wall's scheduled snapshots) holds on to that memory for good unless
// asked to return it.
package memtrim

// #include <malloc.h>
import "C"

// Trim returns the free memory at the top and in the middle of the C heap
// to the system.
func Trim() { C.malloc_trim(0) }
