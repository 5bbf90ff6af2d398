//go:build !linux || !cgo

// Package memtrim hands the C heap's free memory back to the system where
// the C library can (glibc on Linux); elsewhere Trim does nothing.
package memtrim

// Trim does nothing: this C library returns memory by itself.
func Trim() {}
