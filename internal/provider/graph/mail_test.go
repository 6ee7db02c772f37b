package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

const helpdesk = "mfa-notices@msp.example"

var notice = provider.Notice{ID: "n-7f3a", User: alice, Organisation: "Contoso", MaskedPhone: "+44 •••• ••• 789",
	Completed: []string{"verify", "duo-enroll"}, When: start, Computer: "LAPTOP-1"}

func mailer(t *testing.T) (*graph.Mailer, *graphtest.Server) {
	t.Helper()
	c, srv, _ := setup(t, good)
	srv.AddMailbox(helpdesk)
	m, err := c.Mailer(graph.MailConfig{From: helpdesk, To: []string{"support@msp.example"}, Cc: []string{"lead@msp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	return m, srv
}

func TestMailerSendsTheNoticeOnceThroughSendMail(t *testing.T) {
	m, srv := mailer(t)
	receipt, err := m.Notify(context.Background(), notice)
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentMail()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages; want 1", len(sent))
	}
	got := sent[0]
	if got.From != helpdesk || strings.Join(got.To, ",") != "support@msp.example" || strings.Join(got.Cc, ",") != "lead@msp.example" {
		t.Errorf("message from %s to %v cc %v; want the configured addresses", got.From, got.To, got.Cc)
	}
	if got.Headers[graph.ReferenceHeader] != notice.ID || !strings.Contains(got.Body, "Reference: "+notice.ID) {
		t.Errorf("headers %v, body %q; want the notice id in the x- header and the body", got.Headers, got.Body)
	}
	if got.Subject != "MFA set up: "+alice || got.ContentType != "Text" || !got.SaveToSentItems {
		t.Errorf("subject %q, content type %q, saved %v; want the default subject, plain text, kept in Sent Items", got.Subject, got.ContentType, got.SaveToSentItems)
	}
	if !strings.HasPrefix(receipt, "graph request-id ") {
		t.Errorf("receipt %q; want Graph's request-id", receipt)
	}
	if p := calls(srv, http.MethodPost, "/v1.0/users/"+helpdesk+"/sendMail"); len(p) != 1 || p[0].Status != http.StatusAccepted {
		t.Errorf("sendMail calls = %+v; want one answered 202", p)
	}
}

func TestMailerRefusalsNameWhatToFix(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(*graphtest.Server)
		from    string
		want    string
	}{
		{"no Mail.Send", func(s *graphtest.Server) { s.SetPermission(graphtest.PermMailSend, false) }, helpdesk, "grant the application permission Mail.Send"},
		{"a user without a mailbox", func(s *graphtest.Server) {}, alice, "no mailbox " + alice},
		{"nobody of that name", func(s *graphtest.Server) {}, "nobody@contoso.com", "no mailbox nobody@contoso.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setup(t, good)
			srv.AddMailbox(helpdesk)
			tt.prepare(srv)
			m, err := c.Mailer(graph.MailConfig{From: tt.from, To: []string{"support@msp.example"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Notify(context.Background(), notice)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Notify = %v; want %q", err, tt.want)
			}
			if len(srv.SentMail()) != 0 {
				t.Error("a refused send was recorded as sent")
			}
		})
	}
}

func TestMailerResendsOnlyWhatGraphCertainlyDidNotTake(t *testing.T) {
	tests := []struct {
		status    int
		wantSends int // POSTs the server sees
		wantOK    bool
	}{
		{http.StatusTooManyRequests, 2, true},
		{http.StatusServiceUnavailable, 1, false},
		{http.StatusGatewayTimeout, 1, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			m, srv := mailer(t)
			path := "/v1.0/users/" + helpdesk + "/sendMail"
			srv.FailNext("POST "+path, tt.status, 2*time.Second)
			_, err := m.Notify(context.Background(), notice)
			if (err == nil) != tt.wantOK {
				t.Errorf("Notify = %v; want ok=%v", err, tt.wantOK)
			}
			if n := len(calls(srv, http.MethodPost, path)); n != tt.wantSends {
				t.Errorf("POSTs = %d; want %d", n, tt.wantSends)
			}
		})
	}
}

func TestMailerCheckNamesMailSendAndSendsNothing(t *testing.T) {
	for _, granted := range []bool{true, false} {
		m, srv := mailer(t)
		// The server lists permissions in the token it issues, so withdraw first.
		srv.SetPermission(graphtest.PermMailSend, granted)
		checks := m.Check(context.Background())
		want := "Mail.Send is granted"
		if !granted {
			want = "lacks the Graph application permission Mail.Send"
		}
		if len(checks) != 1 || checks[0].OK != granted || !strings.Contains(checks[0].Detail, want) {
			t.Errorf("granted=%v: checks = %+v; want ok=%v and %q", granted, checks, granted, want)
		}
		if len(srv.SentMail()) != 0 {
			t.Error("the check sent mail")
		}
	}
}

func TestMailerRefusesBadAddresses(t *testing.T) {
	c, _, _ := setup(t, good)
	for _, cfg := range []graph.MailConfig{
		{From: "", To: []string{"a@b.example"}},
		{From: "not an address", To: []string{"a@b.example"}},
		{From: helpdesk},
		{From: helpdesk, To: []string{"a@b.example"}, Cc: []string{"bad@"}},
	} {
		if _, err := c.Mailer(cfg); err == nil {
			t.Errorf("Mailer(%+v) accepted it", cfg)
		}
	}
}
