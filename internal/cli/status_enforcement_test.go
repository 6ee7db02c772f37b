package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// Status says, on the notify step's line, whether MFA is required now and how, or
// that it is pending and why, as the technician's run recorded it.
func TestStatusShowsWhatEnforcingDid(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		notice *state.NoticeRecord
		want   string
	}{
		{"not told yet", &state.NoticeRecord{ID: "n", Started: t0}, ""},
		{"told by an end user's run", &state.NoticeRecord{ID: "n", Started: t0, SentAt: t0}, "notified, enforcement pending"},
		{"per-user MFA", &state.NoticeRecord{ID: "n", Started: t0, SentAt: t0, EnforcedAt: t0, Enforcement: "per-user",
			EnforcementReason: "per-user MFA is set to enforced: the tenant uses neither security defaults nor a Conditional Access policy that requires MFA"},
			"notified; MFA required (per-user MFA is set to enforced: the tenant uses neither security defaults nor a Conditional Access policy that requires MFA)"},
		{"security defaults", &state.NoticeRecord{ID: "n", Started: t0, SentAt: t0, EnforcedAt: t0, Enforcement: "security-defaults",
			EnforcementReason: "security defaults are on in this tenant and already require every user to register for MFA, so per-user MFA is not set beside them"},
			"notified; MFA required (security defaults are on in this tenant and already require every user to register for MFA, so per-user MFA is not set beside them)"},
		{"Conditional Access without a group", &state.NoticeRecord{ID: "n", Started: t0, SentAt: t0, Enforcement: "conditional-access",
			EnforcementReason: "the Conditional Access policy “Require MFA” requires MFA in this tenant, so per-user MFA is not set beside it, and no group to add the user to is configured: set graph.enforcement_group"},
			"notified, enforcement pending (the Conditional Access policy “Require MFA” requires MFA in this tenant, so per-user MFA is not set beside it, and no group to add the user to is configured: set graph.enforcement_group)"},
		{"enforced by an earlier version, no reason kept", &state.NoticeRecord{ID: "n", Started: t0, SentAt: t0, EnforcedAt: t0}, "notified; MFA required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := state.New("alice@contoso.com", t0)
			st.Notice = tt.notice
			st.Mark((steps.NotifySupport{}).ID(), state.Done, "", t0)
			sum := summarize(nil, steps.All(), st)
			var got string
			for _, s := range sum.Steps {
				if s.ID == (steps.NotifySupport{}).ID() {
					got = s.Reason
				}
			}
			if got != tt.want {
				t.Errorf("notify-support reason = %q; want %q", got, tt.want)
			}
			var table bytes.Buffer
			if err := writeTable(&table, nil, sum, "mfa-onboard start"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), tt.want) {
				t.Errorf("status table does not show %q:\n%s", tt.want, table.String())
			}
		})
	}
}
