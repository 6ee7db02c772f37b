package cli

import (
	"context"
	"errors"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// recordClaim is what a person's record says Microsoft 365 and Duo hold for them:
// what status --live asks the vendors about. Each field is "" (or false) where the
// record says nothing yet, and nothing is asked about it.
type recordClaim struct {
	user string
	// mobile is the number the record registered as the Microsoft 365 mobile.
	mobile string
	// duoUser and duoPhone are the Duo ids recorded, duoNumber the phone's number.
	duoUser, duoPhone, duoNumber string
	associated                   bool
	activatedAt                  time.Time
	// byTechnician says how to carry on for them (carryOn).
	byTechnician bool
}

// claimOf is what st says the vendors hold.
func claimOf(st *state.State) *recordClaim {
	c := &recordClaim{user: st.User, byTechnician: st.ByTechnician}
	number := ""
	if st.Phone != nil {
		number = st.Phone.E164
	}
	if v := st.Verify; v != nil && !v.RegisteredAt.IsZero() {
		c.mobile = number
	}
	if d := st.Duo; d != nil {
		c.duoUser, c.duoPhone, c.associated, c.activatedAt = d.UserID, d.PhoneID, d.Associated, d.ActivatedAt
		if d.PhoneID != "" {
			c.duoNumber = number
		}
	}
	return c
}

// liveResult is what the vendors said of one person: the JSON's live object.
// Differences are sentences a technician acts on, one a disagreement; Reason says
// why something could not be asked (Checked is then false).
type liveResult struct {
	Checked     bool     `json:"checked"`
	Differences []string `json:"differences"`
	Reason      string   `json:"reason,omitempty"`
}

// word is the table's LIVE cell, in t's language: differs, cannot check (and why),
// or ok.
func (l *liveResult) word(t *catalog.Printer) string {
	switch {
	case l == nil:
		return "-"
	case len(l.Differences) > 0:
		return t.T("status-live.word.differs")
	case !l.Checked:
		return t.T("status-live.word.cannot-check", "Reason", l.Reason)
	}
	return t.T("status-live.word.ok")
}

// cell is the CSV's live cell: ok, differs or cannot check, words a script reads
// and the same in every language, with every sentence behind them.
func (l *liveResult) cell() string {
	switch {
	case l == nil:
		return ""
	case len(l.Differences) == 0 && !l.Checked:
		return "cannot check: " + l.Reason // untranslated: a CSV value that scripts compare, then the reason
	case len(l.Differences) == 0:
		return "ok"
	}
	out := "differs: " + strings.Join(l.Differences, " | ")
	if !l.Checked {
		out += " | cannot check: " + l.Reason // untranslated: a CSV value that scripts compare, then the reason
	}
	return out
}

// liveChecker asks one provider set, the run's, so that every question to a vendor
// waits at the process's one limiter for it (roles.rateLimits).
type liveChecker struct {
	set provider.Set
	// program is how to run this program again (Factory.ProgramName).
	program string
	// zone is the one times are shown in, the computer's own.
	zone *time.Location
	// text is the language of the differences and reasons.
	text *catalog.Printer
}

// liveWorkers is how many people are checked at once: as batch's default, since
// each check mostly waits on a vendor and on its rate limit, where more would queue.
func liveWorkers(people int) int {
	return max(1, min(people, 2*runtime.GOMAXPROCS(0), 8))
}

// checkAll checks every claim, workers at a time, and returns the results in the
// same order. A person not reached before ctx ends is not checked, and says so.
func (c liveChecker) checkAll(ctx context.Context, claims []*recordClaim, workers int) []*liveResult {
	out := make([]*liveResult, len(claims))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, len(claims))) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(claims) {
					return
				}
				out[i] = c.check(ctx, claims[i])
			}
		})
	}
	wg.Wait()
	return out
}

// check asks Microsoft 365 and Duo about what the record says of one person. Every
// call only reads. An error is this person's reason, never the whole run's.
func (c liveChecker) check(ctx context.Context, claim *recordClaim) *liveResult {
	r := &liveResult{Checked: true, Differences: []string{}}
	var reasons []string
	unchecked := func(reason string) {
		r.Checked = false
		reasons = append(reasons, reason)
	}
	if err := ctx.Err(); err != nil {
		r.Checked, r.Reason = false, c.text.T("status-live.stopped")
		return r
	}
	if claim.mobile != "" {
		c.checkMicrosoft(ctx, claim, r, unchecked)
	}
	if claim.duoUser != "" || claim.duoPhone != "" {
		c.checkDuo(ctx, claim, r, unchecked)
	}
	for i, s := range r.Differences {
		r.Differences[i] = safeLine(s)
	}
	r.Reason = safeLine(strings.Join(reasons, "; "))
	return r
}

