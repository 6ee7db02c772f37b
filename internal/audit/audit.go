// Package audit is a customer's record of who did what: an append-only JSON Lines
// file (audit.jsonl, in the profile's folder), one entry a line, saying when, which
// technician on which computer, what was done for whom, through which backend, how
// it ended and the vendors' ids of what it made. A managed-service provider must be
// able to show a customer who enrolled which person and how; the file is that proof.
//
// An entry never holds a secret or a code: callers give only step ids, results,
// vendor ids and reasons, and phone numbers are masked here (also inside a reason).
// Every string is written JSON-escaped through internal/sanitize, so a name holding
// control characters cannot act on the terminal of whoever reads the file.
//
// Several runs may append at once (a batch, two technicians on one computer), and a
// run can be killed mid-write, so a line goes in whole, as one write under a lock
// file beside the audit, and the next append starts a fresh line after a torn one.
// Reading skips a line it cannot read, saying which, and never fails on one.
package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// MaxLine is the most bytes one entry's line takes, newline included: longer text is
// cut, so a line stays one small write, and a reader's buffer is always enough.
const MaxLine = 4096

// The caps on an entry's parts before it is encoded; a reason is a sentence, an id
// an id. MaxLine still bounds the whole, whatever the escaping makes of them.
const (
	maxField  = 256
	maxReason = 1000
	maxIDs    = 16
	maxIDKey  = 64
)

// Actions that are not step ids.
const (
	// ActionReset is "reset": a person's progress forgotten on this computer.
	ActionReset = "reset"
	// ActionTrustPhone is a number registered without proof that the person holds
	// the phone, which only a technician may decide, and must say why.
	ActionTrustPhone = "trust-phone"
)

// Results that are not a step's status.
const (
	// ResultInterrupted is a step stopped by Ctrl-C after it changed something.
	ResultInterrupted = "interrupted"
	// ResultTrusted is a number taken as the person's without proof of possession.
	ResultTrusted = "trusted without proof" // untranslated: a result value of the file, which scripts filter on
)

// Technician is who ran the tool: the account signed in to the computer, and the
// name given with --technician (a shared admin account says nothing of the person).
type Technician struct {
	Name   string `json:"name,omitempty"`
	OSUser string `json:"os_user"`
}

// Actor is who acts in every entry one Log writes, and where.
type Actor struct {
	Technician Technician
	// Machine is the computer's host name.
	Machine string
}

// Entry is one thing done. Time, Technician and Machine are the Log's to fill in.
type Entry struct {
	Time       time.Time  `json:"time"`
	Technician Technician `json:"technician"`
	Machine    string     `json:"machine"`
	// Action is a step id, or ActionReset, ActionTrustPhone, ….
	Action string `json:"action"`
	// User is the person it was done for (their work address).
	User string `json:"user,omitempty"`
	// Provider names the backend that served it: "duo", "graph", "twilio", "fake",
	// a notify channel, several joined by ','; "" when no backend was involved.
	Provider string `json:"provider,omitempty"`
	// Result is how it ended: a step's status (done, waiting, failed, skipped),
	// ResultInterrupted, ResultTrusted, ….
	Result string `json:"result"`
	// Phone is the number concerned, always masked when written.
	Phone string `json:"phone,omitempty"`
	// IDs are the vendors' ids of what it made or used (Duo user and phone, the
	// Microsoft 365 method, the notice and each channel's receipt).
	IDs map[string]string `json:"ids,omitempty"`
	// Reason says why, in a sentence: the step's reason, or the technician's.
	Reason string `json:"reason,omitempty"`
}

// Who is the technician as one name: "Jo Tech (jtech)", or the account alone.
func (e Entry) Who() string {
	t := e.Technician
	if t.Name == "" || t.Name == t.OSUser {
		return t.OSUser
	}
	if t.OSUser == "" {
		return t.Name
	}
	return t.Name + " (" + t.OSUser + ")"
}

// TrustedPhone is the entry of a technician who registered e164 as user's phone
// without proof of possession, through provider, for the reason why.
func TrustedPhone(user, e164, provider, why string) Entry {
	return Entry{Action: ActionTrustPhone, User: user, Phone: e164, Provider: provider, Result: ResultTrusted, Reason: why}
}

// Log appends entries to one customer's audit, as one actor: its audit file, or the
// team's database (Shared).
type Log struct {
	path  string
	actor Actor
	clock clock.Clock
	// shared keeps the entries instead of the file, when the team shares them.
	shared Shared
	mu     sync.Mutex
	// lockWait bounds the wait for another process's append: each holds the lock for
	// a moment, so a long wait means a process stuck while holding it.
	lockWait time.Duration
}

// New returns the log writing to path (its folder is made 0700 at the first entry).
func New(path string, actor Actor, clk clock.Clock) *Log {
	return &Log{path: path, actor: actor, clock: clk, lockWait: 10 * time.Second}
}

// Shared is an audit kept elsewhere than in a file (the team's database): it keeps
// each encoded entry as it is given, and gives them back in that order.
type Shared interface {
	AppendLine(line []byte) error
	EachLine(fn func(line []byte) error) error
	// AuditWhere names the audit for messages.
	AuditWhere() string
}

