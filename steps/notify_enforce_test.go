package steps

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// enforcing is the demo set with an Enforcer, as a technician's run has one.
type enforcing struct {
	provider.Set
	enforcer provider.Enforcer
}

func (e enforcing) Enforcer() (provider.Enforcer, error) { return e.enforcer, nil }

// stubEnforcer answers every Enforce with the same outcome and counts the calls.
type stubEnforcer struct {
	out   provider.Enforcement
	err   error
	users []string
}

func (s *stubEnforcer) Enforce(_ context.Context, user string) (provider.Enforcement, error) {
	s.users = append(s.users, user)
	return s.out, s.err
}

func TestNotifySupportRecordsWhatEnforcingDid(t *testing.T) {
	tests := []struct {
		name         string
		out          provider.Enforcement
		wantEnforced bool
		wantSaid     string
	}{
		{"per-user MFA", provider.Enforcement{How: provider.EnforcedPerUser, Reason: "per-user MFA is set to enforced: the tenant uses neither"},
			true, "MFA is now required for alice@example.com: per-user MFA is set to enforced"},
		{"a group", provider.Enforcement{How: provider.EnforcedGroup, Reason: "added to graph.enforcement_group g: graph.enforcement is group"},
			true, "MFA is now required for alice@example.com: added to graph.enforcement_group g"},
		{"security defaults", provider.Enforcement{How: provider.EnforcedSecurityDefaults, Reason: "security defaults are on in this tenant"},
			true, "MFA is now required for alice@example.com: security defaults are on"},
		{"Conditional Access without a group", provider.Enforcement{How: provider.LeftToConditionalAccess, Reason: "the Conditional Access policy “X” requires MFA"},
			false, "MFA is not required for alice@example.com by this run: the Conditional Access policy “X” requires MFA"},
		{"none", provider.Enforcement{How: provider.LeftToSupport, Reason: "graph.enforcement is none, so the support desk makes MFA required"},
			false, "MFA is not required for alice@example.com by this run: graph.enforcement is none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
			stub := &stubEnforcer{out: tt.out}
			h.env.Providers = enforcing{Set: h.env.Providers, enforcer: stub}
			h.mustRun(NotifySupport{})
			rec := h.env.State.Notice
			if len(stub.users) != 1 || stub.users[0] != "alice@example.com" {
				t.Fatalf("Enforce calls = %v; want one for alice", stub.users)
			}
			if rec.Enforcement != tt.out.How || rec.EnforcementReason != tt.out.Reason {
				t.Errorf("recorded %q, %q; want %q, %q", rec.Enforcement, rec.EnforcementReason, tt.out.How, tt.out.Reason)
			}
			if !rec.EnforcedAt.IsZero() != tt.wantEnforced || EnforcementPending(h.env.State) == tt.wantEnforced {
				t.Errorf("enforced at %v, pending %v; want enforced %v", rec.EnforcedAt, EnforcementPending(h.env.State), tt.wantEnforced)
			}
			if !strings.Contains(h.out.String(), tt.wantSaid) {
				t.Errorf("screen does not say %q:\n%s", tt.wantSaid, h.out)
			}
			if !strings.Contains(strings.Join(h.env.Guidance, "\n"), tt.out.Reason) {
				t.Errorf("guidance %q does not keep the reason %q", h.env.Guidance, tt.out.Reason)
			}
		})
	}
}

// An enforcer that cannot tell (the policies unreadable) fails the step with its
// sentence, after the notice went out; the re-run tells nobody twice and tries again.
func TestNotifySupportFailsWhenEnforcingCannotTell(t *testing.T) {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	stub := &stubEnforcer{err: errors.New("could not read the tenant's security defaults and Conditional Access policies: grant Policy.Read.All")}
	h.env.Providers = enforcing{Set: h.env.Providers, enforcer: stub}
	err := h.run(NotifySupport{})
	if err == nil || !strings.Contains(err.Error(), "require MFA for alice@example.com: could not read") {
		t.Fatalf("NotifySupport = %v; want the enforcer's sentence", err)
	}
	if h.env.State.Notice.Enforcement != "" || !h.env.State.Notice.EnforcedAt.IsZero() {
		t.Errorf("notice record %+v; want no enforcement recorded", h.env.State.Notice)
	}
	stub.err, stub.out = nil, provider.Enforcement{How: provider.EnforcedPerUser, Reason: "per-user MFA is set to enforced: graph.enforcement is per-user"}
	h.mustRun(NotifySupport{})
	if n := len(h.messages("email")); n != 1 {
		t.Errorf("%d notices sent; want one across both runs", n)
	}
	if len(stub.users) != 2 || h.env.State.Notice.Enforcement != provider.EnforcedPerUser {
		t.Errorf("Enforce calls %v, recorded %q; want a second call that enforced", stub.users, h.env.State.Notice.Enforcement)
	}
}
