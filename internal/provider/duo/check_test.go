package duo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*duo.Config)
		// want maps each check to "" for OK, else what its detail must say.
		want map[string]string
	}{
		{"all OK", nil, map[string]string{"duo auth api": "", "duo admin api": "", "duo clock": ""}},
		// The mods start from the server's clock, so the skew is exact.
		{"clock 2 minutes ahead", func(c *duo.Config) { c.Clock = clock.NewFake(c.Clock.Now().Add(2 * time.Minute)) },
			map[string]string{"duo auth api": "", "duo admin api": "", "duo clock": "this computer's clock is 120 s off Duo's: fix the clock"}},
		{"clock 30 s behind is fine", func(c *duo.Config) { c.Clock = clock.NewFake(c.Clock.Now().Add(-30 * time.Second)) },
			map[string]string{"duo auth api": "", "duo admin api": "", "duo clock": ""}},
		{"wrong auth secret key", func(c *duo.Config) { c.AuthSKey = "wrong" },
			map[string]string{"duo auth api": "duo.auth_skey_env", "duo admin api": "", "duo clock": ""}},
		{"wrong admin integration key", func(c *duo.Config) { c.AdminIKey = "DINOSUCHKEY000000000" },
			map[string]string{"duo auth api": "", "duo admin api": "duo.admin_ikey", "duo clock": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*duo.Config)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			f := newFixture(t, mods...)
			got := f.c.Check(context.Background())
			if len(got) != len(tt.want) {
				t.Fatalf("checks = %+v; want %d", got, len(tt.want))
			}
			for _, ck := range got {
				want, known := tt.want[ck.Name]
				switch {
				case !known:
					t.Errorf("unexpected check %q", ck.Name)
				case want == "" && !ck.OK:
					t.Errorf("%s failed: %s", ck.Name, ck.Detail)
				case want != "" && (ck.OK || !strings.Contains(ck.Detail, want)):
					t.Errorf("%s = %v %q; want a failure saying %q", ck.Name, ck.OK, ck.Detail, want)
				case ck.Detail == "":
					t.Errorf("%s has no detail", ck.Name)
				}
			}
			if n := len(f.requests("GET", "/auth/v2/ping")); n != 1 {
				t.Errorf("ping requests = %d; want 1", n)
			}
		})
	}
}

func TestNewNamesTheMissingKey(t *testing.T) {
	full := duo.Config{APIHost: "api-x.duosecurity.com", AdminIKey: "a", AdminSKey: "b", AuthIKey: "c", AuthSKey: "d"}
	tests := []struct {
		key string
		mod func(*duo.Config)
	}{
		{"duo.api_host", func(c *duo.Config) { c.APIHost = "" }},
		{"duo.api_host", func(c *duo.Config) { c.APIHost = "https://api-x.duosecurity.com/" }},
		{"duo.admin_ikey", func(c *duo.Config) { c.AdminIKey = "" }},
		{"duo.admin_skey", func(c *duo.Config) { c.AdminSKey = " " }},
		{"duo.auth_ikey", func(c *duo.Config) { c.AuthIKey = "" }},
		{"duo.auth_skey", func(c *duo.Config) { c.AuthSKey = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			cfg := full
			tt.mod(&cfg)
			if _, err := duo.New(cfg); err == nil || !strings.HasPrefix(err.Error(), tt.key) {
				t.Errorf("New = %v; want an error naming %s", err, tt.key)
			}
		})
	}
	if _, err := duo.New(full); err != nil {
		t.Errorf("New of a full config: %v", err)
	}
}

func TestSecretsStayHidden(t *testing.T) {
	cfg := duo.Config{APIHost: "api-x.duosecurity.com", AdminIKey: "DIADMIN", AdminSKey: "admin-secret-value", AuthIKey: "DIAUTH", AuthSKey: "auth-secret-value"}
	c, err := duo.New(cfg)
	must(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{cfg, &cfg, c} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, "secret-value") {
				t.Errorf("%s of %T shows a secret: %s", verb, v, s)
			}
		}
	}
}
