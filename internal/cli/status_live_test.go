package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// recorded is what a person's record says of them, for the live checks: the number
// registered in Microsoft 365 (if any) and the Duo ids (if any).
type recorded struct {
	user, number                string
	duoUser, duoPhone           string
	activated, technicianRunner bool
}

// saveRecord writes the person's state file as the steps would have left it: every
// step done that the record implies.
func saveRecord(t *testing.T, home string, at time.Time, r recorded) {
	t.Helper()
	store := state.NewFiles(filepath.Join(home, profile.StateDir))
	store.SetRunner(state.Runner{OSUser: "jo", Machine: "PC-7"})
	st := state.New(r.user, at)
	st.ByTechnician = r.technicianRunner
	ids := []string{}
	for _, s := range steps.All() {
		ids = append(ids, s.ID())
	}
	done := 1
	st.Phone = &state.PhoneAnswer{E164: r.number, Country: "US", Source: state.FromAnswers}
	if r.number != "" {
		st.Verify = &state.VerifyRecord{SentTo: r.number, VerifiedAt: at, RegisteredAt: at, MethodID: "3179e48a-750b-4051-897c-87b9720928f7"}
		done = 6
	}
	if r.duoPhone != "" {
		st.Duo = &state.DuoRecord{UserID: r.duoUser, PhoneID: r.duoPhone, Associated: true}
		if r.activated {
			st.Duo.ActivatedAt = at
			done = 7
		}
	}
	for _, id := range ids[:done] {
		st.Mark(id, state.Done, "", at)
	}
	if err := store.Save(st); err != nil {
		t.Fatal(err)
	}
}

// livePerson is one person's live object in status --all --live --output json.
type livePerson struct {
	User string
	Live *liveResult
}

func liveJSON(t *testing.T, stdout string) map[string]*liveResult {
	t.Helper()
	var doc struct{ Users []livePerson }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	out := map[string]*liveResult{}
	for _, u := range doc.Users {
		if u.Live == nil {
			t.Fatalf("%s has no live object:\n%s", u.User, stdout)
		}
		out[u.User] = u.Live
	}
	return out
}

