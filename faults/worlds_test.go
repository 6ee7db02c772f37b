//go:build faults && unix

package faults

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask/autotasktest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// counts are side effects by kind (see kinds).
type counts map[string]int

// world is a home together with what stands around it: the phone and the person
// (who answer what the waiting step asks), and the vendors, whose side effects it
// counts.
type world interface {
	home() *home
	// answer is what the pipeline gives the next run, for the step it waits on
	// (the texted code, the code the authenticator shows), after doing on the phone
	// what the person would (open the texted activation link).
	answer(t *testing.T, waitingOn string) []string
	// count is every side effect so far, by kind.
	count(t *testing.T) counts
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// demoWorld is the embedded demo: the outbox is the phone, the demo services' records
// (demo-services/, a file per record) the vendors' side.
type demoWorld struct{ h *home }

func newDemo(t *testing.T) *demoWorld { return &demoWorld{h: newHome(t)} }

func (w *demoWorld) home() *home { return w.h }

func (w *demoWorld) outbox(t *testing.T) []outbox.Message {
	msgs, err := outbox.Read(filepath.Join(w.h.dir, "outbox.jsonl"))
	if err != nil {
		t.Logf("read the outbox: %v", err)
	}
	return msgs
}

// demoRecords is the part of the demo services' records the suite looks at, gathered
// from their files (demo-services/, see internal/provider/fake/store.go).
type demoRecords struct {
	Mobiles   map[string]string    // user → number
	DuoUsers  map[string]demoUser  // lower-cased username → user
	DuoPhones map[string]demoPhone // id → phone
	Pushes    map[string]demoPush  // id → push
}

type demoUser struct {
	Username string   `json:"username"`
	Phones   []string `json:"phones"`
}

type demoPhone struct {
	ID          string `json:"id"`
	Number      string `json:"number"`
	Secret      string `json:"secret"`
	Activated   bool   `json:"activated"`
	LastCounter int64  `json:"last_counter"`
}

type demoPush struct {
	ID     string `json:"id"`
	Result string `json:"result"`
}

func (w *demoWorld) records(t *testing.T) demoRecords {
	r := demoRecords{Mobiles: map[string]string{}, DuoUsers: map[string]demoUser{}, DuoPhones: map[string]demoPhone{}, Pushes: map[string]demoPush{}}
	dir := filepath.Join(w.h.dir, "demo-services")
	read := func(pattern string, use func(data []byte) error) {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err == nil {
				err = use(data)
			}
			if err != nil {
				t.Logf("%s: %v", f, err)
			}
		}
	}
	read("users/*/*/m365.json", func(data []byte) error {
		var m struct{ User, Number string }
		err := json.Unmarshal(data, &m)
		r.Mobiles[m.User] = m.Number
		return err
	})
	read("users/*/*/duo-user.json", func(data []byte) error {
		var u demoUser
		err := json.Unmarshal(data, &u)
		r.DuoUsers[strings.ToLower(u.Username)] = u
		return err
	})
	read("phones/*/*/duo-phones.json", func(data []byte) error {
		var n struct {
			Phones []demoPhone `json:"phones"`
			Pushes []demoPush  `json:"pushes"`
		}
		err := json.Unmarshal(data, &n)
		for _, p := range n.Phones {
			r.DuoPhones[p.ID] = p
		}
		for _, p := range n.Pushes {
			r.Pushes[p.ID] = p
		}
		return err
	})
	return r
}

func (w *demoWorld) answer(t *testing.T, waitingOn string) []string {
	msgs := w.outbox(t)
	switch waitingOn {
	case "verify":
		for i := len(msgs) - 1; i >= 0; i-- {
			if c := sixDigits.FindString(msgs[i].Text); msgs[i].Channel == outbox.SMS && msgs[i].Link == "" && c != "" {
				return []string{"--code", c}
			}
		}
	case "duo-enroll", "duo-test":
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Link != "" {
				return []string{"--code", w.appCode(t, msgs[i].Link)}
			}
		}
	}
	return nil
}