// vendor is the name of the service serving role: the demo's where the demo serves
// it, since its records are then the "vendor side" compared with.
func (c liveChecker) vendor(role provider.Role, name string) string {
	if c.set.DemoRole(role) {
		return c.text.T("status-live.demo-vendor", "Vendor", name)
	}
	return name
}

// What starting over does for a person, in startOver's sentence.
const (
	registerAgain = iota
	enrolAgain
	enrolPhoneAgain
	activateAgain
)

// startOver is what to run for a person whose record no longer matches a vendor:
// forget the progress, then start again, which finds and reuses what the vendor
// still has (reset's own help says so), to do what.
func (c liveChecker) startOver(claim *recordClaim, what int) string {
	again := startCommand(c.program, claim.user, claim.byTechnician)
	args := []any{"Program", c.program, "User", claim.user, "Again", again}
	switch what {
	case registerAgain:
		return c.text.T("status-live.fix.register", args...)
	case enrolAgain:
		return c.text.T("status-live.fix.enrol", args...)
	case enrolPhoneAgain:
		return c.text.T("status-live.fix.enrol-phone", args...)
	}
	return c.text.T("status-live.fix.activate", args...)
}

// checkMicrosoft compares the Microsoft 365 mobile method with the number the record
// registered (Graph: GET …/authentication/phoneMethods,
// https://learn.microsoft.com/graph/api/authentication-list-phonemethods).
func (c liveChecker) checkMicrosoft(ctx context.Context, claim *recordClaim, r *liveResult, unchecked func(string)) {
	t := c.text
	m365 := c.vendor(provider.RolePhoneRegistration, "Microsoft 365")
	reg, err := c.set.Registrar()
	if err != nil {
		unchecked(t.T("status-live.cannot-ask", "Vendor", m365, "Err", err))
		return
	}
	got, err := reg.MobileMethod(ctx, claim.user)
	switch {
	case errors.Is(err, provider.ErrCannotCheck):
		unchecked(t.T("status-live.cannot-read-methods", "Vendor", m365))
	case err != nil:
		unchecked(t.T("status-live.no-answer", "Vendor", m365, "User", claim.user, "Err", err))
	case got == "":
		r.Differences = append(r.Differences, t.T("status-live.m365.no-mobile",
			"Vendor", capital(m365), "User", claim.user, "Recorded", phone.Mask(claim.mobile), "Fix", c.startOver(claim, registerAgain)))
	case got != claim.mobile:
		r.Differences = append(r.Differences, t.T("status-live.m365.other-mobile",
			"Vendor", capital(m365), "Got", phone.Mask(got), "User", claim.user, "Recorded", phone.Mask(claim.mobile),
			"Same", c.sameEnding(got, claim.mobile), "Fix", c.startOver(claim, registerAgain)))
	}
}