// wantLive checks each person's live object: agrees (no words), or one difference
// holding all the words, or (checked false) a reason holding them.
func wantLive(t *testing.T, got map[string]*liveResult, want map[string][]string, unchecked ...string) {
	t.Helper()
	for user, words := range want {
		l := got[user]
		if l == nil {
			t.Errorf("%s is not listed", user)
			continue
		}
		if slices.Contains(unchecked, user) {
			if l.Checked || !containsAll(l.Reason, words) {
				t.Errorf("%s: %+v; want not checked, because %q", user, l, words)
			}
			continue
		}
		switch {
		case !l.Checked:
			t.Errorf("%s: not checked: %s", user, l.Reason)
		case len(words) == 0 && len(l.Differences) > 0:
			t.Errorf("%s: differences %q; want none", user, l.Differences)
		case len(words) > 0 && (len(l.Differences) != 1 || !containsAll(l.Differences[0], words)):
			t.Errorf("%s: differences %q; want one saying %q", user, l.Differences, words)
		}
	}
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// On the demo, the demo's own records are the vendors' side: one person who agrees,
// one whose Microsoft 365 number was changed, one whose Duo phone is gone and one
// whose Duo Mobile is not activated though the record says it is.
func TestStatusLiveAgainstTheDemo(t *testing.T) {
	home := t.TempDir()
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	clk := clock.NewFake(at)
	demo := fake.NewServices(filepath.Join(home, profile.DemoFile), fake.OptionsFrom(config.Default()), outbox.New(filepath.Join(home, profile.OutboxFile), nil), clk)
	ctx := context.Background()
	m365, duo := demo.Registrar(), demo.Duo()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	enrol := func(user, number string, activate bool) (string, string) {
		uid, err := duo.CreateUser(ctx, user)
		must(err)
		pid, err := duo.CreatePhone(ctx, number, "ios")
		must(err)
		must(duo.Associate(ctx, uid, pid))
		if activate {
			act, err := duo.NewActivation(ctx, pid)
			must(err)
			key, err := otp.NewKeyFromURL(act.Link)
			must(err)
			code, err := totp.GenerateCode(key.Secret(), clk.Now())
			must(err)
			must(duo.ConfirmActivation(ctx, pid, code))
		}
		return uid, pid
	}
	for user, number := range map[string]string{"alice@contoso.com": "+12015550100", "bob@contoso.com": "+12015550199", "carol@contoso.com": "+12015550102", "dave@contoso.com": "+12015550103"} {
		_, err := m365.RegisterMobile(ctx, user, number)
		must(err)
	}
	aliceUID, alicePID := enrol("alice@contoso.com", "+12015550100", true)
	carolUID, _ := enrol("carol@contoso.com", "+12015550102", true)
	daveUID, davePID := enrol("dave@contoso.com", "+12015550103", false)
	saveRecord(t, home, at, recorded{user: "alice@contoso.com", number: "+12015550100", duoUser: aliceUID, duoPhone: alicePID, activated: true})
	saveRecord(t, home, at, recorded{user: "bob@contoso.com", number: "+12015550101"})
	saveRecord(t, home, at, recorded{user: "carol@contoso.com", number: "+12015550102", duoUser: carolUID, duoPhone: "DPDELETEDINTHEPANEL1", activated: true, technicianRunner: true})
	saveRecord(t, home, at, recorded{user: "dave@contoso.com", number: "+12015550103", duoUser: daveUID, duoPhone: davePID, activated: true})
	saveRecord(t, home, at, recorded{user: "erin@contoso.com"})

	code, stdout, stderr := run(t, nil, "status", "--all", "--live", "--home", home, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	wantLive(t, liveJSON(t, stdout), map[string][]string{
		"alice@contoso.com": nil,
		"bob@contoso.com":   {"Microsoft 365", "+1 ***-***-0199 as bob@contoso.com's mobile, the record says +1 ***-***-0101"},
		"carol@contoso.com": {"Duo has no phone DPDELETEDINTHEPANEL1 for carol@contoso.com", "deleted in the Admin Panel", "reset --user carol@contoso.com --yes", "start --for carol@contoso.com"},
		"dave@contoso.com":  {"Duo Mobile on dave@contoso.com's phone " + davePID + " is not activated", "start --user dave@contoso.com"},
		"erin@contoso.com":  nil,
	})
	if strings.Contains(stdout, "+1201555") {
		t.Errorf("a number is shown whole:\n%s", stdout)
	}

	_, table, _ := run(t, nil, "status", "--all", "--live", "--home", home)
	for _, want := range []string{"LIVE", "differs", "ok", "Duo has no phone DPDELETEDINTHEPANEL1 for carol@contoso.com"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table does not say %q:\n%s", want, table)
		}
	}
	rows := strings.Split(table, "\n")
	for _, line := range rows[:slices.Index(rows, "")] {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}

	_, csvOut, _ := run(t, nil, "status", "--all", "--live", "--home", home, "--output", "csv")
	records, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(records) != 6 || records[0][len(records[0])-1] != "live" {
		t.Fatalf("%v; want a header ending in live and 5 people\n%s", err, csvOut)
	}
	for _, r := range records[1:] {
		cell := r[len(r)-1]
		switch r[0] {
		case "alice@contoso.com", "erin@contoso.com":
			if cell != "ok" {
				t.Errorf("%s: live %q; want ok", r[0], cell)
			}
		default:
			if !strings.HasPrefix(cell, "differs: ") {
				t.Errorf("%s: live %q; want the difference", r[0], cell)
			}
		}
	}

	// Without --live nothing is asked and nothing changes in the documents.
	_, plain, _ := run(t, nil, "status", "--all", "--home", home, "--output", "json")
	if strings.Contains(plain, `"live"`) {
		t.Errorf("status --all without --live has a live object:\n%s", plain)
	}
}

// status --user X --live checks that one person, in the table's words and as the
// JSON's live object.
func TestStatusLiveOfOnePerson(t *testing.T) {
	home := t.TempDir()
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	clk := clock.NewFake(at)
	demo := fake.NewServices(filepath.Join(home, profile.DemoFile), fake.OptionsFrom(config.Default()), outbox.New(filepath.Join(home, profile.OutboxFile), nil), clk)
	if _, err := demo.Registrar().RegisterMobile(context.Background(), "bob@contoso.com", "+12015550199"); err != nil {
		t.Fatal(err)
	}
	saveRecord(t, home, at, recorded{user: "bob@contoso.com", number: "+12015550101"})
	saveRecord(t, home, at, recorded{user: "carl@contoso.com"})

	code, stdout, stderr := run(t, nil, "status", "--user", "bob@contoso.com", "--live", "--home", home)
	if code != 0 || !strings.Contains(stdout, "The demo's Microsoft 365 has +1 ***-***-0199 as bob@contoso.com's mobile, the record says +1 ***-***-0101") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, nil, "status", "--for", "bob@contoso.com", "--live", "--home", home, "--output", "json")
	var doc struct{ Live *liveResult }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 || doc.Live == nil || !doc.Live.Checked || len(doc.Live.Differences) != 1 {
		t.Errorf("exit %d, %v, live %+v\n%s", code, err, doc.Live, stdout)
	}
	code, stdout, _ = run(t, nil, "status", "--user", "carl@contoso.com", "--live", "--home", home)
	if code != 0 || !strings.Contains(stdout, "agree") {
		t.Errorf("exit %d; want the record and the vendors said to agree\n%s", code, stdout)
	}
}

