package duo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// ReadPhone says what Duo holds of a phone for status --live, with one GET and no
// change: its number, whether it is activated, and whether it is the user's.
func TestReadPhoneSaysWhatDuoHolds(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	alice, active := f.enrolled(t, "alice@contoso.com", "+12015550100")
	bob := f.srv.AddUser("bob@contoso.com")
	idle, err := f.srv.AddPhone("+12015550101", "mobile", "apple ios")
	must(t, err)

	var reader provider.PhoneReader = f.c
	tests := []struct {
		name          string
		user, phoneID string
		want          provider.PhoneRecord
	}{
		{"activated and attached", alice, active, provider.PhoneRecord{Number: "+12015550100", Activated: true, Attached: true}},
		{"another user's phone", bob, active, provider.PhoneRecord{Number: "+12015550100", Activated: true}},
		{"not activated, attached to nobody", bob, idle, provider.PhoneRecord{Number: "+12015550101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.srv.Requests())
			got, err := reader.ReadPhone(ctx, tt.user, tt.phoneID)
			if err != nil || got != tt.want {
				t.Fatalf("ReadPhone = %+v, %v; want %+v", got, err, tt.want)
			}
			reqs := f.srv.Requests()[before:]
			if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/admin/v1/phones/"+tt.phoneID {
				t.Errorf("requests %+v; want one GET of the phone", reqs)
			}
		})
	}
}

func TestReadPhoneOfADeletedPhoneIsNotFound(t *testing.T) {
	f := newFixture(t)
	alice := f.srv.AddUser("alice@contoso.com")
	_, err := f.c.ReadPhone(context.Background(), alice, "DPGONEGONEGONEGONE01")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("ReadPhone of a phone Duo does not have = %v; want ErrNotFound", err)
	}
}

func TestReadPhoneRefusesAnIDThatIsNotDuos(t *testing.T) {
	f := newFixture(t)
	if _, err := f.c.ReadPhone(context.Background(), "DU1", "../users"); err == nil || len(f.srv.Requests()) != 0 {
		t.Errorf("ReadPhone of a path = %v after %d requests; want a refusal before any", err, len(f.srv.Requests()))
	}
}
