package feeds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The step log keeps every officer step a feed server accepted, so that
// it can relay them to every desk of the district (also to a desk that
// connects later) and drop a repeated action id even after a restart.
//
// On disk it is JSON lines, one step message per line exactly as it is
// relayed (docs/protocol.md, §4.9):
//
//	{"v":1,"type":"step","epoch":"20260814T015500Z-9c1d2e3f4a5b6c7d","seq":1,"action":{...}}
//
// Every line of one log carries the same epoch: the log's identity, chosen
// when the log was created. Each accepted step is appended and fsynced
// before the server acknowledges or relays it; the fsync is taken outside
// the log's lock and shared (group commit): the steps accepted while one
// fsync is under way are written and synced together by the next, so a
// slow disk delays steps but does not hold up the log's readers, and many
// desks' steps cost one fsync. A line that cannot be read back (a
// write torn by a crash, an edit) is reported by OpenStepLog, kept in the
// file as it is (until a compaction moves it to path+".unreadable"), and
// skipped; every other line is loaded. Steps are kept
// in memory as well (a district takes a few thousand steps a day), so a
// server compacts its log (Compact): the steps taken before a cut-off are
// dropped from the front, the others keep their seqs, and a desk whose
// cursor lies before the oldest step kept is sent from the oldest.

// StepLog is the durable log of accepted officer steps. Safe for
// concurrent use.
type StepLog struct {
	path  string
	f     *os.File // nil for a log kept in memory only
	epoch string

	mu      sync.Mutex
	ids     map[string]uint64 // action id → seq
	base    uint64            // the seqs up to base were compacted away
	msgs    [][]byte          // the step message of seq s is msgs[s-base-1]; nil for a seq whose line was unreadable
	times   []time.Time       // the time of each step in msgs
	bad     [][]byte          // the unreadable lines in the file, kept as they are until the log is compacted
	needNL  bool              // the file does not end with a newline (a torn last line)
	failErr error             // the error that stopped the log (a failed fsync, a file that cannot be cut back): it takes no more steps
	size    int64             // the file's length up to its last durable line

	// group commit: steps accepted but not yet durable wait in pend, in
	// seq order, after the seqs in msgs; one appender at a time (syncing)
	// writes and syncs a group of them outside mu while the others wait
	// on cond and new steps join the next group.
	cond    *sync.Cond
	pend    []waitingStep
	pendIDs map[string]*stepResult // action id → its outcome, for the steps in pend
	syncing bool                   // a group is being written and synced
	syncs   uint64                 // fsyncs of appended steps taken

	group     int                                 // most steps written and synced together; 0 = no limit
	syncFile  func(*os.File) error                // the fsync (replaced in tests); nil = (*os.File).Sync
	writeFile func(*os.File, []byte) (int, error) // the write (replaced in tests); nil = (*os.File).Write
	relay     func(msgs [][]byte)                 // called with mu held, in seq order, with each group once durable
}

// waitingStep is a step accepted and waiting for its group's fsync.
type waitingStep struct {
	id  string
	t   time.Time
	res *stepResult
}

// stepResult is what became of a waiting step: done once it is durable
// (err nil) or dropped by a failed write (err says why).
type stepResult struct {
	seq  uint64
	msg  []byte
	done bool
	err  error
}

// StepLogLineError is one line of a step log that could not be read.
type StepLogLineError struct {
	Line   int
	Reason string
}

// CorruptStepLogError lists the lines of a step log that OpenStepLog
// skipped. The log it comes with is open and holds every other line.
type CorruptStepLogError struct {
	Path  string
	Lines []StepLogLineError
}

