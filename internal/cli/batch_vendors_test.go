package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/vendortest"
)

// A batch's runs share the vendors' clients: whatever a client learns once (the
// Twilio service's code length, a Graph token, the tenant's MFA policies) is not
// asked again for every person, and the runs, several at once, use it safely.
func TestBatchRunsShareWhatTheVendorsToldThem(t *testing.T) {
	const people = 6
	world := vendortest.New(t, vendortest.Options{Rate: 200, Enforcement: "auto"})
	world.Graph.AddConditionalAccessPolicy(graphtest.CAPolicy{Name: "Require MFA", State: graphtest.CAEnabled, Controls: []string{"mfa"}})
	home := t.TempDir()
	env := map[string]string{"CI": "true"}
	for _, kv := range world.Configure(t, home) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	batchOf := func(name string, from int, args ...string) string {
		t.Helper()
		rows := []string{"user,phone,country,platform"}
		for i := from; i < from+people; i++ {
			u := fmt.Sprintf("user%d@contoso.com", i)
			world.AddPeople(u)
			rows = append(rows, fmt.Sprintf("%s,+1 201 555 01%02d,US,ios", u, i))
		}
		file := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(file, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(k string) string { return env[k] },
			Clock: clock.Real{}, Whoami: func() (string, string) { return "tech", "PC-1" }}
		code := Run(context.Background(), f, append([]string{"--home", home, "batch", file, "-j", "3"}, args...))
		if code != 0 && code != 3 {
			t.Fatalf("batch %s: exit %d\n%s\n%s", name, code, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	count := func(reqs []graphtest.Request, pred func(graphtest.Request) bool) int {
		n := 0
		for _, r := range reqs {
			if pred(r) {
				n++
			}
		}
		return n
	}

	// Each run texts a code and waits for it: Twilio's service is read once.
	batchOf("texted.csv", 0)
	services, sent := 0, 0
	for _, r := range world.Twilio.Requests() {
		switch {
		case r.Method == "GET" && r.Path == "/v2/Services/"+twiliotest.ServiceSID:
			services++
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/Verifications"):
			sent++
		}
	}
	if services != 1 || sent != people {
		t.Errorf("Twilio saw the service read %d times and %d codes sent for %d people; want 1 and %d", services, sent, people, people)
	}

	// Trusted numbers: each run registers the number, enforces and sets up Duo.
	before := len(world.Graph.Requests())
	out := batchOf("trusted.csv", 10, "--trust-phone", "--reason", "numbers from HR")
	reqs := world.Graph.Requests()[before:]
	tokens := count(reqs, func(r graphtest.Request) bool { return strings.HasSuffix(r.Path, "/oauth2/v2.0/token") })
	policies := count(reqs, func(r graphtest.Request) bool { return r.Path == "/v1.0/identity/conditionalAccess/policies" })
	if tokens != 1 || policies != 1 {
		t.Errorf("for %d people the batch asked for %d tokens and read the policies %d times; want once each", people, tokens, policies)
	}
	if got := world.Graph.Members(vendortest.Group); len(got) != people {
		t.Errorf("the group has %v; want the %d people of the batch\n%s", got, people, out)
	}
}
