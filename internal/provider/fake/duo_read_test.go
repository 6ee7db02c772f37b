package fake_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
)

// The demo Duo says what it holds of a phone as real Duo's Retrieve Phone by ID
// does, for status --live: number, activation, and whether it is the user's.
func TestDemoDuoReadsAPhone(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := fake.NewServices(filepath.Join(dir, "demo-services.json"), fake.OptionsFrom(config.Default()), outbox.New(filepath.Join(dir, "outbox.jsonl"), nil), clk)
	duo := s.Duo()
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	alice, err := duo.CreateUser(ctx, "alice@contoso.com")
	must(err)
	bob, err := duo.CreateUser(ctx, "bob@contoso.com")
	must(err)
	active, err := duo.CreatePhone(ctx, "+12015550100", "ios")
	must(err)
	must(duo.Associate(ctx, alice, active))
	act, err := duo.NewActivation(ctx, active)
	must(err)
	key, err := otp.NewKeyFromURL(act.Link)
	must(err)
	code, err := totp.GenerateCode(key.Secret(), clk.Now())
	must(err)
	must(duo.ConfirmActivation(ctx, active, code))
	idle, err := duo.CreatePhone(ctx, "+12015550101", "android")
	must(err)

	var reader provider.PhoneReader = duo
	tests := []struct {
		name          string
		user, phoneID string
		want          provider.PhoneRecord
	}{
		{"activated and attached", alice, active, provider.PhoneRecord{Number: "+12015550100", Activated: true, Attached: true}},
		{"another user's phone", bob, active, provider.PhoneRecord{Number: "+12015550100", Activated: true}},
		{"a user the demo never made", "DUNOBODY", active, provider.PhoneRecord{Number: "+12015550100", Activated: true}},
		{"not activated, attached to nobody", alice, idle, provider.PhoneRecord{Number: "+12015550101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reader.ReadPhone(ctx, tt.user, tt.phoneID)
			if err != nil || got != tt.want {
				t.Errorf("ReadPhone = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	for _, gone := range []string{"DPGONE", active[:len(active)-1] + "9"} {
		if _, err := reader.ReadPhone(ctx, alice, gone); !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("ReadPhone(%s) = %v; want ErrNotFound", gone, err)
		}
	}
}