func (e *CorruptStepLogError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "step log %s: %d unreadable line(s) skipped and left in the file:", e.Path, len(e.Lines))
	for i, l := range e.Lines {
		if i == 10 {
			fmt.Fprintf(&b, " … and %d more", len(e.Lines)-10)
			break
		}
		fmt.Fprintf(&b, " line %d: %s;", l.Line, l.Reason)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// maxStepLine is the longest line a step log may hold.
const maxStepLine = 1 << 20

// maxStepGap is the most seqs one line may skip past the line before it.
const maxStepGap = 1 << 16

// NewMemoryStepLog returns a step log that is not written anywhere: steps
// are relayed and repeats dropped for this server life only. An empty
// epoch chooses a new one.
func NewMemoryStepLog(epoch string) *StepLog {
	if epoch == "" {
		epoch = newEpoch()
	}
	return newStepLog("", nil, epoch)
}

func newStepLog(path string, f *os.File, epoch string) *StepLog {
	l := &StepLog{path: path, f: f, epoch: epoch, ids: map[string]uint64{}, pendIDs: map[string]*stepResult{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// OpenStepLog opens the step log at path, creating it when missing, and
// loads it. When some lines cannot be read the log is still returned,
// open, with every readable line loaded, together with a
// *CorruptStepLogError naming the lines skipped; any other error returns
// no log.
func OpenStepLog(path string) (*StepLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("step log: %w", err)
	}
	l := newStepLog(path, f, "")
	corrupt, err := l.load()
	if err == nil {
		l.size, err = fileSize(f)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	if len(corrupt) > 0 {
		return l, &CorruptStepLogError{Path: path, Lines: corrupt}
	}
	return l, nil
}

// fileSize is the length of an open file.
func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("step log %s: %w", f.Name(), err)
	}
	return fi.Size(), nil
}

// load reads every line of the file; it returns the lines it skipped.
func (l *StepLog) load() ([]StepLogLineError, error) {
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("step log %s: %w", l.path, err)
	}
	return l.loadFrom(l.f)
}

// loadFrom reads every line of a step log from in; it returns the lines
// it skipped. A log without a readable line gets a new epoch.
func (l *StepLog) loadFrom(in io.Reader) ([]StepLogLineError, error) {
	v := NewValidator(WithFutureTolerance(100 * 365 * 24 * time.Hour)) // a step's time was judged when it was accepted
	r := bufio.NewReaderSize(in, 64<<10)
	var bad []StepLogLineError
	n := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			n++
			l.needNL = line[len(line)-1] != '\n'
			if why := l.loadLine(bytes.TrimRight(line, "\r\n"), v); why != "" {
				bad = append(bad, StepLogLineError{Line: n, Reason: why})
				l.bad = append(l.bad, bytes.Clone(bytes.TrimRight(line, "\r\n")))
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("step log %s: line %d: %w", l.path, n+1, err)
		}
	}
	if l.epoch == "" {
		l.epoch = newEpoch()
	}
	return bad, nil
}

// loadLine takes one line; it returns why it cannot, or "".
func (l *StepLog) loadLine(line []byte, v *Validator) string {
	if len(bytes.TrimSpace(line)) == 0 {
		return "empty line"
	}
	if len(line) > maxStepLine {
		return fmt.Sprintf("line longer than %d bytes", maxStepLine)
	}
	env, err := Decode(line)
	if err != nil {
		return err.Error()
	}
	if env.Type != TypeStep {
		return fmt.Sprintf("a %s message, not a step", env.Type)
	}
	if err := v.Action(env.Action); err != nil {
		return err.Error()
	}
	if l.epoch == "" {
		l.epoch = env.Epoch
	} else if env.Epoch != l.epoch {
		return fmt.Sprintf("epoch %q, not the log's %q", env.Epoch, l.epoch)
	}
	if next := l.base + uint64(len(l.msgs)) + 1; env.Seq < next {
		return fmt.Sprintf("seq %d where %d or later comes next", env.Seq, next)
	}
	if seq, dup := l.ids[env.Action.ID]; dup {
		return fmt.Sprintf("action id %q already logged as seq %d", env.Action.ID, seq)
	}
	if len(l.msgs) == 0 && l.base == 0 {
		l.base = env.Seq - 1 // a compacted log starts after the steps dropped
	} else if next := l.base + uint64(len(l.msgs)) + 1; env.Seq-next > maxStepGap {
		// unreadable lines leave seqs out, but not this many: a damaged
		// seq would make room for every seq it skips
		return fmt.Sprintf("seq %d jumps more than %d past %d", env.Seq, maxStepGap, next)
	}
	for l.base+uint64(len(l.msgs))+1 < env.Seq {
		l.msgs = append(l.msgs, nil) // the seq of a line that could not be read
		l.times = append(l.times, time.Time{})
	}
	l.ids[env.Action.ID] = env.Seq
	l.msgs = append(l.msgs, bytes.Clone(line))
	l.times = append(l.times, actionTime(env.Action))
	return ""
}

