package steps

import (
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/portal"
)

// portalSet is the portal route: codes by Microsoft's page, registration checked by
// reader (nil: cannot check).
type portalSet struct {
	provider.Set
	reader provider.PhoneRegistrar
}

func (p portalSet) Codes() (provider.CodeSender, error) {
	return portal.Codes{URL: "https://mysignins.microsoft.com/security-info"}, nil
}

func (p portalSet) Registrar() (provider.PhoneRegistrar, error) {
	return portal.Registrar{Reader: p.reader}, nil
}

func TestVerifyPortalWithoutReadAccessTakesThePersonsWord(t *testing.T) {
	h := verifyHarness(t)
	h.env.Providers = portalSet{Set: h.env.Providers}
	h.mustRun(Verify{}, answer(KeyVerifyPortalDone, "no"), answer(KeyVerifyPortalDone, "yes"))
	out := h.out.String()
	for _, want := range []string{"Link: https://mysignins.microsoft.com/security-info", "Text me a code", "+1 201-555-0100", "takes your word"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if v := h.env.State.Verify; v.VerifiedAt.IsZero() || v.RegisteredAt.IsZero() {
		t.Errorf("verify record = %+v", v)
	}
	if n := len(h.messages("sms")); n != 0 {
		t.Errorf("%d texts sent by the tool; on the portal route Microsoft sends the code", n)
	}
}

func TestVerifyPortalChecksWithReadAccess(t *testing.T) {
	h := verifyHarness(t)
	reader, _ := h.env.Providers.Registrar()
	h.env.Providers = portalSet{Set: h.env.Providers, reader: reader}
	h.mustRun(Verify{},
		answer(KeyVerifyPortalDone, "yes"), // not there yet
		answerWith(KeyVerifyPortalDone, func() string {
			reader.RegisterMobile(t.Context(), h.env.State.User, "+12015550100") // the person finishes on the page
			return "yes"
		}),
	)
	out := h.out.String()
	if !strings.Contains(out, "does not show +1 ***-***-0100") || !strings.Contains(out, "Microsoft 365 shows +1 ***-***-0100") {
		t.Errorf("the check before and after registering is not reported:\n%s", out)
	}
}
