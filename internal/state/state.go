// Package state keeps one user's progress through the procedure in a versioned JSON
// file, written atomically after every change and guarded by a per-user lock.
package state

import (
	"time"
)

// SchemaVersion is the version written into every state file. A file with a higher
// version was written by a newer mfa-onboard and is refused rather than guessed at.
const SchemaVersion = 1

// Status is where one step stands.
type Status string

// The statuses a step can be in. They are part of the JSON output and must not change.
const (
	Pending Status = "pending"
	Waiting Status = "waiting"
	Done    Status = "done"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Source says where an answer came from, so a later run can tell a typed answer from a default.
type Source string

// The places an answer can come from.
const (
	FromPrompt  Source = "prompt"
	FromAnswers Source = "answers"
	FromFlag    Source = "flag"
	FromDefault Source = "default"
	// FromProvider is an answer a service already had (the number Microsoft 365 has).
	FromProvider Source = "provider"
)

// State is everything mfa-onboard remembers about one user. It never holds a secret:
// no text-message code, no TOTP secret, no activation link.
type State struct {
	Schema  int                   `json:"schema"`
	User    string                `json:"user"`
	Created time.Time             `json:"created"`
	Updated time.Time             `json:"updated"`
	Steps   map[string]*StepState `json:"steps"`

	Phone    *PhoneAnswer   `json:"phone,omitempty"`
	Verify   *VerifyRecord  `json:"verify,omitempty"`
	Notice   *NoticeRecord  `json:"notice,omitempty"`
	Mail     *Choice        `json:"mobile_mail,omitempty"`
	Platform *Choice        `json:"duo_platform,omitempty"`
	Duo      *DuoRecord     `json:"duo,omitempty"`
	DuoTest  *DuoTestRecord `json:"duo_test,omitempty"`

	// LastRun is who ran the run that saved this file last; nil in files written
	// before it was recorded.
	LastRun *Runner `json:"last_run,omitempty"`

	// Revision is the store's mark of the version Load read (0: none yet), which
	// Save writes over only if nobody saved since; not part of the saved progress.
	Revision uint64 `json:"-"`

	// Manager is the work address of the person's manager, told when reminders do
	// not move them (a batch file's manager column); "" when nobody is recorded.
	Manager string `json:"manager,omitempty"`
	// ByTechnician is true while the person's procedure is run for them by a
	// technician (start --for), so that what says how to carry on says it that way.
	ByTechnician bool `json:"by_technician,omitempty"`
	// Remind is what "mfa-onboard remind" did about the person's current wait on
	// their own part; nil before the first reminder.
	Remind *RemindRecord `json:"remind,omitempty"`
}

// RemindRecord makes reminders happen at most once per interval, as the notice
// happens once: a reminder's id is written before it is sent (PendingID) and its
// time after (LastSent). A run stopped in between leaves the pending one, which
// counts as sent from PendingAt: mail cannot be asked what it delivered, so a
// reminder whose fate is unknown is never followed by another within the interval.
type RemindRecord struct {
	// Step and Since are the wait the reminders are about: a person who moves on to
	// another step, or starts over, starts a new count.
	Step  string    `json:"step"`
	Since time.Time `json:"since"`
	// Sent is how many reminders went out for this wait, LastSent when the last did
	// and Receipt what its channel answered.
	Sent     int       `json:"sent,omitempty"`
	LastSent time.Time `json:"last_sent,omitempty"`
	Receipt  string    `json:"receipt,omitempty"`
	// PendingID, PendingKind ("remind" or "remind-escalate"), PendingTo and
	// PendingAt are a message being sent, cleared once its outcome is saved.
	PendingID   string    `json:"pending_id,omitempty"`
	PendingKind string    `json:"pending_kind,omitempty"`
	PendingTo   string    `json:"pending_to,omitempty"`
	PendingAt   time.Time `json:"pending_at,omitempty"`
	// EscalatedAt is when the person's manager (or the support desk) was told that
	// reminders did not move them, EscalatedTo whom; nothing more is sent after it.
	EscalatedAt time.Time `json:"escalated_at,omitempty"`
	EscalatedTo string    `json:"escalated_to,omitempty"`
}

// StepState is the recorded outcome of one step.
type StepState struct {
	Status  Status    `json:"status"`
	Changed time.Time `json:"changed"`
	// Reason says why a step is waiting, failed or skipped, in words for the person.
	Reason string `json:"reason,omitempty"`
	// Guidance is what the person should do or expect, for runs where nobody saw the
	// screen: a pipeline can pass it on.
	Guidance []string `json:"guidance,omitempty"`
}

// PhoneAnswer is the mobile number the user gave, in E.164.
type PhoneAnswer struct {
	E164    string `json:"e164"`
	Country string `json:"country"`
	Source  Source `json:"source"`
}

// VerifyRecord tracks proof of possession of the number and its registration.
type VerifyRecord struct {
	// SentTo is the number the last code went to; a changed number needs a new code.
	SentTo string `json:"sent_to,omitempty"`
	// SentAt is when the pending code was made (its validity runs from then); TextedAt
	// is when it was last texted, which a code service that repeats the pending code
	// (Twilio) makes later: the resend cool-down runs from TextedAt.
	SentAt   time.Time `json:"sent_at,omitempty"`
	TextedAt time.Time `json:"texted_at,omitempty"`
	// CheckingAt is set, and saved, just before a typed code goes to the code service,
	// and cleared with its answer. Set on a later run, it means a run stopped while a
	// check was out: the code may have been right, and a code service forgets a code
	// once it accepts it, so checking it again cannot tell. The time only: never the code.
	CheckingAt time.Time `json:"checking_at,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitempty"`
	// RegisteredAt is set once the number is the user's Microsoft 365 mobile method.
	RegisteredAt time.Time `json:"registered_at,omitempty"`
	MethodID     string    `json:"method_id,omitempty"`
	// KeptExisting says the number is one Microsoft 365 already had and this tool did
	// not prove with a code: the person chose to keep it instead of the one they typed,
	// or a check was cut off and Microsoft 365 already had the number typed.
	KeptExisting bool `json:"kept_existing,omitempty"`
	// TrustedAt is set when a technician registered the number without a texted code,
	// on their word (start --for --trust-phone): nobody proved possession, so VerifiedAt
	// stays zero. TrustedBy is who vouched (their name and account on this computer),
	// TrustReason the reason they gave.
	TrustedAt   time.Time `json:"trusted_at,omitempty"`
	TrustedBy   string    `json:"trusted_by,omitempty"`
	TrustReason string    `json:"trust_reason,omitempty"`
}

// NoticeRecord makes the support notice happen exactly once: the id is written
// before sending and SentAt after, so a re-run can ask the provider whether it went.
type NoticeRecord struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
	SentAt  time.Time `json:"sent_at,omitempty"`
	Receipt string    `json:"receipt,omitempty"`
	// Channels holds each channel's receipt once it was told, so a re-run after one
	// channel failed tells only the others.
	Channels map[string]string `json:"channels,omitempty"`
	// EnforcedAt is set once MFA is required for the user (by this tool as a
	// technician, or already by the tenant's security defaults); until then status
	// says enforcement is pending.
	EnforcedAt time.Time `json:"enforced_at,omitempty"`
	// Enforcement is what a technician's run did about MFA: "per-user", "group" or
	// "security-defaults" (MFA required), or "conditional-access" or "none" (left to
	// the tenant's policies or to support); "" when no run could (an end user's).
	Enforcement string `json:"enforcement,omitempty"`
	// EnforcementReason says why, in one sentence; status shows it.
	EnforcementReason string `json:"enforcement_reason,omitempty"`
}