// contractHome is a customer whose phones are registered through Graph and whose Duo
// is Duo, both the contract servers, wired as a technician would: through ca_file
// and the services' base URLs. f is given the process's limiters, for a test to
// count what waited at them.
type contractHome struct {
	home  string
	graph *graphtest.Server
	duo   *duotest.Server
	clock *clock.Fake
	env   map[string]string
}

func newContractHome(t *testing.T) *contractHome {
	t.Helper()
	h := &contractHome{home: t.TempDir(), clock: clock.NewFake(time.Now().Truncate(time.Second))}
	h.graph = graphtest.New(t)
	h.graph.SetClock(h.clock)
	h.duo = duotest.New(t, duotest.Options{Clock: h.clock})
	keys := duotest.DefaultKeys()
	cfg := fmt.Sprintf(`providers:
  phone_registration: graph
  duo: duo
ca_file: %s
graph:
  tenant_id: %s
  client_id: %s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %s
  base_url: %s
duo:
  api_host: %s
  admin_ikey: %s
  admin_skey_env: TEST_DUO_ADMIN_SKEY
  auth_ikey: %s
  auth_skey_env: TEST_DUO_AUTH_SKEY
  ca_file: %s
limits:
  rate: {duo: 50/s, graph: 50/s}
`, h.graph.WriteCA(t), graphtest.TenantID, graphtest.ClientID, h.graph.AuthorityHost(), h.graph.URL,
		h.duo.Host(), keys.AdminIKey, keys.AuthIKey, h.duo.WriteCAFile(t))
	if err := os.WriteFile(filepath.Join(h.home, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = map[string]string{"CI": "true", "TEST_GRAPH_SECRET": graphtest.ClientSecret, "TEST_DUO_ADMIN_SKEY": keys.AdminSKey, "TEST_DUO_AUTH_SKEY": keys.AuthSKey}
	return h
}

// factory is a run's factory in the home; vendors, when given, are the process's.
func (h *contractHome) factory(out, errOut *bytes.Buffer, vendors *vendorClients) *Factory {
	return &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, Getenv: func(k string) string { return h.env[k] },
		Clock: h.clock, HomeFlag: h.home, vendors: vendors}
}

// The same situations against the contract servers, and a vendor error for one
// person, which is that person's "cannot check" and nobody else's. Only reads go
// out, and every one waits at the process's limiter for its vendor.
func TestStatusLiveAgainstTheContractServers(t *testing.T) {
	h := newContractHome(t)
	at := h.clock.Now().Add(-time.Hour)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	set, err := func() (provider.Set, error) {
		dir, cfg, err := h.factory(&out, &errOut, nil).DirAndConfig()
		if err != nil {
			return nil, err
		}
		return h.factory(&out, &errOut, nil).Providers(dir, cfg, nil)
	}()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := set.Enroller()
	if err != nil {
		t.Fatal(err)
	}
	enrol := func(user, number string, activate bool) (string, string) {
		t.Helper()
		uid := h.duo.AddUser(user)
		pid, err := h.duo.AddPhone(number, "mobile", "apple ios")
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.Associate(ctx, uid, pid); err != nil {
			t.Fatal(err)
		}
		if activate {
			if _, err := admin.NewActivation(ctx, pid); err != nil {
				t.Fatal(err)
			}
			if err := h.duo.Activate(pid); err != nil {
				t.Fatal(err)
			}
		}
		return uid, pid
	}
	numbers := map[string]string{"alice@contoso.com": "+1 2015550100", "bob@contoso.com": "+1 2015550199", "carol@contoso.com": "+1 2015550102", "dave@contoso.com": "+1 2015550103", "erin@contoso.com": "+1 2015550104"}
	for user, number := range numbers {
		h.graph.AddMethod(user, "mobile", number)
	}
	aliceUID, alicePID := enrol("alice@contoso.com", "+12015550100", true)
	carolUID := h.duo.AddUser("carol@contoso.com")
	daveUID, davePID := enrol("dave@contoso.com", "+12015550103", false)
	erinUID, erinPID := enrol("erin@contoso.com", "+12015550104", true)
	saveRecord(t, h.home, at, recorded{user: "alice@contoso.com", number: "+12015550100", duoUser: aliceUID, duoPhone: alicePID, activated: true})
	saveRecord(t, h.home, at, recorded{user: "bob@contoso.com", number: "+12015550101"})
	saveRecord(t, h.home, at, recorded{user: "carol@contoso.com", number: "+12015550102", duoUser: carolUID, duoPhone: "DPDELETEDINTHEPANEL1", activated: true})
	saveRecord(t, h.home, at, recorded{user: "dave@contoso.com", number: "+12015550103", duoUser: daveUID, duoPhone: davePID, activated: true})
	saveRecord(t, h.home, at, recorded{user: "erin@contoso.com", number: "+12015550104", duoUser: erinUID, duoPhone: erinPID, activated: true})
	h.graph.FailNext("/v1.0/users/erin@contoso.com/authentication/phoneMethods", 500, 0)

	graphBefore, duoBefore := len(h.graph.Requests()), len(h.duo.Requests())
	vendors := newVendorClients(config.Default().Limits.Rate, h.clock)
	limits := vendors.limits
	out.Reset()
	errOut.Reset()
	code := Run(ctx, h.factory(&out, &errOut, vendors), []string{"--home", h.home, "status", "--all", "--live", "--output", "json"})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	wantLive(t, liveJSON(t, out.String()), map[string][]string{
		"alice@contoso.com": nil,
		"bob@contoso.com":   {"Microsoft 365 has +1 ***-***-0199 as bob@contoso.com's mobile, the record says +1 ***-***-0101"},
		"carol@contoso.com": {"Duo has no phone DPDELETEDINTHEPANEL1 for carol@contoso.com", "deleted in the Admin Panel", "reset --user carol@contoso.com --yes"},
		"dave@contoso.com":  {"Duo Mobile on dave@contoso.com's phone " + davePID + " is not activated"},
		"erin@contoso.com":  {"Microsoft 365", "erin@contoso.com"},
	}, "erin@contoso.com")

	graphReqs, duoReqs := h.graph.Requests()[graphBefore:], h.duo.Requests()[duoBefore:]
	graphCalls := 0
	for _, r := range graphReqs {
		if !strings.HasPrefix(r.Path, "/v1.0/") && !strings.HasPrefix(r.Path, "/beta/") {
			continue // the authority's: the token, which does not count against Graph's limits
		}
		graphCalls++
		if r.Method != "GET" {
			t.Errorf("status --live sent %s %s to Graph", r.Method, r.Path)
		}
	}
	for _, r := range duoReqs {
		if r.Method != "GET" {
			t.Errorf("status --live sent %s %s to Duo", r.Method, r.Path)
		}
	}
	if graphCalls == 0 || limits.graph.Requests() != int64(graphCalls) || limits.duoAdmin.Requests() != int64(len(duoReqs)) {
		t.Errorf("the limiters let %d Graph and %d Duo requests through; the servers saw %d and %d",
			limits.graph.Requests(), limits.duoAdmin.Requests(), graphCalls, len(duoReqs))
	}
}

// stubSet is a provider set whose Microsoft 365 and Duo answer from maps, counting
// how many questions are out at once.
type stubSet struct {
	provider.Set
	mobiles           map[string]string
	fail              map[string]error
	inFlight, highest atomic.Int32
	mu                sync.Mutex
}

func (s *stubSet) Registrar() (provider.PhoneRegistrar, error) { return s, nil }
func (s *stubSet) DemoRole(provider.Role) bool                 { return false }
func (s *stubSet) RegisterMobile(context.Context, string, string) (string, error) {
	return "", errors.New("status --live must not register anything")
}

func (s *stubSet) MobileMethod(ctx context.Context, user string) (string, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		h := s.highest.Load()
		if n <= h || s.highest.CompareAndSwap(h, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mobiles[user], s.fail[user]
}

// A few hundred people are checked a bounded few at a time, and one vendor error is
// that one person's sentence.
func TestLiveChecksAreBoundedAndAnErrorIsOnePersonsOnly(t *testing.T) {
	set := &stubSet{mobiles: map[string]string{}, fail: map[string]error{"p7@contoso.com": errors.New("Graph had an internal error: try again shortly")}}
	var claims []*recordClaim
	for i := range 300 {
		user := fmt.Sprintf("p%d@contoso.com", i)
		set.mobiles[user] = "+12015550100"
		claims = append(claims, &recordClaim{user: user, mobile: "+12015550100"})
	}
	c := liveChecker{set: set, program: "mfa-onboard", zone: time.UTC}
	results := c.checkAll(context.Background(), claims, 4)
	for i, r := range results {
		switch {
		case i == 7 && (r.Checked || !strings.Contains(r.Reason, "Microsoft 365 did not answer for p7@contoso.com: Graph had an internal error")):
			t.Errorf("p7: %+v; want its error as the reason", r)
		case i != 7 && (!r.Checked || len(r.Differences) > 0):
			t.Errorf("p%d: %+v; want checked and agreeing", i, r)
		}
	}
	if h := set.highest.Load(); h > 4 || h < 2 {
		t.Errorf("%d checks at once; want at most 4 (and more than 1)", h)
	}
}

// A Spanish run says the vendors' differences, the people it could not check and
// the totals in Spanish; the CSV's live cell keeps the words scripts compare.
func TestLiveSpeaksTheRunsLanguage(t *testing.T) {
	set := &stubSet{mobiles: map[string]string{"a@contoso.com": "+12015550199"}, fail: map[string]error{"b@contoso.com": errors.New("Graph had an internal error")}}
	es := catalog.New(language.Spanish)
	c := liveChecker{set: set, program: "mfa-onboard", zone: time.UTC, text: es}
	claims := []*recordClaim{{user: "a@contoso.com", mobile: "+12015550100"}, {user: "b@contoso.com", mobile: "+12015550100"}}
	results := c.checkAll(context.Background(), claims, 1)
	var out bytes.Buffer
	if err := writeLiveLines(&out, es, []string{"a@contoso.com", "b@contoso.com"}, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Microsoft 365 tiene +1 ***-***-0199 como móvil de a@contoso.com, y el registro dice +1 ***-***-0100: si el del registro es el correcto, ejecute mfa-onboard reset --user a@contoso.com --yes y luego mfa-onboard start --user a@contoso.com para registrarlo otra vez",
		"No se pudo comprobar a b@contoso.com: Microsoft 365 no respondió sobre b@contoso.com: Graph had an internal error",
		"En vivo: 0 coinciden, 1 difieren, 1 no se pudieron comprobar.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the Spanish lines do not say %q:\n%s", want, out.String())
		}
	}
	if w, cell := results[1].word(es), results[1].cell(); !strings.HasPrefix(w, "no se puede comprobar: ") || !strings.HasPrefix(cell, "cannot check: ") {
		t.Errorf("the table's word %q, the CSV's cell %q", w, cell)
	}
}
