package duo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
)

func TestEveryAttemptWaitsAtItsAPIsLimiter(t *testing.T) {
	var admin, auth *httpcall.Limiter
	f := newFixture(t, func(c *duo.Config) {
		admin = httpcall.NewLimiter("duo admin", 1000, c.Clock)
		auth = httpcall.NewLimiter("duo auth", 1000, c.Clock)
		c.HTTPClient = duo.Limited(c.HTTPClient, admin, auth)
	})
	f.srv.FailNext("/admin/v1/users", 429, 42901, "7")
	start := f.clk.Now()
	_, phoneID := f.enrolled(t, "alice@contoso.com", "+12015550100")
	if waited := f.clk.Now().Sub(start); waited < 7*time.Second || waited > 8*time.Second {
		t.Errorf("the 429 asked for 7 s and the run waited %s", waited)
	}
	if _, _, err := f.c.Ready(context.Background(), "alice@contoso.com", phoneID); err != nil {
		t.Fatal(err)
	}
	var toAdmin, toAuth int64
	for _, r := range f.srv.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/admin/"):
			toAdmin++
		case strings.HasPrefix(r.Path, "/auth/"):
			toAuth++
		}
	}
	if toAuth == 0 {
		t.Fatal("the test made no Auth API request")
	}
	if admin.Requests() != toAdmin || auth.Requests() != toAuth {
		t.Errorf("the limiters let through %d Admin and %d Auth API requests; Duo saw %d and %d (the retry after the 429 included)", admin.Requests(), auth.Requests(), toAdmin, toAuth)
	}
	if admin.Throttled() != 1 || auth.Throttled() != 0 {
		t.Errorf("throttled answers counted: admin %d, auth %d; want 1 and 0", admin.Throttled(), auth.Throttled())
	}
}
