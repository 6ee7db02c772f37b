package duo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

func TestDuoContract(t *testing.T) {
	providertest.DuoContract(t, func(t *testing.T) providertest.DuoService {
		f := newFixture(t)
		return providertest.DuoService{
			Enroller:   f.c,
			Pusher:     f.c,
			ShowsAgain: false,
			Activate:   func(t *testing.T, phoneID string, _ provider.Activation) { must(t, f.srv.Activate(phoneID)) },
			Approve:    func(t *testing.T, p provider.Push) { must(t, f.srv.AnswerPushID(p.ID, "allow")) },
			PushedTo: func(t *testing.T, p provider.Push) string {
				device, ok := f.srv.PushDevice(p.ID)
				if !ok {
					t.Fatalf("the fake Duo has no push %s", p.ID)
				}
				return device
			},
		}
	})
}

func TestHappyPath(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(c *duo.Config) { c.CreateUsers = false })
	want := f.srv.AddUser("alice@contoso.com")

	uid, err := f.c.FindUser(ctx, "alice@contoso.com")
	must(t, err)
	if uid != want {
		t.Fatalf("FindUser = %s; want %s", uid, want)
	}
	if _, err := f.c.FindPhone(ctx, "+12015550100"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("FindPhone of a new number = %v; want ErrNotFound", err)
	}
	pid, err := f.c.CreatePhone(ctx, "+12015550100", "ios")
	must(t, err)
	phones := f.srv.Phones()
	if len(phones) != 1 || phones[0].Type != "Mobile" || phones[0].Platform != "Apple iOS" || phones[0].Number != "+12015550100" {
		t.Fatalf("phones on the server = %+v; want one Mobile Apple iOS", phones)
	}
	if form, _ := url.ParseQuery(f.requests("POST", "/admin/v1/phones")[0].Body); form.Get("platform") != "apple ios" || form.Get("type") != "mobile" {
		t.Errorf("create phone sent %v; want type=mobile platform=apple ios", form)
	}
	must(t, f.c.Associate(ctx, uid, pid))
	if u := f.srv.Users()[0]; len(u.PhoneIDs) != 1 || u.PhoneIDs[0] != pid {
		t.Fatalf("user phones = %v; want [%s]", u.PhoneIDs, pid)
	}

	act, err := f.c.NewActivation(ctx, pid)
	must(t, err)
	// The QR code is the duo:// value of activation_barcode (what Duo Mobile's "Use QR
	// code" reads); the deep link to open on the phone is a different thing, kept apart.
	if act.NeedsCode || !strings.HasPrefix(act.Link, "duo://") || !strings.HasPrefix(act.OpenLink, "https://") ||
		!strings.HasSuffix(act.OpenLink, strings.TrimPrefix(act.Link, "duo://")) || !act.ExpiresAt.Equal(f.clk.Now().Add(activationValid)) {
		t.Fatalf("activation = %+v; want a duo:// code to scan, the https link to open apart, no code, expiry in %s", act, activationValid)
	}
	if form, _ := url.ParseQuery(f.requests("POST", "/admin/v1/phones/"+pid+"/activation_url")[0].Body); form.Get("valid_secs") != "120" || form.Get("install") != "1" {
		t.Errorf("activation_url sent %v; want valid_secs=120 install=1", form)
	}
	if ok, _, err := f.c.Ready(ctx, "alice@contoso.com", pid); err != nil || ok {
		t.Fatalf("Ready before activation = %v, %v", ok, err)
	}
	if ok, err := f.c.Activated(ctx, pid); err != nil || ok {
		t.Fatalf("Activated before scanning = %v, %v", ok, err)
	}
	must(t, f.srv.Activate(pid))
	if ok, err := f.c.Activated(ctx, pid); err != nil || !ok {
		t.Fatalf("Activated after scanning = %v, %v", ok, err)
	}
	if ok, reason, err := f.c.Ready(ctx, "alice@contoso.com", pid); err != nil || !ok {
		t.Fatalf("Ready after activation = %v (%s), %v", ok, reason, err)
	}
	push, err := f.c.Push(ctx, "alice@contoso.com", pid)
	must(t, err)
	if push.NeedsCode || push.ID == "" {
		t.Fatalf("push = %+v", push)
	}
	if form, _ := url.ParseQuery(f.requests("POST", "/auth/v2/auth")[0].Body); form.Encode() != "async=1&device="+pid+"&factor=push&username=alice%40contoso.com" {
		t.Errorf("auth sent %s", form.Encode())
	}
	if st, err := f.c.Status(ctx, push.ID); err != nil || st.Result != provider.PushWaiting {
		t.Fatalf("Status before answer = %+v, %v", st, err)
	}
	must(t, f.srv.AnswerPush("alice@contoso.com", "allow"))
	if st, err := f.c.Status(ctx, push.ID); err != nil || st.Result != provider.PushAllowed {
		t.Fatalf("Status after approval = %+v, %v", st, err)
	}
}