// Epoch is the log's identity; step seqs mean something only within it.
func (l *StepLog) Epoch() string { return l.epoch }

// Path is the log's file, "" for a log in memory.
func (l *StepLog) Path() string { return l.path }

// Len is how many steps the log holds.
func (l *StepLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// Last is the newest step seq (0 for none).
func (l *StepLog) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base + uint64(len(l.msgs))
}

// First is the oldest step seq the log still holds: 1 until the log is
// compacted.
func (l *StepLog) First() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base + 1
}

// Has reports whether the log holds the action id.
func (l *StepLog) Has(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.ids[id]
	return ok
}

// Append logs a step (already validated) and returns its step message and
// seq; added is false when the id was logged before (nothing is written).
// A file log has synced the step before Append returns, and the log's
// relay (setRelay) has been given it: Append waits for durability, but
// the fsync is shared with the steps appended meanwhile and is taken
// without holding the log's lock. A repeat of an id whose step is still
// waiting for its fsync waits for it too.
//
// When a write fails (the disk is full) the part of it that reached the
// file is cut off again, the steps of that write and those waiting behind
// it are not logged (their Appends return the error; a desk sends a step
// that was not acknowledged again) and the log takes steps again. When an
// fsync fails, or the file cannot be cut back, the log takes no more
// steps: each Append returns that error from then on.
func (l *StepLog) Append(a WireAction) (msg []byte, seq uint64, added bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq, dup := l.ids[a.ID]; dup {
		return l.msgs[seq-l.base-1], seq, false, nil
	}
	if r, dup := l.pendIDs[a.ID]; dup {
		if err := l.awaitLocked(r); err != nil {
			return nil, 0, false, err
		}
		return r.msg, r.seq, false, nil
	}
	if l.failErr != nil {
		return nil, 0, false, l.failErr
	}
	seq = l.base + uint64(len(l.msgs)) + uint64(len(l.pend)) + 1
	msg, err = Encode(Envelope{V: ProtocolVersion, Type: TypeStep, Epoch: l.epoch, Seq: seq, Action: &a})
	if err != nil {
		return nil, 0, false, err
	}
	p := waitingStep{id: a.ID, t: actionTime(&a), res: &stepResult{seq: seq, msg: msg}}
	if l.f == nil {
		l.commitLocked([]waitingStep{p})
		return msg, seq, true, nil
	}
	l.pend = append(l.pend, p)
	l.pendIDs[a.ID] = p.res
	if err := l.awaitLocked(p.res); err != nil {
		return nil, 0, false, err
	}
	return msg, seq, true, nil
}

// awaitLocked waits until a waiting step is durable or dropped, writing
// and syncing groups of waiting steps itself whenever no other appender
// is; it returns why the step was dropped, or nil.
func (l *StepLog) awaitLocked(r *stepResult) error {
	for !r.done {
		if l.syncing {
			l.cond.Wait()
		} else {
			l.writeGroupLocked() // r is waiting: there is a group to write
		}
	}
	return r.err
}

