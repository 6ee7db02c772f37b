package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

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

// word is the table's LIVE cell: differs, cannot check (and why), or ok.
func (l *liveResult) word() string {
	switch {
	case l == nil:
		return "-"
	case len(l.Differences) > 0:
		return "differs"
	case !l.Checked:
		return "cannot check: " + l.Reason
	}
	return "ok"
}

// cell is the CSV's live cell: the word with every sentence behind it.
func (l *liveResult) cell() string {
	if l == nil {
		return ""
	}
	if len(l.Differences) == 0 {
		return l.word()
	}
	out := "differs: " + strings.Join(l.Differences, " | ")
	if !l.Checked {
		out += " | cannot check: " + l.Reason
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
	unchecked := func(format string, a ...any) {
		r.Checked = false
		reasons = append(reasons, fmt.Sprintf(format, a...))
	}
	if err := ctx.Err(); err != nil {
		r.Checked, r.Reason = false, "stopped before the vendors were asked"
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
		return "the demo's " + name
	}
	return name
}

// startOver is what to run for a person whose record no longer matches a vendor:
// forget the progress, then start again, which finds and reuses what the vendor
// still has (reset's own help says so).
func (c liveChecker) startOver(claim *recordClaim, what string) string {
	again := startCommand(c.program, claim.user, claim.byTechnician)
	return fmt.Sprintf("run %s reset --user %s --yes, then %s to %s", c.program, claim.user, again, what)
}

// checkMicrosoft compares the Microsoft 365 mobile method with the number the record
// registered (Graph: GET …/authentication/phoneMethods,
// https://learn.microsoft.com/graph/api/authentication-list-phonemethods).
func (c liveChecker) checkMicrosoft(ctx context.Context, claim *recordClaim, r *liveResult, unchecked func(string, ...any)) {
	m365 := c.vendor(provider.RolePhoneRegistration, "Microsoft 365")
	reg, err := c.set.Registrar()
	if err != nil {
		unchecked("%s cannot be asked: %v", m365, err)
		return
	}
	got, err := reg.MobileMethod(ctx, claim.user)
	switch {
	case errors.Is(err, provider.ErrCannotCheck):
		unchecked("%s's sign-in methods cannot be read with this configuration (add graph: credentials with UserAuthenticationMethod.Read.All)", m365)
	case err != nil:
		unchecked("%s did not answer for %s: %v", m365, claim.user, err)
	case got == "":
		r.Differences = append(r.Differences, fmt.Sprintf("%s has no mobile phone for %s, the record says %s was registered: it was removed there; %s",
			capital(m365), claim.user, phone.Mask(claim.mobile), c.startOver(claim, "register it again")))
	case got != claim.mobile:
		r.Differences = append(r.Differences, fmt.Sprintf("%s has %s as %s's mobile, the record says %s%s: if the record's is right, %s",
			capital(m365), phone.Mask(got), claim.user, phone.Mask(claim.mobile), sameEnding(got, claim.mobile), c.startOver(claim, "register it again")))
	}
}

// checkDuo compares Duo's user and phone with the ids the record keeps: the user
// by name (Retrieve Users, https://duo.com/docs/adminapi#retrieve-users), the
// phone by id (Retrieve Phone by ID, https://duo.com/docs/adminapi#retrieve-phone-by-id).
func (c liveChecker) checkDuo(ctx context.Context, claim *recordClaim, r *liveResult, unchecked func(string, ...any)) {
	duoName := c.vendor(provider.RoleDuo, "Duo")
	differs := func(format string, a ...any) {
		r.Differences = append(r.Differences, fmt.Sprintf(format, a...))
	}
	enr, err := c.set.Enroller()
	if err != nil {
		unchecked("%s cannot be asked: %v", duoName, err)
		return
	}
	userID := claim.duoUser
	userThere := true
	if claim.duoUser != "" {
		id, err := enr.FindUser(ctx, claim.user)
		switch {
		case errors.Is(err, provider.ErrNotFound):
			userThere = false
			differs("%s has no user %s, the record says %s: it was deleted in the Admin Panel (or a directory sync removed it); %s",
				capital(duoName), claim.user, claim.duoUser, c.startOver(claim, "enrol them again"))
		case err != nil:
			unchecked("%s did not answer for %s: %v", duoName, claim.user, err)
			userThere = false
		case id != claim.duoUser:
			differs("%s's user %s is %s, the record says %s: it was deleted and made again; %s",
				capital(duoName), claim.user, id, claim.duoUser, c.startOver(claim, "enrol them again"))
			userID = id
		}
	}
	if claim.duoPhone == "" {
		return
	}
	reader, ok := enr.(provider.PhoneReader)
	if !ok {
		unchecked("%s cannot say what it holds of a phone", duoName)
		return
	}
	p, err := reader.ReadPhone(ctx, userID, claim.duoPhone)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		differs("%s has no phone %s for %s: it was deleted in the Admin Panel; %s",
			capital(duoName), claim.duoPhone, claim.user, c.startOver(claim, "enrol the phone again"))
		return
	case err != nil:
		unchecked("%s did not answer about %s's phone %s: %v", duoName, claim.user, claim.duoPhone, err)
		return
	}
	if claim.duoNumber != "" && p.Number != claim.duoNumber {
		got := "no number"
		if p.Number != "" {
			got = phone.Mask(p.Number)
		}
		differs("%s's phone %s for %s has %s, the record says %s%s: it was changed in the Admin Panel; %s",
			capital(duoName), claim.duoPhone, claim.user, got, phone.Mask(claim.duoNumber), sameEnding(p.Number, claim.duoNumber), c.startOver(claim, "enrol the phone again"))
	}
	if claim.associated && userThere && !p.Attached {
		differs("%s's phone %s is not attached to %s's Duo user: it was detached in the Admin Panel; attach it there again, or %s",
			capital(duoName), claim.duoPhone, claim.user, c.startOver(claim, "enrol the phone again"))
	}
	switch {
	case !claim.activatedAt.IsZero() && !p.Activated:
		differs("Duo Mobile on %s's phone %s is not activated, though the record says it was at %s: it was reactivated or reset in the Admin Panel; %s",
			claim.user, claim.duoPhone, zoned(claim.activatedAt, c.zone), c.startOver(claim, "send a new activation"))
	case claim.activatedAt.IsZero() && p.Activated:
		differs("Duo Mobile on %s's phone %s is activated, which the record does not know yet: run %s to carry on",
			claim.user, claim.duoPhone, startCommand(c.program, claim.user, claim.byTechnician))
	}
}

