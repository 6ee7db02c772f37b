package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

var _ provider.PersonMailer = (*graph.Mailer)(nil)

func TestMailPersonSendsToThePersonAloneThroughSendMail(t *testing.T) {
	m, srv := mailer(t)
	receipt, err := m.MailPerson(context.Background(), "bob@contoso.com", "Reminder: carry on\nwith it", "Please carry on.\n", "mfa-onboard-remind-abc")
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentMail()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages; want 1", len(sent))
	}
	got := sent[0]
	if got.From != helpdesk || strings.Join(got.To, ",") != "bob@contoso.com" || len(got.Cc) != 0 {
		t.Errorf("message from %s to %v cc %v; want the notice's mailbox, to the person alone", got.From, got.To, got.Cc)
	}
	if got.Subject != "Reminder: carry on with it" || got.Body != "Please carry on.\n" || got.ContentType != "Text" {
		t.Errorf("subject %q body %q type %q", got.Subject, got.Body, got.ContentType)
	}
	if got.Headers[graph.ReferenceHeader] != "mfa-onboard-remind-abc" {
		t.Errorf("headers %v; want the message id as the reference", got.Headers)
	}
	if !strings.HasPrefix(receipt, "graph request-id ") {
		t.Errorf("receipt %q; want Graph's request-id", receipt)
	}
}

func TestMailPersonRefusals(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(*graphtest.Server)
		to      string
		want    string
	}{
		{"not an address", func(*graphtest.Server) {}, "bob", `"bob" is not a mail address`},
		{"no Mail.Send", func(s *graphtest.Server) { s.SetPermission(graphtest.PermMailSend, false) }, "bob@contoso.com", "Mail.Send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, srv := mailer(t)
			tt.prepare(srv)
			_, err := m.MailPerson(context.Background(), tt.to, "s", "b", "mfa-onboard-remind-1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want one saying %q", err, tt.want)
			}
			if len(srv.SentMail()) != 0 {
				t.Error("a refused message was sent")
			}
			if tt.to == "bob" && len(calls(srv, http.MethodPost, "/v1.0/users/"+helpdesk+"/sendMail")) != 0 {
				t.Error("an address that is none was sent to Graph")
			}
		})
	}
}