func TestCreateUser(t *testing.T) {
	tests := []struct {
		name   string
		create bool
		errHas string
		users  int
	}{
		{"refused when duo.create_users is false", false, "duo.create_users: true", 0},
		{"created when duo.create_users is true", true, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *duo.Config) { c.CreateUsers = tt.create })
			ctx := context.Background()
			if _, err := f.c.FindUser(ctx, "alice@contoso.com"); !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("FindUser = %v; want ErrNotFound", err)
			}
			id, err := f.c.CreateUser(ctx, "alice@contoso.com")
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) || !strings.Contains(err.Error(), "Duo Admin Panel") {
					t.Fatalf("CreateUser = %v; want an error saying %q", err, tt.errHas)
				}
			} else if err != nil || id == "" {
				t.Fatalf("CreateUser = %q, %v", id, err)
			}
			if got := len(f.srv.Users()); got != tt.users {
				t.Errorf("users on the server = %d; want %d", got, tt.users)
			}
			if !tt.create && len(f.requests("POST", "/admin/v1/users")) != 0 {
				t.Error("CreateUser asked Duo although duo.create_users is false")
			}
		})
	}
}

func TestCreateUserThatAppearedMeanwhile(t *testing.T) {
	f := newFixture(t)
	want := f.srv.AddUser("alice@contoso.com")
	got, err := f.c.CreateUser(context.Background(), "Alice@Contoso.com")
	if err != nil || got != want {
		t.Fatalf("CreateUser of an existing user = %q, %v; want %s", got, err, want)
	}
}

func TestPhoneAlreadyExists(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	want, err := f.srv.AddPhone("+1 201-555-0100", "mobile", "google android")
	must(t, err)
	got, err := f.c.FindPhone(ctx, "+12015550100")
	if err != nil || got != want {
		t.Fatalf("FindPhone = %q, %v; want %s", got, err, want)
	}
	// Creating it anyway (a lost answer, a race) gives the same phone, not a second one.
	again, err := f.c.CreatePhone(ctx, "+12015550100", "android")
	if err != nil || again != want {
		t.Fatalf("CreatePhone of an existing number = %q, %v; want %s", again, err, want)
	}
	if n := len(f.srv.Phones()); n != 1 {
		t.Errorf("phones on the server = %d; want 1", n)
	}
}

func TestCreatePhonePlatforms(t *testing.T) {
	tests := []struct{ platform, want string }{
		{"ios", "Apple iOS"},
		{"android", "Google Android"},
		{"", "Generic Smartphone"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.c.CreatePhone(context.Background(), "+12015550100", tt.platform)
			must(t, err)
			if p := f.srv.Phones()[0]; p.Platform != tt.want {
				t.Errorf("platform = %q; want %q", p.Platform, tt.want)
			}
		})
	}
	f := newFixture(t)
	if _, err := f.c.CreatePhone(context.Background(), "+12015550100", "nokia"); err == nil {
		t.Error("CreatePhone accepted an unknown platform")
	}
}