// writeGroupLocked writes and syncs the oldest waiting steps (up to the
// group size) with mu released, then makes them durable: it is called
// with mu held and not syncing, and returns with mu held.
func (l *StepLog) writeGroupLocked() {
	n := len(l.pend)
	if l.group > 0 {
		n = min(n, l.group)
	}
	if n == 0 {
		return
	}
	group := l.pend[:n:n]
	size := 1
	for _, p := range group {
		size += len(p.res.msg) + 1
	}
	buf := make([]byte, 0, size)
	if l.needNL {
		buf = append(buf, '\n') // end a torn line so that these stand alone
	}
	for _, p := range group {
		buf = append(append(buf, p.res.msg...), '\n')
	}
	f, syncFile, writeFile := l.f, l.syncFile, l.writeFile
	if syncFile == nil {
		syncFile = (*os.File).Sync
	}
	if writeFile == nil {
		writeFile = (*os.File).Write
	}
	l.syncing = true
	l.mu.Unlock()
	_, werr := writeFile(f, buf)
	var serr error
	if werr == nil {
		serr = syncFile(f)
	}
	l.mu.Lock()
	l.syncing = false
	l.syncs++
	switch {
	case werr != nil:
		err := fmt.Errorf("step log %s: %w", l.path, werr)
		// cut off what part of the write reached the file, so that no
		// half line is left before the next one
		if terr := f.Truncate(l.size); terr != nil {
			l.failLocked(fmt.Errorf("%w; cutting the file back to its last step failed too: %v", err, terr))
			return
		}
		l.dropWaitingLocked(err)
		return
	case serr != nil:
		// after a failed fsync what reached the disk is not known, and
		// a second fsync may report success for pages already lost
		l.failLocked(fmt.Errorf("step log %s: sync: %w", l.path, serr))
		return
	}
	l.size += int64(len(buf))
	l.needNL = false
	l.pend = l.pend[n:]
	for _, p := range group {
		delete(l.pendIDs, p.id)
	}
	l.commitLocked(group)
	l.cond.Broadcast()
}

// commitLocked makes durable steps part of the log and relays them.
func (l *StepLog) commitLocked(group []waitingStep) {
	msgs := make([][]byte, len(group))
	for i, p := range group {
		l.ids[p.id] = p.res.seq
		l.msgs = append(l.msgs, p.res.msg)
		l.times = append(l.times, p.t)
		msgs[i] = p.res.msg
		p.res.done = true
	}
	if l.relay != nil {
		l.relay(msgs)
	}
}

// dropWaitingLocked drops every step waiting for a write after a write
// failed: their Appends return err. The log goes on taking steps.
func (l *StepLog) dropWaitingLocked(err error) {
	for _, p := range l.pend {
		p.res.done, p.res.err = true, err
	}
	l.pend = nil
	clear(l.pendIDs)
	l.cond.Broadcast()
}

// failLocked stops the log for good (a failed fsync, a file that cannot
// be cut back or reopened, the log closed): the steps waiting for a write
// are dropped (their Appends return the error) and no more are taken.
func (l *StepLog) failLocked(err error) {
	if l.failErr == nil {
		l.failErr = err
	}
	l.dropWaitingLocked(l.failErr)
}

// quiesceLocked waits until no group is being written.
func (l *StepLog) quiesceLocked() {
	for l.syncing {
		l.cond.Wait()
	}
}

// setRelay makes the log call relay, with mu held, with every group of
// steps once it is durable, in seq order. follow and relay see each step
// exactly once between them.
func (l *StepLog) setRelay(relay func(msgs [][]byte)) {
	l.mu.Lock()
	l.relay = relay
	l.mu.Unlock()
}

// follow calls start, with mu held, with the durable steps after seq (see
// since): every step that becomes durable later goes to the relay after
// start has returned.
func (l *StepLog) follow(after uint64, start func(first [][]byte)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start(l.sinceLocked(after))
}

// since returns the step messages after seq (from the oldest held when
// seq lies before it).
func (l *StepLog) since(after uint64) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sinceLocked(after)
}

func (l *StepLog) sinceLocked(after uint64) [][]byte {
	after = max(after, l.base) - l.base
	if after >= uint64(len(l.msgs)) {
		return nil
	}
	out := make([][]byte, 0, uint64(len(l.msgs))-after)
	for _, m := range l.msgs[after:] {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// Steps returns every step logged, in seq order.
func (l *StepLog) Steps() []WireAction {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]WireAction, 0, len(l.msgs))
	for _, m := range l.msgs {
		if m == nil {
			continue
		}
		if env, err := Decode(m); err == nil && env.Action != nil {
			out = append(out, *env.Action)
		}
	}
	return out
}

// actionTime is when a step was taken (zero when its time does not parse,
// which the validator has refused already).
func actionTime(a *WireAction) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, a.Time)
	return t
}

// DefaultStepKeep is how long a feed server keeps officers' steps in its
// step log: a desk cut off for longer is rebuilt from its own cache and
// the readings, and the alerts such old steps belong to are long closed.
const DefaultStepKeep = 90 * 24 * time.Hour

