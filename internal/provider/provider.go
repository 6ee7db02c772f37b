// Package provider defines the roles a backend can play for the procedure. Steps talk
// only to these interfaces; which backend serves a role (the offline fake, Duo, Graph,
// Twilio, mail…) is chosen in one place, the wiring in internal/cli. Providers never prompt.
package provider

import (
	"context"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// CodeSender proves that a person holds a phone number by texting a code and checking
// it (Twilio Verify's role).
type CodeSender interface {
	// SendCode texts a code to an E.164 number: a new one that replaces the old, or,
	// with a sender that says so in CodeSent.SameCode, the code still pending again.
	SendCode(ctx context.Context, to string) (CodeSent, error)
	// CheckCode checks a code the person typed against the last one sent to the number.
	CheckCode(ctx context.Context, to, code string) (CodeCheck, error)
}

// DefaultCodeLength is how many digits the codes of a CodeSender that is not
// SizedCodes have.
const DefaultCodeLength = 6

// SizedCodes is a CodeSender whose codes need not have DefaultCodeLength digits: a
// Twilio Verify service is set to 4 to 10. Codes are checked for that length before
// they are sent for checking, so a typo does not use up a try.
type SizedCodes interface {
	// CodeLength says how many digits every code the sender texts has.
	CodeLength(ctx context.Context) (int, error)
}

// CodeSent describes a code that is on its way.
type CodeSent struct {
	// ExpiresAt is when the code stops working; for a repeated code, that is still
	// reckoned from when it was first made.
	ExpiresAt time.Time
	// ResendAt is the earliest time a new code may be asked for.
	ResendAt time.Time
	// SameCode is true when the text repeats the code that was still pending instead
	// of carrying a new one (Twilio Verify does, within the code's validity), so the
	// person can be told that either text's code will do.
	SameCode bool
}

// CheckStatus is the outcome of checking a code.
type CheckStatus string

// The outcomes of a code check.
const (
	CodeApproved CheckStatus = "approved"
	// CodeWrong leaves the code usable; AttemptsLeft says for how many more tries.
	CodeWrong CheckStatus = "wrong"
	// CodeLocked means too many wrong tries: the code is dead and a new one is needed.
	CodeLocked CheckStatus = "locked"
	// CodeExpired means the code is too old, or there is none: a new one is needed.
	CodeExpired CheckStatus = "expired"
)

// CodeCheck is the answer to a code check.
type CodeCheck struct {
	Status       CheckStatus
	AttemptsLeft int
}

// CoolDownError means a new code was asked for too soon after the last one.
type CoolDownError struct {
	Wait time.Duration
}

func (e *CoolDownError) Error() string { return e.Localize(catalog.English()) }

// Localize says the wait in p's language.
func (e *CoolDownError) Localize(p *catalog.Printer) string {
	return p.T("provider.cool-down", "Wait", e.Wait.Round(time.Second))
}

// PhoneRegistrar makes a verified number the user's Microsoft 365 mobile MFA method
// (Microsoft Graph's role).
type PhoneRegistrar interface {
	// MobileMethod returns the E.164 number of the user's current mobile method, or "".
	MobileMethod(ctx context.Context, user string) (string, error)
	// RegisterMobile adds the mobile method, or replaces the number of an existing one.
	RegisterMobile(ctx context.Context, user, e164 string) (methodID string, err error)
}

// Notice is what the support desk is told when a user has finished their part.
type Notice struct {
	// ID makes the notice idempotent: it is recorded before sending, and a provider that
	// can look it up reports an earlier send instead of sending twice.
	ID           string
	User         string
	Organisation string
	MaskedPhone  string
	Completed    []string
	When         time.Time
	Computer     string
}

// Notifier tells the support desk (mail, chat webhook, PSA ticket…).
type Notifier interface {
	// Name says which channel this is. It is also the key under which the person's
	// state keeps the channel's receipt, so it never changes with the language: what
	// a person reads is Describe's.
	Name() string
	// Describe says which channel this is, in p's language ("email to …").
	Describe(p *catalog.Printer) string
	// Notify sends n and returns a receipt (message id, ticket number…).
	Notify(ctx context.Context, n Notice) (receipt string, err error)
	// Sent reports whether a notice with this id already went out, and its receipt.
	Sent(ctx context.Context, id string) (receipt string, found bool, err error)
}

// PersonMailer is a Notifier that can also mail a message of the tool's own to one
// address (a reminder to the person, word to their manager), from the sender it mails
// the support desk from. Only mail channels can: a webhook or a PSA ticket reaches the
// desk alone, and Twilio Verify texts verification codes only, never free text
// (https://www.twilio.com/docs/api/errors/60243).
type PersonMailer interface {
	// MailPerson mails subject and body to the address to. id is the message's own
	// reference, the same for every resend of one message (it becomes the Message-ID
	// where mail has one), so a resend can be recognised; the receipt is what the
	// channel answered (a Message-ID, a request id).
	MailPerson(ctx context.Context, to, subject, body, id string) (receipt string, err error)
}

// Activation is what a person scans to add their phone to Duo.
type Activation struct {
	// Link is what the QR code carries: Duo's scannable activation (the duo:// value
	// of activation_barcode), or in the demo a TOTP URI.
	Link string
	// OpenLink, when set, is the link to open on the phone itself instead of scanning
	// (Duo's activation_url deep link); it is what the screen prints under the code.
	OpenLink  string
	ExpiresAt time.Time
	// NeedsCode is true when activation is proven by typing the code the app then shows
	// (the demo); false when the service itself learns of it and is polled (real Duo).
	NeedsCode bool
}

// Enroller adds a person's phone to Duo (the Duo Admin API's role). Each call does
// one thing, so a step can record every id before the next call depends on it.
type Enroller interface {
	// FindUser returns the Duo user id for username, or ErrNotFound.
	FindUser(ctx context.Context, username string) (string, error)
	// CreateUser creates the Duo user and returns its id.
	CreateUser(ctx context.Context, username string) (string, error)
	// FindPhone returns the id of the phone with this E.164 number, or ErrNotFound.
	FindPhone(ctx context.Context, e164 string) (string, error)
	// CreatePhone creates a mobile phone for the number and platform ("ios", "android").
	CreatePhone(ctx context.Context, e164, platform string) (string, error)
	// Associate attaches the phone to the user; doing it twice is harmless.
	Associate(ctx context.Context, userID, phoneID string) error
	// NewActivation makes a fresh activation for the phone; any earlier one stops working.
	NewActivation(ctx context.Context, phoneID string) (Activation, error)
	// CurrentActivation gives back the phone's activation that is still valid (shown or
	// texted by an earlier run), so that a resumed run shows the entry the person may
	// already have added instead of voiding it. ok is false when there is none, or when
	// the service cannot give one back (real Duo never shows an activation link twice).
	CurrentActivation(ctx context.Context, phoneID string) (act Activation, ok bool, err error)
	// SendActivation texts a fresh activation to the phone, for a person with no camera
	// or a run with no screen; any earlier activation stops working. The returned
	// Activation's Link is what was texted: it is not for showing or keeping.
	SendActivation(ctx context.Context, phoneID string) (Activation, error)
	// Activated reports whether Duo Mobile on the phone has been activated.
	Activated(ctx context.Context, phoneID string) (bool, error)
	// ConfirmActivation proves activation with the code the app shows (NeedsCode only).
	ConfirmActivation(ctx context.Context, phoneID, code string) error
}

// PhoneReader is an Enroller that can say what it holds of a phone, changing nothing,
// so that what a person's record says can be compared with the service (status
// --live). It is apart from Enroller so that an Enroller that cannot is still one:
// the comparison then says it cannot check.
type PhoneReader interface {
	// ReadPhone returns the phone phoneID and whether it is attached to the Duo user
	// userID, or ErrNotFound when there is no such phone (deleted in the Admin Panel).
	ReadPhone(ctx context.Context, userID, phoneID string) (PhoneRecord, error)
}

// PhoneRecord is what the service holds of one phone.
type PhoneRecord struct {
	// Number is the phone's number in E.164, "" when it has none.
	Number string
	// Activated is true once Duo Mobile on the phone is activated.
	Activated bool
	// Attached is true when the phone is one of the user's phones.
	Attached bool
}

// PushResult is where a push stands.
type PushResult string

// The states of a push.
const (
	PushWaiting PushResult = "waiting"
	PushAllowed PushResult = "allow"
	PushDenied  PushResult = "deny"
	PushTimeout PushResult = "timeout"
)

// Push is a sent login request.
type Push struct {
	ID string
	// ExpiresAt is when the push can no longer be answered, if the service says.
	ExpiresAt time.Time
	// NeedsCode is true when approval is proven by typing the code the app shows (the demo).
	NeedsCode bool
}

// PushStatus is the answer to "has the person answered the push?".
type PushStatus struct {
	Result PushResult
	// Message is the service's own words, for the person, or ours in English.
	Message string
	// Said, when the words are ours rather than the service's, is Message as a
	// catalogue message, so that Say gives it in the person's language.
	Said catalog.Localized
	// VerifyNumber, while the push waits, is the number the app asks the person to
	// type to approve it (Duo's "Verified Duo Push"), or "" when it asks for none.
	VerifyNumber string
}

// Say is Message in p's language where the words are ours; the service's own words
// stay as the service wrote them.
func (s PushStatus) Say(p *catalog.Printer) string {
	if s.Said == nil {
		return s.Message
	}
	return s.Said.Localize(p)
}

// Pusher sends a test login request to the person's phone (the Duo Auth API's role).
// The push goes to one device, the phone just enrolled, and never to whichever device
// the service would pick: a user who started again with a new number still has the
// old phone, and a push it approves proves nothing about the new one.
type Pusher interface {
	// Ready says whether username can be pushed to on deviceID (the phone id the Enroller
	// returned); if not, reason says why in words for the person (not enrolled, that
	// phone is not the user's, denied, locked out…), as an error the step can return,
	// which a Printer says in the person's language. err is a failure to ask.
	Ready(ctx context.Context, username, deviceID string) (ok bool, reason error, err error)
	// Push sends a login request to deviceID, one of the user's phones.
	Push(ctx context.Context, username, deviceID string) (Push, error)
	// Status reports whether the push was approved, denied or timed out.
	Status(ctx context.Context, pushID string) (PushStatus, error)
	// ApproveWithCode approves a NeedsCode push with the code the app shows.
	ApproveWithCode(ctx context.Context, pushID, code string) error
}

// Set gives steps the provider for each role. Providers are built when first asked
// for, so a run that never reaches Duo never needs Duo's keys.
type Set interface {
	Codes() (CodeSender, error)
	Registrar() (PhoneRegistrar, error)
	Notifiers() ([]Notifier, error)
	Enroller() (Enroller, error)
	Pusher() (Pusher, error)
	// Enforcer returns nil when this run cannot require MFA itself (an end user's run):
	// support does it after the notice.
	Enforcer() (Enforcer, error)
	// Demo is true while any role is served by a fake: screens then say nothing is sent.
	Demo() bool
	// DemoRole is true when role is served by a fake.
	DemoRole(role Role) bool
}

// Role names a part a backend plays; config's providers section uses the same names.
type Role string

// The roles.
const (
	RoleSMS               Role = "sms"
	RolePhoneRegistration Role = "phone_registration"
	RoleNotify            Role = "notify"
	RoleDuo               Role = "duo"
)

// Errors a provider returns for situations a step handles.
var (
	ErrNotFound error = catalog.NewError("provider.not-found")
	// ErrWrongCode means a code typed from an authenticator app is not the current one.
	ErrWrongCode error = catalog.NewError("provider.wrong-code")
	// ErrCodeUsed means the code was right but has been used already.
	ErrCodeUsed error = catalog.NewError("provider.code-used")
	// ErrExpired means an activation or push is too old to be used.
	ErrExpired error = catalog.NewError("provider.expired")
	// ErrRateLimited means the service refuses more of this for now; wait and retry.
	ErrRateLimited error = catalog.NewError("provider.rate-limited")
)

// Checker proves, without changing anything, that a provider's credentials work and
// that this computer's clock agrees with the service ("mfa-onboard providers check").
type Checker interface {
	Check(ctx context.Context) []Check
}

// Check is the outcome of one harmless call.
type Check struct {
	// Name says what was checked, e.g. "duo admin api": a fixed label, like a config
	// key, the same in every language.
	Name string
	OK   bool
	// Detail is one sentence in English: what was seen, or what to do about it.
	Detail string
	// Said is Detail as the catalogue message or error it was made from, so that Say
	// gives it in the person's language; nil when Detail was written otherwise.
	Said error
}

// NewCheck is the outcome of the check name, its detail said by said: a catalogue
// message for what was seen, or the error that made it fail.
func NewCheck(name string, ok bool, said error) Check {
	return Check{Name: name, OK: ok, Detail: said.Error(), Said: said}
}

// Say is the check's detail in p's language.
func (c Check) Say(p *catalog.Printer) string {
	if c.Said == nil {
		return c.Detail
	}
	return p.Error(c.Said)
}

// SelfService is a CodeSender whose codes the person gets from the vendor's own page
// (Microsoft's security-info page texts the code and registers the phone): steps then
// walk the person through that page instead of sending a code.
type SelfService interface {
	// Page is the address the person opens.
	Page() string
}

// ErrCannotCheck means a provider has no way to read what was asked (the portal
// route without Graph credentials): the person's word has to do.
var ErrCannotCheck error = catalog.NewError("provider.cannot-check")

// Enforcer makes MFA required for a user in Microsoft 365 the way the tenant does it
// (per-user MFA, a group its Conditional Access policies apply to, or nothing beside
// security defaults), with a technician's Graph credentials. The backend chooses from
// its own configuration and the tenant's policies, so a step only records the outcome.
type Enforcer interface {
	// Enforce makes MFA required for user, or says why it is left to the tenant's
	// policies or to support; an error means it could neither do it nor tell which.
	Enforce(ctx context.Context, user string) (Enforcement, error)
}

// Enforcement is what Enforce did, and why.
type Enforcement struct {
	// How is one of the Enforced… or LeftTo… values.
	How string
	// Reason says why in one sentence, for the technician and for status, in English
	// (it is kept in the person's state as it is).
	Reason string
	// Said is Reason as a catalogue message, so that Say gives it in the person's
	// language; nil when Reason was written otherwise.
	Said catalog.Localized
}

// NewEnforcement is what an Enforcer did (how) and why, said by why.
func NewEnforcement(how string, why catalog.Localized) Enforcement {
	return Enforcement{How: how, Reason: why.Error(), Said: why}
}

// Say is Reason in p's language.
func (e Enforcement) Say(p *catalog.Printer) string {
	if e.Said == nil {
		return e.Reason
	}
	return e.Said.Localize(p)
}

// How an Enforcer dealt with a user.
const (
	// EnforcedPerUser: the user's per-user MFA state is "enforced".
	EnforcedPerUser = "per-user"
	// EnforcedGroup: the user is in the group the tenant requires MFA of.
	EnforcedGroup = "group"
	// EnforcedSecurityDefaults: security defaults already require MFA; nothing was set.
	EnforcedSecurityDefaults = "security-defaults"
	// LeftToConditionalAccess: Conditional Access policies decide and no group to add
	// the user to is configured; nothing was set.
	LeftToConditionalAccess = "conditional-access"
	// LeftToSupport: enforcing is configured off; the support desk does it.
	LeftToSupport = "none"
)

// Required is true when MFA is required for the user now.
func (e Enforcement) Required() bool {
	return e.How == EnforcedPerUser || e.How == EnforcedGroup || e.How == EnforcedSecurityDefaults
}