// appCode is the code the authenticator entry from link shows, as the person types
// it: the one on screen now, or, when that one was used already, the next one,
// waiting for it if need be (the demo accepts the codes of the step before and after).
func (w *demoWorld) appCode(t *testing.T, link string) string {
	key, err := otp.NewKeyFromURL(link)
	if err != nil {
		t.Fatalf("the activation link %q: %v", link, err)
	}
	var used int64
	for _, p := range w.records(t).DuoPhones {
		if p.Secret == key.Secret() {
			used = p.LastCounter
		}
	}
	now := time.Now().Unix() / 30
	step := max(now, used+1)
	if step > now+1 {
		time.Sleep(time.Until(time.Unix((step-1)*30, 0)) + 100*time.Millisecond)
	}
	code, err := totp.GenerateCode(key.Secret(), time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (w *demoWorld) count(t *testing.T) counts {
	c := counts{}
	for _, m := range w.outbox(t) {
		switch {
		case m.Channel == outbox.SMS && m.Link != "":
			c[kDemoActivation]++
		case m.Channel == outbox.SMS:
			c[kDemoCode]++
		case m.Channel == outbox.Push:
			c[kDemoPush]++
		case m.Channel == outbox.Email:
			c[kDemoMail]++
		}
	}
	r := w.records(t)
	if r.Mobiles[user] == number {
		c[kDemoMobile]++
	}
	for name, u := range r.DuoUsers {
		if strings.EqualFold(name, user) {
			c[kDemoDuoUser]++
			c[kDemoAttached] += len(u.Phones)
		}
	}
	for _, p := range r.DuoPhones {
		if p.Number == number {
			c[kDemoDuoPhone]++
			if p.Activated {
				c[kDemoActivated]++
			}
		}
	}
	for _, p := range r.Pushes {
		if p.Result == "allow" {
			c[kDemoApproved]++
		}
	}
	c[kDemoCodeOK] = w.codeApprovals()
	return c
}

// codeApprovals counts the texted codes the demo code service accepted, from the
// copies of the number's code record (sms-code.json) taken at every write of every
// run: a code is accepted once, when its record becomes approved, and that record is
// kept (as Twilio keeps a converted attempt) until the next code replaces it.
func (w *demoWorld) codeApprovals() int {
	snaps, _ := filepath.Glob(filepath.Join(w.h.dir, "..", "trace-*.snap", "*-sms-code.json"))
	slices.Sort(snaps) // trace-NNN.snap/SSSS-…: runs, then writes, in order
	n, last := 0, ""
	for _, f := range snaps {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var r struct {
			To       string `json:"to"`
			SentAt   string `json:"sent_at"`
			Approved bool   `json:"approved"`
		}
		if json.Unmarshal(data, &r) != nil || r.To != number {
			continue
		}
		if r.Approved && r.SentAt != last {
			n++
			last = r.SentAt
		}
	}
	return n
}

// contractWorld is every role on a real provider, each against its contract-test
// server: Twilio Verify, Graph, Duo (Admin and Auth), and support told by mail,
// Teams, Slack and an Autotask ticket.
type contractWorld struct {
	h     *home
	duo   *duotest.Server
	tw    *twiliotest.Server
	graph *graphtest.Server
	mail  *smtptest.Server
	hook  *webhooktest.Server
	psa   *autotasktest.Server

	mu sync.Mutex
	// opened counts the activation links the person opened on the phone.
	opened int
}

// gates are the servers in a fixed order, by name, for the suite to arm traps in.
func (w *contractWorld) gates() []namedGate {
	return []namedGate{
		{"twilio", w.tw.Gate()}, {"graph", w.graph.Gate()}, {"smtp", w.mail.Gate()},
		{"webhook", w.hook.Gate()}, {"autotask", w.psa.Gate()}, {"duo", w.duo.Gate()},
	}
}

func newContract(t *testing.T) *contractWorld {
	t.Helper()
	w := &contractWorld{
		duo:   duotest.New(t, duotest.Options{}),
		tw:    twiliotest.New(t),
		graph: graphtest.New(t),
		mail:  smtptest.New(t, smtptest.Options{User: "desk", Password: "mail-pw"}),
		hook:  webhooktest.New(t),
		psa:   autotasktest.New(t, autotasktest.Options{User: "api@msp.example", Secret: "psa-secret", IntegrationCode: "INTEGRATIONCODE"}),
	}
	// The binary runs on the wall clock, so must the services it checks its clock against.
	w.tw.SetClock(clock.Real{})
	w.graph.SetClock(clock.Real{})
	w.graph.AddUser(user)
	w.duo.AllowPushesWhenPolled(true)
	keys := duotest.DefaultKeys()
	w.h = newHome(t,
		"TEST_DUO_ADMIN_SKEY="+keys.AdminSKey, "TEST_DUO_AUTH_SKEY="+keys.AuthSKey,
		"TEST_TWILIO_TOKEN="+twiliotest.AuthToken, "TEST_GRAPH_SECRET="+graphtest.ClientSecret,
		"TEST_SMTP_PW=mail-pw", "TEST_PSA_SECRET=psa-secret",
		"TEST_TEAMS_URL="+w.hook.TeamsURL(), "TEST_SLACK_URL="+w.hook.SlackURL())
	var bundle []byte
	for _, f := range []string{w.tw.WriteCA(t), w.graph.WriteCA(t), w.mail.WriteCA(t), w.duo.WriteCAFile(t)} {
		pemData, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bundle = append(bundle, pemData...)
	}
	bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: w.psa.Certificate().Raw})...)
	ca := filepath.Join(w.h.dir, "ca.pem")
	if err := os.WriteFile(ca, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`providers:
  sms: twilio
  phone_registration: graph
  duo: duo
  notify: [smtp, teams, slack, autotask]
ca_file: %[1]s
twilio:
  account_sid: %[2]s
  auth_token_env: TEST_TWILIO_TOKEN
  verify_service_sid: %[3]s
  base_url: %[4]s
graph:
  tenant_id: %[5]s
  client_id: %[6]s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %[7]s
  base_url: %[8]s
duo:
  api_host: %[9]s
  admin_ikey: %[10]s
  admin_skey_env: TEST_DUO_ADMIN_SKEY
  auth_ikey: %[11]s
  auth_skey_env: TEST_DUO_AUTH_SKEY
  ca_file: %[1]s
  activation_valid_secs: 600
  create_users: true
notify:
  smtp:
    host: %[12]s
    port: %[13]d
    username: desk
    password_env: TEST_SMTP_PW
    from: mfa-onboard@msp.example
    to: [support@msp.example]
  teams:
    url_env: TEST_TEAMS_URL
  slack:
    url_env: TEST_SLACK_URL
  autotask:
    api_user: api@msp.example
    secret_env: TEST_PSA_SECRET
    integration_code: INTEGRATIONCODE
    base_url: %[14]s
    company_id: 42
    status: 1
    priority: 2
`, ca, twiliotest.AccountSID, twiliotest.ServiceSID, w.tw.URL, graphtest.TenantID, graphtest.ClientID,
		w.graph.AuthorityHost(), w.graph.URL, w.duo.Host(), keys.AdminIKey, keys.AuthIKey,
		w.mail.Host(), w.mail.Port(), w.psa.BaseURL())
	if err := os.WriteFile(filepath.Join(w.h.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// newContractOnPostgres is newContract with the customer's progress kept in a
// database of its own on the suite's PostgreSQL server, as a team keeps it.
func newContractOnPostgres(t *testing.T) *contractWorld {
	t.Helper()
	w := newContract(t)
	path := filepath.Join(w.h.dir, "config.yaml")
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, "store:\n  kind: postgres\n  dsn_env: MFA_ONBOARD_DSN\n"...)
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	w.h.env = append(w.h.env, "MFA_ONBOARD_DSN="+postgres.Database(t))
	if r := w.h.exec(t, "", "store", "migrate"); r.code != 0 {
		t.Fatalf("store migrate: exit %d\n%s", r.code, r.stderr)
	}
	return w
}

func (w *contractWorld) home() *home { return w.h }

func (w *contractWorld) answer(t *testing.T, waitingOn string) []string {
	switch waitingOn {
	case "verify":
		if c := w.tw.LastCode(number); c != "" {
			return []string{"--code", c}
		}
	case "duo-enroll":
		// The person opens the newest activation link texted to the phone.
		for _, p := range w.duo.Phones() {
			if p.Number == number && !p.Activated && p.ActivationURL != "" {
				if err := w.duo.Activate(p.PhoneID); err == nil {
					w.mu.Lock()
					w.opened++
					w.mu.Unlock()
				}
			}
		}
	}
	// The test push is approved on the phone as soon as the run asks Duo about it.
	return nil
}

func (w *contractWorld) count(t *testing.T) counts {
	c := counts{}
	texts, approvals := w.tw.Texts()
	c[kTwilioText], c[kTwilioApproved] = texts, approvals
	created, updated, mfa := w.graph.Writes()
	c[kGraphWrite] = created + updated
	c[kMFAWrite] = mfa
	for _, m := range w.graph.Methods(user) {
		if m.PhoneType == "mobile" && m.PhoneNumber == "+1 2015550100" {
			c[kGraphMobile]++
		}
	}
	if w.graph.MFAState(user) == "enforced" {
		c[kMFAEnforced]++
	}
	c[kMail] = len(w.mail.Messages())
	for _, p := range w.hook.Posts() {
		c[map[string]string{"teams": kTeams, "slack": kSlack}[p.Kind]]++
	}
	c[kTicket] = len(w.psa.Tickets())
	for _, u := range w.duo.Users() {
		if strings.EqualFold(u.Username, user) {
			c[kDuoUser]++
			c[kDuoAttached] += len(u.PhoneIDs)
		}
	}
	for _, p := range w.duo.Phones() {
		if p.Number == number {
			c[kDuoPhone]++
			if p.Activated {
				c[kDuoActivated]++
			}
		}
	}
	eff := w.duo.Effects()
	c[kDuoActivationText] = eff["POST /admin/v1/phones/{}/send_sms_activation"]
	c[kDuoActivationURL] = eff["POST /admin/v1/phones/{}/activation_url"]
	c[kDuoPush] = eff["POST /auth/v2/auth"]
	c[kDuoApproved] = w.duo.PushAnswers()["allow"]
	w.mu.Lock()
	c[kDuoOpened] = w.opened
	w.mu.Unlock()
	return c
}