// checkDuo compares Duo's user and phone with the ids the record keeps: the user
// by name (Retrieve Users, https://duo.com/docs/adminapi#retrieve-users), the
// phone by id (Retrieve Phone by ID, https://duo.com/docs/adminapi#retrieve-phone-by-id).
func (c liveChecker) checkDuo(ctx context.Context, claim *recordClaim, r *liveResult, unchecked func(string)) {
	t := c.text
	duoName := c.vendor(provider.RoleDuo, "Duo")
	differs := func(difference string) {
		r.Differences = append(r.Differences, difference)
	}
	enr, err := c.set.Enroller()
	if err != nil {
		unchecked(t.T("status-live.cannot-ask", "Vendor", duoName, "Err", err))
		return
	}
	userID := claim.duoUser
	userThere := true
	if claim.duoUser != "" {
		id, err := enr.FindUser(ctx, claim.user)
		switch {
		case errors.Is(err, provider.ErrNotFound):
			userThere = false
			differs(t.T("status-live.duo.no-user",
				"Vendor", capital(duoName), "User", claim.user, "Recorded", claim.duoUser, "Fix", c.startOver(claim, enrolAgain)))
		case err != nil:
			unchecked(t.T("status-live.no-answer", "Vendor", duoName, "User", claim.user, "Err", err))
			userThere = false
		case id != claim.duoUser:
			differs(t.T("status-live.duo.other-user",
				"Vendor", capital(duoName), "User", claim.user, "Got", id, "Recorded", claim.duoUser, "Fix", c.startOver(claim, enrolAgain)))
			userID = id
		}
	}
	if claim.duoPhone == "" {
		return
	}
	reader, ok := enr.(provider.PhoneReader)
	if !ok {
		unchecked(t.T("status-live.duo.cannot-read-phone", "Vendor", duoName))
		return
	}
	p, err := reader.ReadPhone(ctx, userID, claim.duoPhone)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		differs(t.T("status-live.duo.no-phone",
			"Vendor", capital(duoName), "Phone", claim.duoPhone, "User", claim.user, "Fix", c.startOver(claim, enrolPhoneAgain)))
		return
	case err != nil:
		unchecked(t.T("status-live.duo.no-answer-phone", "Vendor", duoName, "User", claim.user, "Phone", claim.duoPhone, "Err", err))
		return
	}
	if claim.duoNumber != "" && p.Number != claim.duoNumber {
		if p.Number == "" {
			differs(t.T("status-live.duo.phone-no-number",
				"Vendor", capital(duoName), "Phone", claim.duoPhone, "User", claim.user, "Recorded", phone.Mask(claim.duoNumber),
				"Same", c.sameEnding(p.Number, claim.duoNumber), "Fix", c.startOver(claim, enrolPhoneAgain)))
		} else {
			differs(t.T("status-live.duo.phone-other-number",
				"Vendor", capital(duoName), "Phone", claim.duoPhone, "User", claim.user, "Got", phone.Mask(p.Number), "Recorded", phone.Mask(claim.duoNumber),
				"Same", c.sameEnding(p.Number, claim.duoNumber), "Fix", c.startOver(claim, enrolPhoneAgain)))
		}
	}
	if claim.associated && userThere && !p.Attached {
		differs(t.T("status-live.duo.detached",
			"Vendor", capital(duoName), "Phone", claim.duoPhone, "User", claim.user, "Fix", c.startOver(claim, enrolPhoneAgain)))
	}
	switch {
	case !claim.activatedAt.IsZero() && !p.Activated:
		differs(t.T("status-live.duo.not-activated",
			"User", claim.user, "Phone", claim.duoPhone, "At", zoned(claim.activatedAt, c.zone), "Fix", c.startOver(claim, activateAgain)))
	case claim.activatedAt.IsZero() && p.Activated:
		differs(t.T("status-live.duo.activated",
			"User", claim.user, "Phone", claim.duoPhone, "Again", startCommand(c.program, claim.user, claim.byTechnician)))
	}
}

// sameEnding warns when two different numbers mask alike: a note for the end of the
// sentence that names them, or "".
func (c liveChecker) sameEnding(a, b string) string {
	if a != b && phone.Mask(a) == phone.Mask(b) {
		return c.text.T("status-live.same-ending")
	}
	return ""
}

// capital is s with its first letter upper-case, to start a sentence.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// zoned is t in zone, the zone named: a receipt or a sentence read later, elsewhere,
// must say which clock it means.
func zoned(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(zone).Format("2006-01-02 15:04 MST")
}

// anyNumber is a phone number as people and services write one: "+", then digits
// with the usual separators (as the audit masks them).
var anyNumber = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\+\d[\d ().-]{5,}\d`) })

// safeLine is text from a record, a configuration or a vendor's answer made one
// safe line, every number in it masked: a vendor's error may quote one whole.
func safeLine(s string) string {
	return anyNumber().ReplaceAllStringFunc(sanitize.Inline(s), func(m string) string {
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

// writeLiveLines prints, after a table, each disagreement and each person who could
// not be checked, one line each, then the counts, in t's language.
func writeLiveLines(w io.Writer, t *catalog.Printer, users []string, results []*liveResult) error {
	var ok, differ, unchecked int
	var lines []string
	for i, l := range results {
		if l == nil {
			continue
		}
		lines = append(lines, l.Differences...)
		if !l.Checked {
			lines = append(lines, t.T("status-live.could-not-check", "User", sanitize.Inline(users[i]), "Reason", l.Reason))
		}
		switch {
		case len(l.Differences) > 0:
			differ++
		case !l.Checked:
			unchecked++
		default:
			ok++
		}
	}
	var b strings.Builder
	b.WriteByte('\n')
	if len(lines) > 0 {
		b.WriteString(t.T("status-live.heading") + "\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		b.WriteByte('\n')
	}
	b.WriteString(t.T("status-live.totals", "Agree", ok, "Differ", differ, "Unchecked", unchecked) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// liveCheckerFor is the checker of this run: its provider set, built once for all
// the people checked, so that they share the vendors' limiters.
func liveCheckerFor(o *StatusOptions) (liveChecker, error) {
	dir, cfg, err := o.F.DirAndConfig()
	if err != nil {
		return liveChecker{}, err
	}
	set, err := o.F.Providers(dir, cfg, o.F.Screen())
	if err != nil {
		return liveChecker{}, err
	}
	return liveChecker{set: set, program: o.F.ProgramName(), zone: o.F.Clock.Now().Location(), text: o.F.Text}, nil
}
