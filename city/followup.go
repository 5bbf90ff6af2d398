package city

import "time"

// Follow-up alerts. When an officer closes an alert whose condition still
// holds, the next reading that shows the condition starts a new alert. So
// that every desk raises that alert at the same reading — also a desk that
// learns of the close (another desk's step) a few readings late, having
// judged those readings as updates of the closed alert — the engine keeps
// the last evaluations judged with each open alert, and on a close judges
// again those observed after the close's time; readings observed at or
// before the close's time never start a follow-up. The changes this makes
// are taken with FollowUps.

// recentKept is how many evaluations are kept per open alert at least
// (up to twice as many).
const recentKept = 64

// judged is one evaluation judged with an open alert.
type judged struct {
	st Station
	t  time.Time
	ev evaluation
}

// noteJudged keeps an evaluation judged with k's open alert.
func (e *Engine) noteJudged(k alertKey, st Station, t time.Time, ev evaluation) {
	if e.recent == nil {
		e.recent = map[alertKey][]judged{}
	}
	r := append(e.recent[k], judged{st: st, t: t, ev: ev})
	if len(r) >= 2*recentKept { // compacted now and then, not at every reading
		r = append(r[:0], r[len(r)-recentKept:]...)
	}
	e.recent[k] = r
}

// beforeClose reports whether a reading observed at t belongs to the time
// before an officer closed k's last alert.
func (e *Engine) beforeClose(k alertKey, t time.Time) bool {
	at, ok := e.closedAt[k]
	return ok && !t.After(at)
}

// afterClose is called when k's open alert was closed at closed: the
// evaluations judged with it that were observed after closed are judged
// again, without it.
func (e *Engine) afterClose(k alertKey, closed time.Time) {
	if e.closedAt == nil {
		e.closedAt = map[alertKey]time.Time{}
	}
	e.closedAt[k] = closed
	again := e.recent[k]
	delete(e.recent, k)
	delete(e.pending, k)
	for _, j := range again {
		if !j.t.After(closed) {
			continue
		}
		if c, ok := e.judge(j.st, j.t, j.ev); ok {
			e.followUps = append(e.followUps, c)
		}
	}
}

// FollowUps returns the changes that closing alerts made (a follow-up
// alert raised and updated from readings judged before the close was
// known) and forgets them. The caller stores them like Observe's.
func (e *Engine) FollowUps() []Change {
	out := e.followUps
	e.followUps = nil
	return out
}