func TestAssociateUnknownPhoneFails(t *testing.T) {
	f := newFixture(t)
	uid := f.srv.AddUser("alice@contoso.com")
	err := f.c.Associate(context.Background(), uid, "DPNOSUCHPHONE0000000")
	duoError(t, err, 40002, "phone_id")
}

func TestActivationExpires(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pid, err := f.c.CreatePhone(ctx, "+12015550100", "ios")
	must(t, err)
	first, err := f.c.NewActivation(ctx, pid)
	must(t, err)
	f.clk.Advance(activationValid + 1)
	if err := f.srv.Activate(pid); err == nil {
		t.Fatal("an expired activation could still be scanned")
	}
	if ok, err := f.c.Activated(ctx, pid); err != nil || ok {
		t.Fatalf("Activated after expiry = %v, %v; want false", ok, err)
	}
	second, err := f.c.NewActivation(ctx, pid)
	must(t, err)
	if second.Link == first.Link || !second.ExpiresAt.After(first.ExpiresAt) {
		t.Fatalf("second activation %+v repeats the first %+v", second, first)
	}
	must(t, f.srv.Activate(pid))
	if ok, err := f.c.Activated(ctx, pid); err != nil || !ok {
		t.Fatalf("Activated after the new link = %v, %v", ok, err)
	}
}

func TestSendActivation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pid, err := f.c.CreatePhone(ctx, "+12015550100", "android")
	must(t, err)
	act, err := f.c.SendActivation(ctx, pid)
	must(t, err)
	p := f.srv.Phones()[0]
	if act.Link != "" || act.NeedsCode || !act.ExpiresAt.Equal(f.clk.Now().Add(activationValid)) {
		t.Errorf("activation = %+v; want no link, no code, expiry in %s", act, activationValid)
	}
	if p.ActivationURL == "" || !strings.Contains(p.Texted, p.ActivationURL) {
		t.Errorf("texted %q; want the live link %q", p.Texted, p.ActivationURL)
	}
	if err := f.c.ConfirmActivation(ctx, pid, "123456"); err == nil {
		t.Error("ConfirmActivation succeeded for real Duo")
	}
}

// lostAnswer stands for a connection that drops the first answer to route: Duo did
// what was asked, and the client never hears of it.
type lostAnswer struct {
	next  http.RoundTripper
	route string
	lost  atomic.Bool
}

func (l *lostAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil && req.Method+" "+req.URL.Path == l.route && l.lost.CompareAndSwap(false, true) {
		resp.Body.Close()
		return nil, errors.New("read tcp: connection reset by peer")
	}
	return resp, err
}

// TestCreateFindsWhatExistsWhateverDuoAnswered: a create that raced with another
// (a directory sync, a second run) or whose answer was lost gives the record that
// exists, found by looking again, whatever Duo's refusal says (no Duo source
// documents its code for a duplicate).
func TestCreateFindsWhatExistsWhateverDuoAnswered(t *testing.T) {
	const user, number = "alice@contoso.com", "+12015550100"
	createUser := func(ctx context.Context, c *duo.Client) (string, error) { return c.CreateUser(ctx, user) }
	createPhone := func(ctx context.Context, c *duo.Client) (string, error) { return c.CreatePhone(ctx, number, "ios") }
	tests := []struct {
		name   string
		route  string
		create func(context.Context, *duo.Client) (string, error)
		// meanwhile makes the record before the client's create, and returns its id.
		meanwhile func(f fixture) string
		lost      bool
	}{
		{"user made meanwhile", "/admin/v1/users", createUser, func(f fixture) string { return f.srv.AddUser(user) }, false},
		{"user created, answer lost", "/admin/v1/users", createUser, nil, true},
		{"phone made meanwhile", "/admin/v1/phones", createPhone, func(f fixture) string {
			id, err := f.srv.AddPhone(number, "mobile", "apple ios")
			if err != nil {
				t.Fatal(err)
			}
			return id
		}, false},
		{"phone created, answer lost", "/admin/v1/phones", createPhone, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lost *lostAnswer
			f := newFixture(t, func(c *duo.Config) {
				if tt.lost {
					lost = &lostAnswer{next: c.HTTPClient.Transport, route: "POST " + tt.route}
					c.HTTPClient = &http.Client{Transport: lost}
				}
			})
			want := ""
			if tt.meanwhile != nil {
				want = tt.meanwhile(f)
			}
			got, err := tt.create(context.Background(), f.c)
			if err != nil {
				t.Fatalf("create = %v; want the record that exists", err)
			}
			if tt.lost && !lost.lost.Load() {
				t.Fatal("no answer was lost")
			}
			var ids []string
			for _, u := range f.srv.Users() {
				ids = append(ids, u.UserID)
			}
			if tt.route == "/admin/v1/phones" {
				ids = nil
				for _, p := range f.srv.Phones() {
					ids = append(ids, p.PhoneID)
				}
			}
			if len(ids) != 1 || got != ids[0] || want != "" && got != want {
				t.Errorf("create = %s; Duo holds %v; want the one record", got, ids)
			}
		})
	}
}