// NewShared returns the log keeping its entries in shared.
func NewShared(shared Shared, actor Actor, clk clock.Clock) *Log {
	return &Log{path: shared.AuditWhere(), actor: actor, clock: clk, shared: shared}
}

// Path is the audit file, or where the shared audit is.
func (l *Log) Path() string { return l.path }

// Each calls fn with every entry of this log's audit in the order written, and
// returns what it skipped, as the package's Each.
func (l *Log) Each(fn func(Entry) error) ([]Skip, error) {
	if l.shared == nil {
		return Each(l.path, fn)
	}
	var skipped []Skip
	n := 0
	err := l.shared.EachLine(func(line []byte) error {
		n++
		var e Entry
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			skipped = append(skipped, Skip{Line: n})
			return nil
		}
		return fn(e)
	})
	return skipped, err
}

// Append writes e as one line, stamped with the time and the Log's actor.
func (l *Log) Append(e Entry) error {
	e.Time = l.clock.Now().UTC().Truncate(time.Second)
	e.Technician = l.actor.Technician
	e.Machine = l.actor.Machine
	line, err := encode(e)
	if err != nil {
		return err
	}
	if l.shared != nil {
		return l.shared.AppendLine(line)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return catalog.Wrap(err, "audit.file.create-folder", "Path", l.path)
	}
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return l.appendLine(line)
}

// lock takes the lock file beside the audit. gofrs/flock is flock(2) on Unix and
// LockFileEx on Windows; on a file of its own, readers of the audit take no lock and
// are never kept waiting.
func (l *Log) lock() (func(), error) {
	fl := flock.New(l.path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), l.lockWait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 5*time.Millisecond)
	switch {
	case err != nil && !errors.Is(err, context.DeadlineExceeded):
		return nil, catalog.Wrap(err, "audit.file.lock", "Path", l.path)
	case !ok:
		return nil, catalog.NewError("audit.file.locked", "Path", l.path, "Wait", l.lockWait.String())
	}
	return func() { _ = fl.Unlock() }, nil
}

// appendLine adds line (newline included) in one write to a file that must be a
// regular file of the tool's own, readable by its owner only.
func (l *Log) appendLine(line []byte) error {
	before, err := os.Lstat(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		before = nil
	case err != nil:
		return catalog.Wrap(err, "audit.file.look", "Path", l.path)
	default:
		if err := ownFile(l.path, before); err != nil {
			return err
		}
	}
	// Read access too: the last byte says whether the last line was cut short.
	f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return catalog.Wrap(err, "audit.file.open", "Path", l.path)
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return catalog.Wrap(err, "audit.file.look", "Path", l.path)
	}
	// A link put in place between the look and the open would have been followed.
	now, err := os.Lstat(l.path)
	if err != nil {
		return catalog.Wrap(err, "audit.file.look", "Path", l.path)
	}
	if err := ownFile(l.path, now); err != nil {
		return err
	}
	if !os.SameFile(opened, now) || before != nil && !os.SameFile(before, now) {
		return catalog.NewError("audit.file.replaced", "Path", l.path)
	}
	if runtime.GOOS != "windows" && opened.Mode().Perm()&^0o600 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return catalog.Wrap(err, "audit.file.chmod", "Path", l.path)
		}
	}
	if size := opened.Size(); size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			return catalog.Wrap(err, "audit.file.read-end", "Path", l.path)
		}
		if last[0] != '\n' {
			// The last append was cut short: this entry starts on a line of its own.
			line = append([]byte{'\n'}, line...)
		}
	}
	// One write: with O_APPEND the kernel puts it at the end whole, and the lock
	// keeps other appenders out of the moment between the look at the end and it.
	n, err := f.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return catalog.Wrap(err, "audit.file.short-write", "Path", l.path)
	}
	if err := f.Close(); err != nil {
		return catalog.Wrap(err, "audit.file.write", "Path", l.path)
	}
	return nil
}

// ownFile refuses anything but a regular file: a link could send the audit where
// others can read or change it.
func ownFile(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return catalog.NewError("audit.file.symlink", "Path", path)
	case !fi.Mode().IsRegular():
		return catalog.NewError("audit.file.not-regular", "Path", path)
	}
	return nil
}

// encode is e's line: masked, capped, JSON with every unsafe character escaped, at
// most MaxLine bytes with its newline. What does not fit is cut, the reason first.
func encode(e Entry) ([]byte, error) {
	e.Phone = maskPhone(e.Phone)
	e.Reason = cut(maskNumbers(e.Reason), maxReason)
	for _, s := range []*string{&e.Technician.Name, &e.Technician.OSUser, &e.Machine, &e.Action, &e.User, &e.Provider, &e.Result} {
		*s = cut(*s, maxField)
	}
	if len(e.IDs) > 0 {
		ids := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(e.IDs)) {
			if len(ids) == maxIDs {
				break
			}
			ids[cut(k, maxIDKey)] = cut(e.IDs[k], maxField)
		}
		e.IDs = ids
	}
	for {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, catalog.Wrap(err, "audit.file.encode")
		}
		b = append(sanitize.EscapeJSON(b), '\n')
		if len(b) <= MaxLine {
			return b, nil
		}
		if !shrink(&e) {
			return nil, catalog.NewError("audit.file.too-long", "Action", e.Action, "Max", MaxLine)
		}
	}
}