// Compact drops the steps taken before cutoff from the front of the log
// (it stops at the first step taken later, so no seq is skipped inside
// the log, and it keeps the newest step) and returns how many it dropped. The steps kept keep their
// seqs and their epoch; a file log is rewritten through a temporary file
// that is synced and renamed over it, so a crash leaves the old log or
// the new one. Unreadable lines of the file are moved to the file
// path+".unreadable" (appended, as they were) for someone to look at.
func (l *StepLog) Compact(cutoff time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.quiesceLocked() // the file is not rewritten under a group being written to it
	if l.failErr != nil {
		return 0, l.failErr
	}
	n := 0
	// the newest step always stays: it carries the epoch and the seq the
	// log goes on from across a restart
	for n < len(l.msgs)-1 && (l.msgs[n] == nil || l.times[n].Before(cutoff)) {
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if l.f != nil {
		if err := l.keepUnreadable(); err != nil {
			return 0, err
		}
		if err := l.rewrite(l.msgs[n:]); err != nil {
			return 0, err
		}
		l.bad = nil
	}
	for _, m := range l.msgs[:n] {
		if m == nil {
			continue
		}
		if env, err := Decode(m); err == nil && env.Action != nil {
			delete(l.ids, env.Action.ID)
		}
	}
	l.base += uint64(n)
	l.msgs = append([][]byte(nil), l.msgs[n:]...) // let go of the dropped messages
	l.times = append([]time.Time(nil), l.times[n:]...)
	return n, nil
}

// keepUnreadable appends the file's unreadable lines to path+".unreadable",
// synced, before a rewrite leaves them out.
func (l *StepLog) keepUnreadable() error {
	if len(l.bad) == 0 {
		return nil
	}
	f, err := os.OpenFile(l.path+".unreadable", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("compact step log %s: %w", l.path, err)
	}
	var buf bytes.Buffer
	for _, b := range l.bad {
		buf.Write(b)
		buf.WriteByte('\n')
	}
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compact step log %s: keep its unreadable lines: %w", l.path, err)
	}
	return nil
}

// rewrite replaces the log's file with msgs and reopens it for appending.
func (l *StepLog) rewrite(msgs [][]byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(l.path), "."+filepath.Base(l.path)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("compact step log %s: %w", l.path, err)
	}
	w := bufio.NewWriter(tmp)
	for _, m := range msgs {
		if m != nil {
			_, _ = w.Write(m)
			_ = w.WriteByte('\n')
		}
	}
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	closed := false
	if err == nil {
		if runtime.GOOS == "windows" {
			// Windows replaces no file that is open (Go opens files
			// without FILE_SHARE_DELETE): close the log first.
			closed = l.f.Close() == nil
		}
		err = os.Rename(tmp.Name(), l.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		if closed { // the log is as it was: append to it again
			f, rerr := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND, 0o644)
			if rerr != nil {
				l.failErr = fmt.Errorf("step log %s: reopen after a failed compaction: %w", l.path, rerr)
				return l.failErr
			}
			l.f = f
		}
		return fmt.Errorf("compact step log %s: %w", l.path, err)
	}
	if d, err := os.Open(filepath.Dir(l.path)); err == nil {
		_ = d.Sync() // the rename itself
		d.Close()
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		// the compacted log is on disk; this server life takes no more steps
		l.failLocked(fmt.Errorf("step log %s: reopen after compacting: %w", l.path, err))
		return l.failErr
	}
	size, err := fileSize(f)
	if err != nil {
		f.Close()
		l.failLocked(err)
		return l.failErr
	}
	l.f.Close()
	l.f, l.needNL, l.size = f, false, size
	return nil
}

// Close closes the file, once the steps waiting for a write are written;
// a closed file log takes no more steps.
func (l *StepLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	for l.syncing || (len(l.pend) > 0 && l.failErr == nil) {
		l.cond.Wait() // each waiting step's Append writes it
	}
	err := l.f.Close()
	l.f = nil
	l.failLocked(fmt.Errorf("step log %s is closed", l.path))
	if err != nil {
		return fmt.Errorf("step log %s: %w", l.path, err)
	}
	return nil
}
