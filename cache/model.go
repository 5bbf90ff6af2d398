package cache

import (
	"onescreen/cache/model"
	"onescreen/city"
)

// The cache's records are plain values in package model, which does not
// link the SQLite driver; these names keep them reachable as cache.X.
type (
	Cursor        = model.Cursor
	Reject        = model.Reject
	Gap           = model.Gap
	Batch         = model.Batch
	Latest        = model.Latest
	LatestEvent   = model.LatestEvent
	Point         = model.Point
	ReadingFilter = model.ReadingFilter
	Row           = model.Row
	AlertFilter   = model.AlertFilter
	OutboxItem    = model.OutboxItem
	AsOfAlert     = model.AsOfAlert
	DutyAction    = model.DutyAction
	RosterEdit    = model.RosterEdit
)

// Errors a caller may test for with errors.Is.
var (
	ErrNotDatabase  = model.ErrNotDatabase
	ErrLocked       = model.ErrLocked
	ErrClosed       = model.ErrClosed
	ErrReadOnly     = model.ErrReadOnly
	ErrNoOutboxItem = model.ErrNoOutboxItem
)

// OutboxID is the deterministic id of a step (see model.OutboxID).
func OutboxID(s city.Step) string { return model.OutboxID(s) }