// shrink cuts e's text some more: the reason, then the ids, then every field.
func shrink(e *Entry) bool {
	n := utf8.RuneCountInString(e.Reason)
	switch {
	case n > 16:
		e.Reason = cut(e.Reason, n/2)
		return true
	case len(e.IDs) > 0:
		e.IDs = nil
		e.Reason = cut(e.Reason+" (ids left out: too long)", maxReason) // untranslated: kept in the file, which has no reader's language
		return true
	}
	cutAny := false
	for _, s := range []*string{&e.Technician.Name, &e.Technician.OSUser, &e.Machine, &e.Action, &e.User, &e.Provider, &e.Result, &e.Phone} {
		if n := utf8.RuneCountInString(*s); n > 16 {
			*s = cut(*s, n/2)
			cutAny = true
		}
	}
	return cutAny
}

// cut keeps at most max runes of s, ending in "…" when it cut.
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

func maskPhone(s string) string {
	if s == "" || strings.Contains(s, "*") {
		return s // already masked
	}
	return phone.Mask(s)
}

// number is a phone number as people and the tool write one: "+", then digits with
// the usual separators. maskNumbers masks each that has enough digits to be one.
var number = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\+\d[\d ().-]{5,}\d`) })

func maskNumbers(s string) string {
	return number().ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 7 {
			return m
		}
		return phone.Mask(m)
	})
}

// Skip is a line Read could not take as an entry.
type Skip struct {
	Line int
	// Torn is a line that stops before its end: a run killed, or a disk full, while
	// it was written. Otherwise the line is not an entry (edited by hand, or too long).
	Torn bool
}

// String says what was skipped, for a note to the reader.
func (s Skip) String() string { return s.Localize(nil) }

// Localize says what was skipped in p's language.
func (s Skip) Localize(p *catalog.Printer) string {
	if s.Torn {
		return p.T("audit.file.skip-torn", "Line", s.Line)
	}
	return p.T("audit.file.skip", "Line", s.Line)
}

// Contents is what an audit file holds.
type Contents struct {
	// Entries are the whole entries, in the order they were written.
	Entries []Entry
	// Skipped are the lines that are not.
	Skipped []Skip
}

// Read returns every entry in the audit at path, and the lines it skipped; a missing
// file is an empty audit.
func Read(path string) (Contents, error) {
	var c Contents
	skipped, err := Each(path, func(e Entry) error {
		c.Entries = append(c.Entries, e)
		return nil
	})
	c.Skipped = skipped
	return c, err
}

// Each calls fn with every entry of the audit at path in the order written, without
// holding the file in memory, and returns the lines it skipped. It stops at fn's
// first error, and returns it.
func Each(path string, fn func(Entry) error) ([]Skip, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, catalog.Wrap(err, "audit.file.open-read", "Path", path)
	}
	defer f.Close()
	var skipped []Skip
	rd := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, long, err := readLine(rd)
		if err != nil && !errors.Is(err, io.EOF) {
			return skipped, catalog.Wrap(err, "audit.file.read", "Path", path)
		}
		line = bytes.TrimSpace(line)
		var e Entry
		switch {
		case long:
			skipped = append(skipped, Skip{Line: n})
		case len(line) == 0:
		case json.Unmarshal(line, &e) == nil && e.Action != "":
			if ferr := fn(e); ferr != nil {
				return skipped, ferr
			}
		default:
			skipped = append(skipped, Skip{Line: n, Torn: torn(line)})
		}
		if err != nil {
			return skipped, nil
		}
	}
}

// readLine returns the next line; long is true, and the line dropped, when it does
// not fit rd's buffer, which no entry this package writes comes near.
func readLine(rd *bufio.Reader) (line []byte, long bool, err error) {
	line, err = rd.ReadSlice('\n')
	for errors.Is(err, bufio.ErrBufferFull) {
		long = true
		_, err = rd.ReadSlice('\n')
	}
	if long {
		return nil, true, err
	}
	return line, false, err
}

// torn reports whether b is the beginning of a JSON value that stops before its end,
// which is what a write cut short leaves.
func torn(b []byte) bool {
	var v any
	return errors.Is(json.NewDecoder(bytes.NewReader(b)).Decode(&v), io.ErrUnexpectedEOF)
}

// Filter picks entries; its zero value picks every one.
type Filter struct {
	// User is the person, compared without regard to case as addresses are.
	User string
	// Action is a step id or another action, exactly.
	Action string
	// Since leaves out entries written before it.
	Since time.Time
}

// Match is true when e is one f picks.
func (f Filter) Match(e Entry) bool {
	switch {
	case f.User != "" && !strings.EqualFold(f.User, e.User):
		return false
	case f.Action != "" && f.Action != e.Action:
		return false
	case !f.Since.IsZero() && e.Time.Before(f.Since):
		return false
	}
	return true
}