// TestAssociateAgainReadsEveryPage: when Duo refuses to attach a phone the user has
// already, the user's phones are read again, every page of them, before the refusal
// counts (https://duo.com/docs/adminapi "Response paging").
func TestAssociateAgainReadsEveryPage(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOn(t, duotest.Options{PageSize: 2})
	uid := f.srv.AddUser("alice@contoso.com")
	var last string
	for i := range 5 {
		pid, err := f.c.CreatePhone(ctx, fmt.Sprintf("+1201555010%d", i), "ios")
		must(t, err)
		must(t, f.c.Associate(ctx, uid, pid))
		last = pid
	}
	if err := f.c.Associate(ctx, uid, last); err != nil {
		t.Fatalf("attaching the fifth phone again = %v; want success, as it is the user's", err)
	}
	reads := f.requests("GET", "/admin/v1/users/"+uid+"/phones")
	if len(reads) != 3 {
		t.Errorf("%d reads of the user's phones; want 3 pages of 2", len(reads))
	}
	for _, r := range reads {
		if q, _ := url.ParseQuery(r.Query); q.Get("limit") == "" || q.Get("offset") == "" {
			t.Errorf("read %q names no limit and offset", r.Query)
		}
	}
}

// TestAListWhosePagesNeverEndStops: an answer whose next_offset does not move on, or
// moves on for ever, ends the listing with a sentence instead of holding the run.
func TestAListWhosePagesNeverEndStops(t *testing.T) {
	tests := []struct {
		name    string
		next    func(n int32) int
		errHas  string
		maxSeen int
	}{
		{"next_offset points back", func(int32) int { return 0 }, "pointed back", 1},
		{"next_offset for ever", func(n int32) int { return int(n) }, "did not end after", 100},
	}
	k := duotest.DefaultKeys()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewFaultServer(t, true, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"stat":"OK","response":[],"metadata":{"next_offset":%d,"total_objects":1000000}}`, tt.next(n.Add(1)))
			})
			c, err := duo.New(duo.Config{
				APIHost:   strings.TrimPrefix(srv.URL, "https://"),
				AdminIKey: k.AdminIKey, AdminSKey: k.AdminSKey, AuthIKey: k.AuthIKey, AuthSKey: k.AuthSKey,
				HTTPClient: srv.Client(), CallTimeout: 5 * time.Second,
			})
			must(t, err)
			_, err = c.FindUser(context.Background(), "alice@contoso.com")
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("FindUser = %v; want an error saying %q", err, tt.errHas)
			}
			providertest.CheckSentence(t, err)
			if n := srv.Requests(); n > tt.maxSeen {
				t.Errorf("%d requests; want at most %d", n, tt.maxSeen)
			}
		})
	}
}
