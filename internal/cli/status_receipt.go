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
			return usagef("--for: %v", err)
		}
	}
	st, err := findState(o.F.Store(dir), o.User)
	if err != nil {
		return err
	}
	program := o.F.ProgramName()
	if st == nil {
		msg := fmt.Sprintf("%s has not started here, so there is nothing to put on a receipt: run %s to begin", sanitize.Inline(o.User), startCommand(program, o.User, true))
		if o.User == "" {
			msg = fmt.Sprintf("Nobody has started here, so there is nothing to put on a receipt: run %s --for EMAIL to begin", startCommand(program, "", true))
		}
		return refuse(o.F.IO.ErrOut, &notFinishedError{step: (steps.Phone{}).ID(), msg: msg})
	}
	sum := summarize(steps.All(), st)
	if sum.Outcome != wizard.Completed && !o.Partial {
		return refuse(o.F.IO.ErrOut, &notFinishedError{step: sum.WaitingOn,
			msg: fmt.Sprintf("%s has not finished: %s; run %s to carry on, or add --partial for a receipt of what is done so far",
				sanitize.Inline(st.User), nextWords(sum), carryOn(o.F, st))})
	}
	now := o.F.Clock.Now()
	r := receipt{zone: now.Location()}
	r.write(st, sum, cfg.Organisation, now, o.F.Version)
	_, err = io.WriteString(o.F.IO.Out, r.String())
	return err
}

// refuse says why on stderr, since a waiting exit prints no error of its own.
func refuse(w io.Writer, err *notFinishedError) error {
	fmt.Fprintln(w, err.msg+".")
	return err
}

// nextWords is where someone not finished stands, for a sentence.
func nextWords(sum wizard.Summary) string {
	for _, s := range sum.Steps {
		if s.Status == state.Failed {
			return "step " + s.ID + " failed"
		}
	}
	return "next step is " + sanitize.Inline(sum.WaitingOn)
}

// receipt is the text being made, one labelled field at a time.
type receipt struct {
	zone  *time.Location
	lines []string
}

func (r *receipt) String() string { return strings.Join(r.lines, "\n") + "\n" }

// field adds label and value on at most max lines, the value made one safe line
// (safeLine), wrapped at spaces beside the label's column and cut with "…" past its
// last line.
func (r *receipt) field(label, value string, max int) {
	r.safeField(label, safeLine(value), max)
}

// safeField is field for a value made safe already, its spacing kept.
func (r *receipt) safeField(label, value string, max int) {
	pad := strings.Repeat(" ", receiptLabel)
	for i, l := range wrap(value, receiptWidth-receiptLabel, max) {
		head := pad
		if i == 0 {
			head = (label + pad)[:receiptLabel]
		}
		r.lines = append(r.lines, strings.TrimRight(head+l, " "))
	}
}

func (r *receipt) at(t time.Time) string { return zoned(t, r.zone) }

