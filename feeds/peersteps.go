package feeds

import "fmt"

// Officer steps relayed by the server to every desk of the district (see
// docs/protocol.md §4.9): the client subscribes to them when its Handler
// is a PeerStepObserver, keeps the step log's epoch and the last step seq
// it delivered, and resumes from there on every reconnect. A new client (a
// restarted desk) starts from the cursor its StepCursorKeeper stored, or
// from 0 and is sent every step again, which a desk recognises by id.

// StepCursor is the step log epoch and the last step seq delivered.
func (c *Client) StepCursor() Cursor {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stepCur
}

// step delivers one relayed step: a seq the client already delivered (a
// resend) is dropped; a step that fails validation (unknown step kind, bad
// time, over-long fields) is rejected like any bad message.
func (s *clientSession) step(env *Envelope, rawOf func() []byte) {
	h := s.c.cfg.Handler
	obs, ok := h.(PeerStepObserver)
	if !ok {
		h.Reject("", rawOf(), reject("", "", ErrUnexpectedType, "a step message, though steps were not subscribed"))
		return
	}
	if err := s.c.cfg.Validator.Action(env.Action); err != nil {
		h.Reject("", rawOf(), err)
		s.advanceStep(env.Epoch, env.Seq) // received, though refused: not asked for again
		return
	}
	if !s.advanceStep(env.Epoch, env.Seq) {
		return
	}
	if k, ok := h.(StepCursorKeeper); ok {
		k.PeerStepAt(*env.Action, Cursor{Epoch: env.Epoch, After: env.Seq})
		return
	}
	obs.PeerStep(*env.Action)
}

// stepCursor is the step cursor a session subscribes from: the one this
// client holds, or for a new client the one its keeper stored.
func (c *Client) stepCursor() (Cursor, error) {
	c.mu.Lock()
	cur := c.stepCur
	c.mu.Unlock()
	k, ok := c.cfg.Handler.(StepCursorKeeper)
	if cur != (Cursor{}) || !ok {
		return cur, nil
	}
	stored, err := k.StepCursor()
	if err != nil {
		return Cursor{}, fmt.Errorf("read step cursor: %w", err)
	}
	c.mu.Lock()
	if c.stepCur == (Cursor{}) {
		c.stepCur = stored
	}
	cur = c.stepCur
	c.mu.Unlock()
	return cur, nil
}

// advanceStep moves the step cursor to (epoch, seq) and reports whether
// the step is new. A step of another epoch (a new step log) starts the
// count again.
func (s *clientSession) advanceStep(epoch string, seq uint64) bool {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stepCur.Epoch == epoch && seq <= c.stepCur.After {
		return false
	}
	c.stepCur = Cursor{Epoch: epoch, After: seq}
	return true
}

// StepCursorKeeper may be implemented by a PeerStepObserver that stores
// the steps it is given (a desk's cache): the client then hands each step
// over with its cursor (PeerStepAt instead of PeerStep), and a new client
// asks StepCursor when it first connects, so that a restarted desk resumes
// where it stopped rather than from the first step.
type StepCursorKeeper interface {
	PeerStepAt(a WireAction, cur Cursor)
	StepCursor() (Cursor, error)
}
