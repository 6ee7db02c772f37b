package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// The receipt is pasted into a PSA ticket: at most receiptLines lines of at most
// receiptWidth columns, whatever the record holds.
const (
	receiptWidth = 80
	receiptLines = 25
	// receiptLabel is the width of the labels' column.
	receiptLabel = 15
)

// notFinishedError refuses a receipt for someone who has not finished: exit 3, as a
// run that waits, naming the step they are at.
type notFinishedError struct {
	msg, step string
}

func (e *notFinishedError) Error() string   { return e.msg }
func (e *notFinishedError) Waiting() string { return e.step }

// runReceipt prints the completion receipt of one person: who, for which
// organisation, what was done and when, the ids each vendor gave, the notice's
// receipts, the enforcement, who ran it last and with which version. It only reads
// the record: nothing is asked of any vendor.
func runReceipt(_ context.Context, o *StatusOptions) error {
	dir, cfg, err := o.F.DirAndConfig()
	if err != nil {
		return err
	}
	if o.User != "" {
		if o.User, err = account.Parse(o.User); err != nil {
			return usage(catalog.Wrap(err, "cli.receipt.for-invalid"))
		}
	}
	store, err := o.F.Store(dir)
	if err != nil {
		return err
	}
	st, err := findState(store, o.User)
	if err != nil {
		return err
	}
	p := o.F.Text
	program := o.F.ProgramName()
	if st == nil {
		msg := p.T("cli.receipt.not-started", "User", sanitize.Inline(o.User), "Command", startCommand(program, o.User, true))
		if o.User == "" {
			msg = p.T("cli.receipt.nobody", "Command", startCommand(program, "", true))
		}
		return refuse(o.F.IO.ErrOut, &notFinishedError{step: (steps.Phone{}).ID(), msg: msg})
	}
	sum := summarize(p, steps.All(), st)
	if sum.Outcome != wizard.Completed && !o.Partial {
		who, again := sanitize.Inline(st.User), carryOn(o.F, st)
		msg := p.T("cli.receipt.unfinished", "User", who, "Step", sanitize.Inline(sum.WaitingOn), "Command", again)
		if failed := stepThatFailed(sum); failed != "" {
			msg = p.T("cli.receipt.unfinished-failed", "User", who, "Step", failed, "Command", again)
		}
		return refuse(o.F.IO.ErrOut, &notFinishedError{step: sum.WaitingOn, msg: msg})
	}
	now := o.F.Clock.Now()
	r := receipt{zone: now.Location(), text: p}
	r.write(st, sum, cfg.Organisation, now, o.F.Version)
	_, err = io.WriteString(o.F.IO.Out, r.String())
	return err
}

// refuse says why on stderr, since a waiting exit prints no error of its own.
func refuse(w io.Writer, err *notFinishedError) error {
	fmt.Fprintln(w, err.msg)
	return err
}

// stepThatFailed is the id of the step that failed, "" when none did.
func stepThatFailed(sum wizard.Summary) string {
	for _, s := range sum.Steps {
		if s.Status == state.Failed {
			return s.ID
		}
	}
	return ""
}

// receipt is the text being made, one labelled field at a time, in the language
// of text.
type receipt struct {
	zone  *time.Location
	text  *catalog.Printer
	lines []string
}

func (r *receipt) String() string { return strings.Join(r.lines, "\n") + "\n" }

// field adds label and value on at most max lines, the value made one safe line
// (safeLine), wrapped at spaces beside the label's column and cut with "…" past its
// last line.
func (r *receipt) field(label, value string, max int) {
	r.safeField(label, safeLine(value), max)
}

// safeField is field for a value made safe already, its spacing kept. The label is
// padded (or cut) to the labels' column by characters, not bytes: a translated label
// may hold accents.
func (r *receipt) safeField(label, value string, max int) {
	pad := strings.Repeat(" ", receiptLabel)
	for i, l := range wrap(value, receiptWidth-receiptLabel, max) {
		head := pad
		if i == 0 {
			head = string([]rune(label + pad)[:receiptLabel])
		}
		r.lines = append(r.lines, strings.TrimRight(head+l, " "))
	}
}

func (r *receipt) at(t time.Time) string { return zoned(t, r.zone) }

