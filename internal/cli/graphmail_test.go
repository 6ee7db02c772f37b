package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// graphMailDesk is a support desk told by mail sent through Microsoft Graph: no SMTP
// server at all, the Graph app registration's token instead of a password.
func graphMailDesk(t *testing.T) (*desk, *graphtest.Server) {
	d := newDesk(t)
	srv := graphtest.New(t)
	srv.SetClock(d.now)
	srv.AddMailbox("mfa-notices@msp.example")
	cfg := fmt.Sprintf(`providers:
  notify: [graph-mail]
ca_file: %s
graph:
  tenant_id: %s
  client_id: %s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %s
  base_url: %s
notify:
  graph_mail:
    from: mfa-notices@msp.example
    to: [support@msp.example]
    cc: [lead@msp.example]
`, srv.WriteCA(t), graphtest.TenantID, graphtest.ClientID, srv.AuthorityHost(), srv.URL)
	os.WriteFile(filepath.Join(d.home, "config.yaml"), []byte(cfg), 0o600)
	d.env["TEST_GRAPH_SECRET"] = graphtest.ClientSecret
	return d, srv
}

func TestSupportIsToldByMailThroughGraph(t *testing.T) {
	d, srv := graphMailDesk(t)
	_, r, stderr := d.untilNotified()
	if s := stepStatus(r, "notify-support"); s.Status != "done" {
		t.Fatalf("notify-support = %+v\n%s", s, stderr)
	}
	sent := srv.SentMail()
	if len(sent) != 1 {
		t.Fatalf("Graph took %d messages; want 1", len(sent))
	}
	st, err := state.NewFiles(filepath.Join(d.home, "state")).Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := sent[0]; got.From != "mfa-notices@msp.example" || got.Headers[graph.ReferenceHeader] != st.Notice.ID || !strings.Contains(got.Body, "alice@contoso.com") {
		t.Errorf("sent %+v; want it from the configured mailbox, carrying notice %s", got, st.Notice.ID)
	}
	d.start()
	if n := len(srv.SentMail()); n != 1 {
		t.Errorf("a run after the notice sent %d messages in all; want still 1", n)
	}
}

func TestProvidersCheckProvesGraphMail(t *testing.T) {
	d, srv := graphMailDesk(t)
	for _, granted := range []bool{true, false} {
		srv.SetPermission(graphtest.PermMailSend, granted)
		var out, errOut bytes.Buffer
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(k string) string { return d.env[k] }, Clock: d.now}
		code := Run(context.Background(), f, []string{"--home", d.home, "providers", "check"})
		text := out.String() + errOut.String()
		want := "Mail.Send is granted"
		if !granted {
			want = "lacks the Graph application permission Mail.Send"
		}
		if !strings.Contains(text, want) || (code == 0) != granted {
			t.Errorf("granted=%v: exit %d, output:\n%s\nwant %q", granted, code, text, want)
		}
	}
	if len(srv.SentMail()) != 0 {
		t.Error("providers check sent mail")
	}
}

func TestSupportIsToldBySMTPWithAnExchangeOnlineToken(t *testing.T) {
	d := newDesk(t)
	g := graphtest.New(t)
	g.SetClock(d.now)
	mailbox := "mfa-notices@msp.example"
	mail := smtptest.New(t, smtptest.Options{User: mailbox, Auth: smtptest.AuthXOAUTH2, TokenOK: g.IssuedForExchange})
	mailCA, _ := os.ReadFile(mail.WriteCA(t))
	graphCA, _ := os.ReadFile(g.WriteCA(t))
	ca := filepath.Join(d.home, "ca.pem")
	os.WriteFile(ca, append(mailCA, graphCA...), 0o600)
	cfg := fmt.Sprintf(`providers:
  notify: [smtp]
ca_file: %s
graph:
  tenant_id: %s
  client_id: %s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %s
  base_url: %s
notify:
  smtp:
    host: %s
    port: %d
    auth: xoauth2
    username: %s
    from: %s
    to: [support@msp.example]
`, ca, graphtest.TenantID, graphtest.ClientID, g.AuthorityHost(), g.URL, mail.Host(), mail.Port(), mailbox, mailbox)
	os.WriteFile(filepath.Join(d.home, "config.yaml"), []byte(cfg), 0o600)
	d.env["TEST_GRAPH_SECRET"] = graphtest.ClientSecret

	_, r, stderr := d.untilNotified()
	if s := stepStatus(r, "notify-support"); s.Status != "done" {
		t.Fatalf("notify-support = %+v\n%s", s, stderr)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("the mail server took %d messages; want 1", n)
	}
	logins := mail.Logins()
	if len(logins) == 0 || logins[len(logins)-1].Mechanism != "XOAUTH2" {
		t.Errorf("logins = %+v; want XOAUTH2 with a token the authority issued for Exchange Online", logins)
	}
}
