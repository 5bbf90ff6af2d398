package ui

import (
	"context"
	"fmt"
	"onescreen/city"
	"time"
)

// readOnly reports whether the console shows alerts without offering
// steps: --read-only, and always on the wall. A read-only console never
// asks for an officer's name, lists no step buttons, and its runtime
// sends no steps (Options.ReadOnly).
func (c *Console) readOnly() bool { return c.opts.ReadOnly || c.opts.Wall }

// startExtras starts what runs beside the console once its window exists:
// the wall's rotation and the scheduled snapshots. They stop with ctx.
func (c *Console) startExtras(ctx context.Context) {
	if c.opts.Wall {
		c.wall = newWall(c)
		c.win.SetFullScreen(true)
	}
	if c.opts.SnapshotEvery > 0 && c.opts.SnapshotDir != "" {
		go c.runSnapshots(ctx.Done(), c.onUI, c.opts.SnapshotEvery, c.opts.SnapshotDir, c.opts.SnapshotKeep, c.logw())
	}
}

// showProblem tells the officer of err in a dialog, or on the wall (where
// nobody would click a dialog away) logs it.
func (c *Console) showProblem(err error) bool {
	if !c.opts.Wall || err == nil {
		return false
	}
	fmt.Fprintln(c.logw(), "onescreen:", err)
	return true
}

// StartWall starts the wall's rotation on its first view, as a console
// opened with ConsoleOptions.Wall does once its window shows.
func (c *Console) StartWall(now time.Time) {
	c.wall = newWall(c)
	c.wall.show(0, now)
}

// WallOnDuty is the wall's line of who is on duty; "" off the wall.
func (c *Console) WallOnDuty() string {
	if c.wall == nil {
		return ""
	}
	return c.wall.duty.Text
}

// DutyWindowEntries lists the duty-log entries the open duty window
// shows; nil when it is closed.
func (c *Console) DutyWindowEntries() []city.DutyEntry {
	if c.board == nil {
		return nil
	}
	return c.board.entries
}