// Choice is one answer picked from a list.
type Choice struct {
	Value  string `json:"value"`
	Source Source `json:"source"`
}

// DuoRecord holds the Duo ids, each recorded before the next call that depends on it,
// so a re-run continues instead of creating a second user or phone.
type DuoRecord struct {
	UserID     string `json:"user_id,omitempty"`
	PhoneID    string `json:"phone_id,omitempty"`
	Associated bool   `json:"associated,omitempty"`
	// ActivationShown or ActivationTexted (only the newest is set, as a new activation
	// voids the one before) and ActivationExpires record the activation the person was
	// given: a later run without a screen waits for a texted one instead of sending
	// another, and a later run with a screen shows the same one again where the service
	// can, or else says the earlier one no longer works. Times only: the link itself is
	// never kept.
	ActivationShown   time.Time `json:"activation_shown,omitempty"`
	ActivationTexted  time.Time `json:"activation_texted,omitempty"`
	ActivationExpires time.Time `json:"activation_expires,omitempty"`
	ActivationByCode  bool      `json:"activation_by_code,omitempty"`
	ActivatedAt       time.Time `json:"activated_at,omitempty"`
}

// DuoTestRecord is the test push: recorded when sent, so that a resumed run waits
// for the same push instead of sending the person a second one, and how the last one
// ended, so that a push denied or left unanswered is never followed by another unless
// the person asks for it. A push is never sent twice in answer to one approval:
// ApprovedAt ends the step for good.
type DuoTestRecord struct {
	PushID    string    `json:"push_id,omitempty"`
	NeedsCode bool      `json:"needs_code,omitempty"`
	PushedAt  time.Time `json:"pushed_at,omitempty"`
	// PushExpires is when the push stops being answerable, where the service says.
	PushExpires time.Time `json:"push_expires,omitempty"`
	ApprovedAt  time.Time `json:"approved_at,omitempty"`
	// PushTimes are when the recent test pushes were sent, oldest first, each recorded
	// before the call that sends it: the cap on test pushes (push fatigue is how MFA
	// is talked past) must hold across runs and processes, and a push whose answer was
	// lost still counts. Times only; older ones are dropped once they no longer count.
	PushTimes []time.Time `json:"push_times,omitempty"`
	// Outcome is how the last push ended without approval ("denied", "timeout", or
	// "unknown": a run stopped between sending it and recording its id, or the service
	// no longer knows it), and OutcomeAt when that was learned; empty once a push's id
	// is recorded, and before the first.
	Outcome   string    `json:"outcome,omitempty"`
	OutcomeAt time.Time `json:"outcome_at,omitempty"`
}

// New returns the empty state of a user who has not started yet.
func New(user string, now time.Time) *State {
	return &State{
		Schema:  SchemaVersion,
		User:    user,
		Created: now,
		Updated: now,
		Steps:   map[string]*StepState{},
	}
}

// Step returns the recorded state of a step, or a pending one if it has none yet.
func (s *State) Step(id string) StepState {
	if st, ok := s.Steps[id]; ok && st != nil {
		return *st
	}
	return StepState{Status: Pending}
}

// Mark records a step's new status and the time it changed.
func (s *State) Mark(id string, status Status, reason string, now time.Time) {
	if s.Steps == nil {
		s.Steps = map[string]*StepState{}
	}
	s.Steps[id] = &StepState{Status: status, Changed: now, Reason: reason}
	s.Updated = now
}