// write makes the receipt of st. Every value comes from the record or the config,
// so each is made one safe line with every number masked (field); ids are ids,
// never a code or a secret, which the record does not hold.
func (r *receipt) write(st *state.State, sum wizard.Summary, org string, now time.Time, build BuildInfo) {
	p := r.text
	title := p.T("cli.receipt.title")
	if sum.Outcome != wizard.Completed {
		title = p.T("cli.receipt.title-partial")
	}
	r.lines = append(r.lines, title)
	r.field(p.T("cli.receipt.person"), st.User, 1)
	r.field(p.T("cli.receipt.organisation"), org, 1)
	done := 0
	for _, s := range sum.Steps {
		if s.Status == state.Done {
			done++
		}
	}
	outcome := p.T("cli.receipt.outcome.completed", "Total", len(sum.Steps))
	if sum.Outcome != wizard.Completed {
		outcome = p.T("cli.receipt.outcome.next", "Done", done, "Total", len(sum.Steps), "Step", sanitize.Inline(sum.WaitingOn))
		if failed := stepThatFailed(sum); failed != "" {
			outcome = p.T("cli.receipt.outcome.failed", "Done", done, "Total", len(sum.Steps), "Step", failed)
		}
	}
	r.field(p.T("cli.receipt.outcome"), outcome, 1)
	mobile := "-"
	if st.Phone != nil && st.Phone.E164 != "" {
		mobile = phone.Mask(st.Phone.E164)
	}
	r.field(p.T("cli.receipt.mobile"), mobile, 1)
	r.field(p.T("cli.receipt.proof"), proofWords(st, r), 3)
	method := p.T("cli.receipt.m365.none")
	if v := st.Verify; v != nil && !v.RegisteredAt.IsZero() {
		method = p.T("cli.receipt.m365.registered", "Time", r.at(v.RegisteredAt))
		if v.MethodID != "" {
			method = p.T("cli.receipt.m365.method", "Method", v.MethodID)
		}
	}
	r.field(p.T("cli.receipt.m365"), method, 1)
	duo := p.T("cli.receipt.duo.none")
	if d := st.Duo; d != nil && (d.UserID != "" || d.PhoneID != "") {
		duo = p.T("cli.receipt.duo.ids", "User", orDash(d.UserID), "Phone", orDash(d.PhoneID))
	}
	r.field(p.T("cli.receipt.duo"), duo, 1)
	r.field(p.T("cli.receipt.notice"), noticeWords(st.Notice, r), 2)
	r.field(p.T("cli.receipt.enforcement"), enforcementWords(st.Notice, r), 2)
	width := 8 // the statuses' column, as wide as the longest word said in it
	for _, s := range sum.Steps {
		width = max(width, len([]rune(safeLine(statusWord(p, s.Status)))))
	}
	for i, s := range sum.Steps {
		label := ""
		if i == 0 {
			label = p.T("cli.receipt.steps")
		}
		r.safeField(label, fmt.Sprintf("%-15s %-*s %s", safeLine(s.ID), width, safeLine(statusWord(p, s.Status)), r.at(s.Changed)), 1)
	}
	last := "-"
	if who := ranBy(st.LastRun); who != "-" {
		last = p.T("cli.receipt.last-run", "Who", who, "Time", r.at(st.Updated))
		if run := st.LastRun; run.Technician != "" && run.OSUser != "" {
			last = p.T("cli.receipt.last-run-on", "Who", who, "Account", run.OSUser, "Machine", run.Machine, "Time", r.at(st.Updated))
		}
	}
	r.field(p.T("cli.receipt.last-run.label"), last, 1)
	version := build.Version
	if version == "" {
		version = p.T("cli.receipt.version-unknown")
	}
	made := p.T("cli.receipt.made", "Time", r.at(now), "Version", version)
	if build.Commit != "" {
		made = p.T("cli.receipt.made-commit", "Time", r.at(now), "Version", version, "Commit", build.Commit)
	}
	r.field(p.T("cli.receipt.made.label"), made, 1)
}

