package remind

import (
	"fmt"
	"strings"
	"time"

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

// Compose is the subject and body of p's message to st's person (or about them).
// Every piece of saved or configured text is made safe for one line, and the phone
// number is masked: a message is never where a full number or a control character
// goes.
func Compose(p Plan, st *state.State, t Texts, pol Policy, now time.Time) (subject, body string) {
	c := composer{p: p, st: st, t: t, now: now}
	if p.Kind == KindEscalate {
		return c.escalation()
	}
	return c.reminder(pol.Max)
}

type composer struct {
	p   Plan
	st  *state.State
	t   Texts
	now time.Time
}

func (c composer) user() string { return sanitize.Inline(c.p.User) }
func (c composer) org() string  { return sanitize.Inline(c.t.Organisation) }

func (c composer) phone() string {
	if c.st.Phone == nil || c.st.Phone.E164 == "" {
		return "your mobile phone"
	}
	return "your mobile phone (" + phone.Mask(c.st.Phone.E164) + ")"
}

// support is "the support desk at support@example.com", as config names them.
func (c composer) support() string {
	name, mail := sanitize.Inline(c.t.SupportName), sanitize.Inline(c.t.SupportEmail)
	if name == "" {
		name = "your support desk"
	}
	if mail == "" {
		return name
	}
	return name + " at " + mail
}

func (c composer) reminder(max int) (string, string) {
	var b strings.Builder
	who := "You"
	if c.p.Wait.Technician {
		who = "Your technician"
	}
	fmt.Fprintf(&b, "Hello,\n\n%s started setting up two-step sign-in for your %s account, %s, %s, and one step is still waiting for you:\n\n",
		who, c.org(), c.user(), ago(c.now.Sub(c.p.Wait.Since)))
	fmt.Fprintf(&b, "  %s\n\n", c.todo())
	if c.p.Wait.Technician {
		fmt.Fprintf(&b, "Your technician will call you to finish it with you: keep %s at hand. If you would rather not wait, contact %s.\n\n", c.phone(), c.support())
	} else {
		fmt.Fprintf(&b, "To carry on where you stopped, run this on your computer:\n\n  mfa-onboard start\n\nQuestions? Contact %s.\n\n", c.support())
	}
	fmt.Fprintf(&b, "This is reminder %d of %d.\n", c.p.Number, max)
	return fmt.Sprintf("Reminder: finish setting up two-step sign-in for %s", c.org()), b.String()
}

// todo is what the person still has to do, in their words, for the step they wait at.
func (c composer) todo() string {
	tech, ph, org := c.p.Wait.Technician, c.phone(), c.org()
	switch c.p.Wait.Step {
	case steps.Verify{}.ID():
		switch {
		case c.t.Portal:
			return fmt.Sprintf("Add %s as a sign-in method on Microsoft's security-info page, %s: choose \"Add sign-in method\", then \"Phone\", and \"Text me a code\".",
				ph, sanitize.Inline(c.t.SecurityInfo))
		case tech:
			return fmt.Sprintf("Prove that %s is yours: when your technician calls, read them the code texted to it.", ph)
		}
		return fmt.Sprintf("Prove that %s is yours by typing the code texted to it. A code works for a few minutes only, so a new one is texted when you carry on.", ph)
	case steps.OfficeApps{}.ID():
		if tech {
			return "Hear from your technician what the Office apps on your computer (Outlook, Word, Excel) will ask once two-step sign-in is required."
		}
		return "Read what the Office apps on your computer (Outlook, Word, Excel) will ask once two-step sign-in is required, and confirm you have read it."
	case steps.MobileMail{}.ID():
		if tech {
			return "Hear from your technician what the work mail app on your phone will ask."
		}
		return "Read what the work mail app on your phone will ask, and confirm you have read it."
	case steps.DuoInstall{}.ID():
		return "Install the Duo Mobile app on your phone, from the App Store or Google Play."
	case steps.DuoEnroll{}.ID():
		if d := c.st.Duo; d != nil && !d.ActivationTexted.IsZero() && c.now.Before(d.ActivationExpires) {
			return fmt.Sprintf("Add your phone to Duo: open the text message from %s on %s and tap the link in it, with Duo Mobile installed.", org, ph)
		}
		if tech {
			return fmt.Sprintf("Add your phone to Duo: your technician texts a new activation link to %s; tap it, with Duo Mobile installed.", ph)
		}
		return "Add your phone to Duo with Duo Mobile: the activation given earlier has expired, so a new one is given when you carry on."
	case steps.DuoTest{}.ID():
		if tech {
			return fmt.Sprintf("Approve the test sign-in request (a Duo Push) your technician sends to Duo Mobile on %s.", ph)
		}
		return fmt.Sprintf("Approve a test sign-in request (a Duo Push) in Duo Mobile: a new one is sent to %s when you carry on.", ph)
	}
	return "Finish the step \"" + sanitize.Inline(c.p.Wait.Step) + "\"."
}

// theirTodo is todo for someone told about the person.
func (c composer) theirTodo() string {
	switch c.p.Wait.Step {
	case steps.Verify{}.ID():
		return "prove that their mobile phone is theirs, with a code texted to it"
	case steps.OfficeApps{}.ID():
		return "read what the Office apps on their computer will ask"
	case steps.MobileMail{}.ID():
		return "read what the work mail app on their phone will ask"
	case steps.DuoInstall{}.ID():
		return "install the Duo Mobile app on their phone"
	case steps.DuoEnroll{}.ID():
		return "add their phone to Duo, by tapping the activation link texted to it"
	case steps.DuoTest{}.ID():
		return "approve a test Duo Push on their phone"
	}
	return "finish the step \"" + sanitize.Inline(c.p.Wait.Step) + "\""
}

func (c composer) escalation() (string, string) {
	var b strings.Builder
	user, rec := c.user(), c.p.Record
	fmt.Fprintf(&b, "Hello,\n\n%s started setting up two-step sign-in for their %s account %s and has not finished: one step is still waiting for them, to %s.\n\n",
		user, c.org(), ago(c.now.Sub(c.p.Wait.Since)), c.theirTodo())
	fmt.Fprintf(&b, "They were reminded %s by mail", times(rec.Sent))
	if !rec.LastSent.IsZero() {
		fmt.Fprintf(&b, ", the last time %s", ago(c.now.Sub(rec.LastSent)))
	}
	b.WriteString(", and no more reminders are sent.\n\n")
	how := "They carry on by running \"mfa-onboard start\" on their computer."
	if c.p.Wait.Technician {
		how = "Their technician finishes it with them on a call."
	}
	if c.p.Manager != "" {
		fmt.Fprintf(&b, "You get this because you are recorded as their manager: could you remind them? %s\n\nQuestions? Contact %s.\n", how, c.support())
	} else {
		num := "their mobile phone"
		if c.st.Phone != nil && c.st.Phone.E164 != "" {
			num = phone.Mask(c.st.Phone.E164)
		}
		fmt.Fprintf(&b, "No manager is recorded for them, so the support desk is told: please get in touch with them (%s). %s\n", num, how)
	}
	return fmt.Sprintf("%s has not finished setting up two-step sign-in (%s)", user, c.org()), b.String()
}

// ago says how long ago a wait began, the way a person would: "4 days ago".
func ago(d time.Duration) string {
	switch days := int(d / (24 * time.Hour)); {
	case days > 1:
		return fmt.Sprintf("%d days ago", days)
	case days == 1:
		return "a day ago"
	}
	if h := int(d / time.Hour); h > 1 {
		return fmt.Sprintf("%d hours ago", h)
	}
	return "an hour ago"
}

func times(n int) string {
	switch n {
	case 0:
		return "not once"
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