// sameEnding warns when two different numbers mask alike.
func sameEnding(a, b string) string {
	if a != b && phone.Mask(a) == phone.Mask(b) {
		return " (another number with the same last digits)"
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
var anyNumber = regexp.MustCompile(`\+\d[\d ().-]{5,}\d`)

// safeLine is text from a record, a configuration or a vendor's answer made one
// safe line, every number in it masked: a vendor's error may quote one whole.
func safeLine(s string) string {
	return anyNumber.ReplaceAllStringFunc(sanitize.Inline(s), func(m string) string {
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
// not be checked, one line each, then the counts.
func writeLiveLines(w io.Writer, users []string, results []*liveResult) error {
	var ok, differ, unchecked int
	var lines []string
	for i, l := range results {
		if l == nil {
			continue
		}
		lines = append(lines, l.Differences...)
		if !l.Checked {
			lines = append(lines, fmt.Sprintf("Could not check %s: %s", sanitize.Inline(users[i]), l.Reason))
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
		b.WriteString("Where the record and the vendors disagree, and who could not be checked (asked just now):\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Live: %d agree, %d differ, %d could not be checked.\n", ok, differ, unchecked)
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
	return liveChecker{set: set, program: o.F.ProgramName(), zone: o.F.Clock.Now().Location()}, nil
}