// proofWords says how the number came to be the person's: proven with a texted
// code, kept as Microsoft 365 had it, or trusted on a technician's word.
func proofWords(st *state.State, r *receipt) string {
	p, v := r.text, st.Verify
	switch {
	case v == nil:
		return p.T("cli.receipt.proof.none")
	case !v.TrustedAt.IsZero() && v.TrustedBy != "":
		// The time first, so that a long reason cannot push it off the receipt.
		return p.T("cli.receipt.proof.trusted-by", "Time", r.at(v.TrustedAt), "Reason", v.TrustReason, "By", v.TrustedBy)
	case !v.TrustedAt.IsZero():
		return p.T("cli.receipt.proof.trusted", "Time", r.at(v.TrustedAt), "Reason", v.TrustReason)
	case v.KeptExisting:
		return p.T("cli.receipt.proof.kept", "Time", r.at(v.VerifiedAt))
	case !v.VerifiedAt.IsZero():
		return p.T("cli.receipt.proof.code", "Time", r.at(v.VerifiedAt))
	}
	return p.T("cli.receipt.proof.none")
}

// noticeWords is when the support desk was told and each channel's receipt.
func noticeWords(n *state.NoticeRecord, r *receipt) string {
	p := r.text
	if n == nil || n.SentAt.IsZero() && len(n.Channels) == 0 {
		return p.T("cli.receipt.notice.none")
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(n.Channels)) {
		parts = append(parts, name+" "+orDash(n.Channels[name]))
	}
	if len(parts) == 0 && n.Receipt != "" {
		parts = append(parts, p.T("cli.receipt.notice.receipt", "Receipt", n.Receipt))
	}
	switch {
	case n.SentAt.IsZero() && len(parts) == 0:
		return p.T("cli.receipt.notice.partly")
	case n.SentAt.IsZero():
		return p.T("cli.receipt.notice.partly-with", "Receipts", strings.Join(parts, ", "))
	case len(parts) == 0:
		return p.T("cli.receipt.notice.sent", "Time", r.at(n.SentAt))
	}
	return p.T("cli.receipt.notice.sent-with", "Time", r.at(n.SentAt), "Receipts", strings.Join(parts, ", "))
}

// enforcementWords says whether MFA is required now, how, and why: each way in
// words of its own, then when and why, each known or not.
func enforcementWords(n *state.NoticeRecord, r *receipt) string {
	p := r.text
	if n == nil || n.SentAt.IsZero() {
		return p.T("cli.receipt.enforcement.not-yet")
	}
	how := map[string]string{
		provider.EnforcedPerUser:          p.T("cli.receipt.enforcement.per-user"),
		provider.EnforcedGroup:            p.T("cli.receipt.enforcement.group"),
		provider.EnforcedSecurityDefaults: p.T("cli.receipt.enforcement.security-defaults"),
		provider.LeftToConditionalAccess:  p.T("cli.receipt.enforcement.conditional-access"),
		provider.LeftToSupport:            p.T("cli.receipt.enforcement.support"),
	}[n.Enforcement]
	switch {
	case how == "" && !n.EnforcedAt.IsZero():
		how = p.T("cli.receipt.enforcement.required")
	case how == "":
		how = p.T("cli.receipt.enforcement.pending")
	}
	when, why := "", n.EnforcementReason
	if !n.EnforcedAt.IsZero() {
		when = r.at(n.EnforcedAt)
	}
	switch {
	case when != "" && why != "":
		return p.T("cli.receipt.enforcement.when-why", "How", how, "Time", when, "Reason", why)
	case when != "":
		return p.T("cli.receipt.enforcement.when", "How", how, "Time", when)
	case why != "":
		return p.T("cli.receipt.enforcement.why", "How", how, "Reason", why)
	}
	return how
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// wrap breaks s into lines of at most width runes at spaces (a longer word is cut),
// at most max of them, the last ending in "…" when s is longer.
func wrap(s string, width, max int) []string {
	var lines []string
	rest := []rune(s)
	for len(rest) > 0 && len(lines) < max {
		if len(rest) <= width {
			lines = append(lines, string(rest))
			rest = nil
			break
		}
		cut := width
		for i := width; i > width/2; i-- {
			if rest[i] == ' ' {
				cut = i
				break
			}
		}
		lines = append(lines, strings.TrimRight(string(rest[:cut]), " "))
		rest = []rune(strings.TrimLeft(string(rest[cut:]), " "))
	}
	if len(lines) == 0 {
		return []string{""}
	}
	if len(rest) > 0 {
		last := []rune(lines[len(lines)-1])
		if len(last) >= width {
			last = last[:width-1]
		}
		lines[len(lines)-1] = strings.TrimRight(string(last), " ") + "…"
	}
	return lines
}
