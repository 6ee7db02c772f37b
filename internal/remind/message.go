package remind

import (
	"fmt"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// Texts are what the messages say of the organisation, from config.
type Texts struct {
	Organisation string
	SupportName  string
	SupportEmail string
	// Portal is true when people prove their phone on Microsoft's security-info page
	// (providers.sms: portal), at SecurityInfo.
	Portal       bool
	SecurityInfo string
}

// Recipients of a message.
const (
	ToPerson  = "person"
	ToManager = "manager"
	ToSupport = "support"
)

// To is whom p's message goes to, and which of ToPerson, ToManager and ToSupport
// that is. The person's address is their user name: their Microsoft 365 sign-in
// name, which is their mail address wherever the tenant keeps the two the same.
func (p Plan) To(t Texts) (addr, who string) {
	switch {
	case p.Kind != KindEscalate:
		return p.User, ToPerson
	case p.Manager != "":
		return p.Manager, ToManager
	}
	return strings.TrimSpace(t.SupportEmail), ToSupport
}

// Compose is the subject and body of p's message to st's person (or about them), in
// text's language. Every piece of saved or configured text is made safe for one
// line, and the phone number is masked: a message is never where a full number or a
// control character goes.
func Compose(text *catalog.Printer, p Plan, st *state.State, t Texts, pol Policy, now time.Time) (subject, body string) {
	c := composer{p: p, st: st, t: t, now: now, text: text}
	if p.Kind == KindEscalate {
		return c.escalation()
	}
	return c.reminder(pol.Max)
}

type composer struct {
	p    Plan
	st   *state.State
	t    Texts
	now  time.Time
	text *catalog.Printer
}

func (c composer) user() string { return sanitize.Inline(c.p.User) }
func (c composer) org() string  { return sanitize.Inline(c.t.Organisation) }

// phone is "your mobile phone (+1 ***-***-0100)", as the person's message names it.
func (c composer) phone() string {
	if c.st.Phone == nil || c.st.Phone.E164 == "" {
		return c.text.T("remind.your-phone")
	}
	return c.text.T("remind.your-phone-masked", "Number", phone.Mask(c.st.Phone.E164))
}

// support is "the support desk at support@example.com", as config names them.
func (c composer) support() string {
	name, mail := sanitize.Inline(c.t.SupportName), sanitize.Inline(c.t.SupportEmail)
	switch {
	case name == "" && mail == "":
		return c.text.T("remind.your-support")
	case name == "":
		return c.text.T("remind.your-support-at", "Mail", mail)
	case mail == "":
		return name
	}
	return c.text.T("remind.support-at", "Name", name, "Mail", mail)
}

func (c composer) reminder(max int) (string, string) {
	var b strings.Builder
	t := c.text
	since := c.ago(c.now.Sub(c.p.Wait.Since))
	if c.p.Wait.Technician {
		b.WriteString(t.T("remind.hello.for", "Org", c.org(), "User", c.user(), "Since", since))
	} else {
		b.WriteString(t.T("remind.hello", "Org", c.org(), "User", c.user(), "Since", since))
	}
	fmt.Fprintf(&b, "\n\n  %s\n\n", c.todo())
	if c.p.Wait.Technician {
		b.WriteString(t.T("remind.carry-on.for", "Phone", c.phone(), "Support", c.support()))
	} else {
		b.WriteString(t.T("remind.carry-on", "Support", c.support()))
	}
	b.WriteString("\n\n" + t.T("remind.number", "Number", c.p.Number, "Max", max) + "\n")
	return t.T("remind.subject", "Org", c.org()), b.String()
}

// todo is what the person still has to do, in their words, for the step they wait at.
func (c composer) todo() string {
	t := c.text
	tech, ph, org := c.p.Wait.Technician, c.phone(), c.org()
	switch c.p.Wait.Step {
	case steps.Verify{}.ID():
		switch {
		case c.t.Portal:
			return t.T("remind.todo.verify-portal", "Phone", ph, "Link", sanitize.Inline(c.t.SecurityInfo))
		case tech:
			return t.T("remind.todo.verify.for", "Phone", ph)
		}
		return t.T("remind.todo.verify", "Phone", ph)
	case steps.OfficeApps{}.ID():
		if tech {
			return t.T("remind.todo.office-apps.for")
		}
		return t.T("remind.todo.office-apps")
	case steps.MobileMail{}.ID():
		if tech {
			return t.T("remind.todo.mobile-mail.for")
		}
		return t.T("remind.todo.mobile-mail")
	case steps.DuoInstall{}.ID():
		return t.T("remind.todo.duo-install")
	case steps.DuoEnroll{}.ID():
		if d := c.st.Duo; d != nil && !d.ActivationTexted.IsZero() && c.now.Before(d.ActivationExpires) {
			return t.T("remind.todo.duo-enroll-texted", "Org", org, "Phone", ph)
		}
		if tech {
			return t.T("remind.todo.duo-enroll.for", "Phone", ph)
		}
		return t.T("remind.todo.duo-enroll")
	case steps.DuoTest{}.ID():
		if tech {
			return t.T("remind.todo.duo-test.for", "Phone", ph)
		}
		return t.T("remind.todo.duo-test", "Phone", ph)
	}
	return t.T("remind.todo.other", "Step", sanitize.Inline(c.p.Wait.Step))
}

// theirTodo is todo for someone told about the person: what is left for them to do.
func (c composer) theirTodo() string {
	t := c.text
	switch c.p.Wait.Step {
	case steps.Verify{}.ID():
		return t.T("remind.their-todo.verify")
	case steps.OfficeApps{}.ID():
		return t.T("remind.their-todo.office-apps")
	case steps.MobileMail{}.ID():
		return t.T("remind.their-todo.mobile-mail")
	case steps.DuoInstall{}.ID():
		return t.T("remind.their-todo.duo-install")
	case steps.DuoEnroll{}.ID():
		return t.T("remind.their-todo.duo-enroll")
	case steps.DuoTest{}.ID():
		return t.T("remind.their-todo.duo-test")
	}
	return t.T("remind.their-todo.other", "Step", sanitize.Inline(c.p.Wait.Step))
}

func (c composer) escalation() (string, string) {
	var b strings.Builder
	t := c.text
	user, rec := c.user(), c.p.Record
	b.WriteString(t.T("remind.escalate.hello", "User", user, "Org", c.org(), "Since", c.ago(c.now.Sub(c.p.Wait.Since)), "Todo", c.theirTodo()))
	b.WriteString("\n\n")
	if rec.LastSent.IsZero() {
		b.WriteString(t.T("remind.escalate.reminded", "Times", c.times(rec.Sent)))
	} else {
		b.WriteString(t.T("remind.escalate.reminded-last", "Times", c.times(rec.Sent), "Last", c.ago(c.now.Sub(rec.LastSent))))
	}
	b.WriteString("\n\n")
	how := t.T("remind.escalate.how")
	if c.p.Wait.Technician {
		how = t.T("remind.escalate.how.for")
	}
	if c.p.Manager != "" {
		b.WriteString(t.T("remind.escalate.manager", "How", how, "Support", c.support()) + "\n")
	} else {
		num := t.T("remind.their-phone")
		if c.st.Phone != nil && c.st.Phone.E164 != "" {
			num = phone.Mask(c.st.Phone.E164)
		}
		b.WriteString(t.T("remind.escalate.support", "Number", num, "How", how) + "\n")
	}
	return t.T("remind.escalate.subject", "User", user, "Org", c.org()), b.String()
}

// ago says how long ago a wait began, the way a person would: "4 days ago".
func (c composer) ago(d time.Duration) string {
	if days := int(d / (24 * time.Hour)); days >= 1 {
		return c.text.T("remind.ago.days", "Count", days)
	}
	return c.text.T("remind.ago.hours", "Count", max(1, int(d/time.Hour)))
}

// times says how many reminders were sent: "twice".
func (c composer) times(n int) string {
	switch n {
	case 0:
		return c.text.T("remind.times.none")
	case 2:
		return c.text.T("remind.times.twice")
	}
	return c.text.T("remind.times", "Count", n)
}