// write makes the receipt of st. Every value comes from the record or the config,
// so each is made one safe line with every number masked (field); ids are ids,
// never a code or a secret, which the record does not hold.
func (r *receipt) write(st *state.State, sum wizard.Summary, org string, now time.Time, build BuildInfo) {
	title := "MFA onboarding receipt"
	if sum.Outcome != wizard.Completed {
		title += " (PARTIAL: not finished)"
	}
	r.lines = append(r.lines, title)
	r.field("Person:", st.User, 1)
	r.field("Organisation:", org, 1)
	done := 0
	for _, s := range sum.Steps {
		if s.Status == state.Done {
			done++
		}
	}
	outcome := fmt.Sprintf("completed: all %d steps done", len(sum.Steps))
	if sum.Outcome != wizard.Completed {
		outcome = fmt.Sprintf("not finished: %d of %d steps done; %s", done, len(sum.Steps), nextWords(sum))
	}
	r.field("Outcome:", outcome, 1)
	mobile := "-"
	if st.Phone != nil && st.Phone.E164 != "" {
		mobile = phone.Mask(st.Phone.E164)
	}
	r.field("Mobile:", mobile, 1)
	r.field("Proof:", proofWords(st, r), 3)
	method := "not registered yet"
	if v := st.Verify; v != nil && !v.RegisteredAt.IsZero() {
		method = "registered " + r.at(v.RegisteredAt)
		if v.MethodID != "" {
			method = "method " + v.MethodID
		}
	}
	r.field("Microsoft 365:", method, 1)
	duo := "not enrolled yet"
	if d := st.Duo; d != nil && (d.UserID != "" || d.PhoneID != "") {
		duo = "user " + orDash(d.UserID) + ", phone " + orDash(d.PhoneID)
	}
	r.field("Duo:", duo, 1)
	r.field("Notice:", noticeWords(st.Notice, r), 2)
	r.field("Enforcement:", enforcementWords(st.Notice, r), 2)
	for i, s := range sum.Steps {
		label := ""
		if i == 0 {
			label = "Steps:"
		}
		r.safeField(label, fmt.Sprintf("%-15s %-8s %s", safeLine(s.ID), safeLine(string(s.Status)), r.at(s.Changed)), 1)
	}
	last := "-"
	if who := ranBy(st.LastRun); who != "-" {
		last = who
		if run := st.LastRun; run.Technician != "" && run.OSUser != "" {
			last += " (" + run.OSUser + " on " + run.Machine + ")"
		}
		last += ", " + r.at(st.Updated)
	}
	r.field("Last run:", last, 1)
	version := build.Version
	if version == "" {
		version = "(version unknown)"
	}
	if build.Commit != "" {
		version += " (commit " + build.Commit + ")"
	}
	r.field("Made:", r.at(now)+" by mfa-onboard "+version, 1)
}

// proofWords says how the number came to be the person's: proven with a texted
// code, kept as Microsoft 365 had it, or trusted on a technician's word.
func proofWords(st *state.State, r *receipt) string {
	v := st.Verify
	switch {
	case v == nil:
		return "not proven yet"
	case !v.TrustedAt.IsZero():
		// The words status and the notice use (steps.VerifyNote), the time first so
		// that a long reason cannot push it off the receipt.
		return "TRUSTED WITHOUT PROOF, " + r.at(v.TrustedAt) + ": " + strings.TrimPrefix(steps.VerifyNote(st), "trusted without proof: ")
	case v.KeptExisting:
		return "the number Microsoft 365 already had, not proven with a code by this tool, " + r.at(v.VerifiedAt)
	case !v.VerifiedAt.IsZero():
		return "a code texted to the number was typed back, " + r.at(v.VerifiedAt)
	}
	return "not proven yet"
}

// noticeWords is when the support desk was told and each channel's receipt.
func noticeWords(n *state.NoticeRecord, r *receipt) string {
	switch {
	case n == nil:
		return "not sent yet"
	case n.SentAt.IsZero() && len(n.Channels) == 0:
		return "not sent yet"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(n.Channels)) {
		parts = append(parts, name+" "+orDash(n.Channels[name]))
	}
	if len(parts) == 0 && n.Receipt != "" {
		parts = append(parts, "receipt "+n.Receipt)
	}
	when := "partly sent"
	if !n.SentAt.IsZero() {
		when = "sent " + r.at(n.SentAt)
	}
	if len(parts) == 0 {
		return when
	}
	return when + "; " + strings.Join(parts, ", ")
}

// enforcementWords says whether MFA is required now, how, and why.
func enforcementWords(n *state.NoticeRecord, r *receipt) string {
	if n == nil || n.SentAt.IsZero() {
		return "not yet: the support desk is told first"
	}
	how := map[string]string{
		provider.EnforcedPerUser:          "MFA required (per-user MFA enforced)",
		provider.EnforcedGroup:            "MFA required (added to the enforcement group)",
		provider.EnforcedSecurityDefaults: "MFA required (security defaults)",
		provider.LeftToConditionalAccess:  "left to Conditional Access policies",
		provider.LeftToSupport:            "left to the support desk",
	}[n.Enforcement]
	switch {
	case how == "" && !n.EnforcedAt.IsZero():
		how = "MFA required"
	case how == "":
		how = "pending: the support desk requires MFA after the notice"
	}
	if !n.EnforcedAt.IsZero() {
		how += " " + r.at(n.EnforcedAt)
	}
	if n.EnforcementReason != "" {
		how += ": " + n.EnforcementReason
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
