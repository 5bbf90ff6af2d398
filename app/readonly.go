package app

import (
	"context"
	"errors"
	"fmt"
)

// ErrReadOnly is the error of a step tried on a read-only screen.
var ErrReadOnly = errors.New("this screen is read-only")

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
		go c.runSnapshots(ctx.Done(), c.opts.SnapshotEvery, c.opts.SnapshotDir, c.opts.SnapshotKeep, c.logw())
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
