package autotask_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask/autotasktest"
)

const (
	apiUser = "mfa-onboard@APIUSER.example"
	secret  = "Top$ecret-at"
	code    = "TRACKINGIDENTIFIER123456789"
)

var start = time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC)

func notice() provider.Notice {
	return provider.Notice{ID: "mfa-onboard-0123456789abcdef", User: "alice@contoso.com", Organisation: "Contoso",
		MaskedPhone: "+1 ***-***-0100", Completed: []string{"mobile number verified"}, When: start, Computer: "PC-042"}
}

func server(t *testing.T) *autotasktest.Server {
	return autotasktest.New(t, autotasktest.Options{User: apiUser, Secret: secret, IntegrationCode: code})
}

func config(srv *autotasktest.Server) autotask.Config {
	return autotask.Config{APIUser: apiUser, Secret: secret, IntegrationCode: code, CompanyID: 42, QueueID: 8,
		Status: 1, Priority: 2, BaseURL: srv.BaseURL(), HTTPClient: srv.Client(), Clock: clock.NewFake(start)}
}

func newNotifier(t *testing.T, cfg autotask.Config) *autotask.Notifier {
	t.Helper()
	n, err := autotask.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifyCreatesTicketAfterZoneDiscovery(t *testing.T) {
	srv := server(t)
	n := newNotifier(t, config(srv))
	ctx := context.Background()
	if _, found, err := n.Sent(ctx, notice().ID); err != nil || found {
		t.Fatalf("Sent before any ticket = %v, %v", found, err)
	}
	receipt, err := n.Notify(ctx, notice())
	if err != nil {
		t.Fatal(err)
	}
	if receipt != "ticket 7000" {
		t.Errorf("receipt = %q", receipt)
	}
	tickets := srv.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets; want 1", len(tickets))
	}
	f := tickets[0].Fields
	if got := tickets[0].Title(); got != "MFA set up: alice@contoso.com [mfa-onboard-0123456789abcdef]" {
		t.Errorf("title = %q", got)
	}
	for k, want := range map[string]float64{"companyID": 42, "queueID": 8, "status": 1, "priority": 2} {
		if f[k] != want {
			t.Errorf("%s = %v; want %v", k, f[k], want)
		}
	}
	if _, ok := f["issueType"]; ok {
		t.Error("issueType sent though not configured")
	}
	desc, _ := f["description"].(string)
	for _, w := range []string{"alice@contoso.com", "+1 ***-***-0100", "Reference: mfa-onboard-0123456789abcdef"} {
		if !strings.Contains(desc, w) {
			t.Errorf("description lacks %q", w)
		}
	}
	calls := srv.Calls()
	if calls[0] != "GET /atservicesrest/v1.0/zoneInformation" || strings.Count(strings.Join(calls, "\n"), "zoneInformation") != 1 {
		t.Errorf("calls = %v; want one zone discovery first", calls)
	}
}

func TestSentFindsTicketAfterCrash(t *testing.T) {
	srv := server(t)
	ctx := context.Background()
	first, err := newNotifier(t, config(srv)).Notify(ctx, notice())
	if err != nil {
		t.Fatal(err)
	}
	// The run died before saving: a new process builds a new client with the same id.
	other := notice()
	other.ID = "mfa-onboard-ffffffffffffffff"
	if _, err := newNotifier(t, config(srv)).Notify(ctx, other); err != nil {
		t.Fatal(err)
	}
	again := newNotifier(t, config(srv))
	receipt, found, err := again.Sent(ctx, notice().ID)
	if err != nil || !found || receipt != first {
		t.Fatalf("Sent = %q, %v, %v; want %q found", receipt, found, err, first)
	}
	if n := len(srv.Tickets()); n != 2 {
		t.Fatalf("%d tickets; want 2 (no resend)", n)
	}
}

func TestZoneURLOverrideSkipsDiscovery(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	cfg.ZoneURL = srv.ZoneURL()
	cfg.BaseURL = "https://unused.invalid/"
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	for _, c := range srv.Calls() {
		if strings.Contains(c, "zoneInformation") {
			t.Fatalf("zone discovered though given: %v", srv.Calls())
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *autotasktest.Server, cfg *autotask.Config)
		want  string
	}{
		{"401 wrong secret", func(_ *autotasktest.Server, cfg *autotask.Config) { cfg.Secret = "wrong" },
			"Autotask refused the API user " + apiUser + " (HTTP 401)"},
		{"wrong integration code", func(_ *autotasktest.Server, cfg *autotask.Config) { cfg.IntegrationCode = "nope" },
			"(HTTP 401)"},
		{"unknown user", func(_ *autotasktest.Server, cfg *autotask.Config) { cfg.APIUser = "who@example.com" },
			"does not know the API user who@example.com"},
		{"business rule as 500", func(srv *autotasktest.Server, _ *autotask.Config) { srv.SetRequired("companyID", "issueType") },
			"Autotask refused to create the ticket: Value does not reference an existing entity for issueType"},
		{"500 text is cleaned", func(srv *autotasktest.Server, cfg *autotask.Config) {
			cfg.ZoneURL = srv.ZoneURL()
			srv.FailNext(500, `{"errors":["bad\u001b[31m value","second"]}`, "")
		}, "Autotask refused to create the ticket: bad[31m value; second;"},
		{"500 text never shows the secret, even split by a control character", func(srv *autotasktest.Server, cfg *autotask.Config) {
			cfg.ZoneURL = srv.ZoneURL()
			srv.FailNext(500, `{"errors":["echo Top$ec\u0007ret-at and Top$ecret-at"]}`, "")
		}, "Autotask refused to create the ticket: echo [secret] and [secret];"},
		{"502 without text", func(srv *autotasktest.Server, cfg *autotask.Config) {
			cfg.ZoneURL = srv.ZoneURL()
			srv.FailNext(502, "", "")
		}, "Autotask answered HTTP 502"},
		{"429 until out of tries", func(srv *autotasktest.Server, cfg *autotask.Config) {
			cfg.ZoneURL = srv.ZoneURL()
			for range 4 {
				srv.FailNext(429, "", "1")
			}
		}, "HTTP 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server(t)
			cfg := config(srv)
			tt.setup(srv, &cfg)
			_, err := newNotifier(t, cfg).Notify(context.Background(), notice())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.ContainsRune(err.Error(), 0x1b) {
				t.Fatalf("error shows the secret or a control character: %q", err)
			}
			if n := len(srv.Tickets()); n != 0 {
				t.Fatalf("%d tickets created", n)
			}
		})
	}
}

func TestRetryAfter429ResendsSameTicket(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	cfg.ZoneURL = srv.ZoneURL()
	fc := clock.NewFake(start)
	cfg.Clock = fc
	srv.FailNext(http.StatusTooManyRequests, "", "7")
	srv.FailNext(http.StatusTooManyRequests, "", "")
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	if got := fc.Now().Sub(start); got != 7*time.Second+2*time.Second {
		t.Errorf("waited %s; want 7s (Retry-After) + 2s (backoff)", got)
	}
	if n := len(srv.Tickets()); n != 1 {
		t.Fatalf("%d tickets; want 1", n)
	}
	if srv.Tickets()[0].Title() == "" {
		t.Fatal("the resent body was empty")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		required []string
		change   func(*autotask.Config)
		ok       bool
		want     string
	}{
		{"all set", []string{"companyID", "title", "status", "priority", "queueID"}, nil, true, "no ticket was created"},
		{"missing issue type", []string{"companyID", "title", "issueType", "subIssueType"}, nil, false,
			"Autotask requires ticket fields the config does not set: issueType, subIssueType"},
		{"issue type set", []string{"issueType"}, func(c *autotask.Config) { c.IssueType = 3 }, true, "every ticket field"},
		{"queue not set", []string{"queueID"}, func(c *autotask.Config) { c.QueueID = 0 }, false, "does not set: queueID"},
		{"bad secret", nil, func(c *autotask.Config) { c.Secret = "x" }, false, "HTTP 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server(t)
			if tt.required != nil {
				srv.SetRequired(tt.required...)
			}
			cfg := config(srv)
			if tt.change != nil {
				tt.change(&cfg)
			}
			got := newNotifier(t, cfg).Check(context.Background())
			if len(got) != 2 || !got[0].OK || !strings.Contains(got[0].Detail, "zone Test Zone") {
				t.Fatalf("checks = %+v; want zone OK first", got)
			}
			if got[1].OK != tt.ok || !strings.Contains(got[1].Detail, tt.want) {
				t.Fatalf("check = %+v; want ok=%v and %q", got[1], tt.ok, tt.want)
			}
			if len(srv.Tickets()) != 0 {
				t.Fatal("Check created a ticket")
			}
		})
	}
}

func TestNew(t *testing.T) {
	base := autotask.Config{APIUser: apiUser, Secret: secret, IntegrationCode: code, CompanyID: 1, Status: 1, Priority: 2}
	tests := []struct {
		name   string
		change func(*autotask.Config)
		want   string
	}{
		{"user", func(c *autotask.Config) { c.APIUser = "bob" }, "not a username"},
		{"secret", func(c *autotask.Config) { c.Secret = "" }, "secret is empty"},
		{"code", func(c *autotask.Config) { c.IntegrationCode = " " }, "integration code is empty"},
		{"company", func(c *autotask.Config) { c.CompanyID = 0 }, "company id"},
		{"status", func(c *autotask.Config) { c.Status = 0 }, "status and priority"},
		{"zone http", func(c *autotask.Config) { c.ZoneURL = "http://webservices5.autotask.net/ATServicesRest/" }, "not an https URL"},
		{"template", func(c *autotask.Config) { c.Template = "{{.X" }, "notify.template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			_, err := autotask.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
	n, err := autotask.New(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{n.String(), n.GoString(), base.String(), base.GoString()} {
		if strings.Contains(s, secret) {
			t.Fatalf("%q shows the secret", s)
		}
	}
}

// A tenant that requires more than the named settings (a billing code, a ticket
// category) gets them from Fields, sent into the ticket as they are.
func TestExtraFieldsGoIntoTheTicket(t *testing.T) {
	srv := server(t)
	srv.SetRequired("companyID", "title", "status", "priority", "billingCodeID", "ticketCategory")
	cfg := config(srv)
	cfg.Fields = map[string]any{"billingCodeID": 29682801, "ticketCategory": 3, "dueDateTime": "2026-12-01T17:00:00Z", "source": "4"}
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	f := srv.Tickets()[0].Fields
	for k, want := range map[string]any{"billingCodeID": float64(29682801), "ticketCategory": float64(3), "dueDateTime": "2026-12-01T17:00:00Z",
		"source": "4", "companyID": float64(42), "status": float64(1)} {
		if f[k] != want {
			t.Errorf("%s = %#v; want %#v", k, f[k], want)
		}
	}
	if got := srv.Tickets()[0].Title(); !strings.Contains(got, "["+notice().ID+"]") {
		t.Errorf("title = %q; the extra fields must leave the tool's title alone", got)
	}
}

func TestAMissingRequiredFieldIsAutotasksOwnRefusal(t *testing.T) {
	srv := server(t)
	srv.SetRequired("companyID", "title", "status", "priority", "billingCodeID")
	_, err := newNotifier(t, config(srv)).Notify(context.Background(), notice())
	// Autotask answers a business-rule violation with HTTP 500 and its reason in errors[].
	var aerr *autotask.Error
	if !errors.As(err, &aerr) || aerr.Status != http.StatusInternalServerError || len(aerr.Messages) != 1 ||
		!strings.Contains(aerr.Messages[0], "Value does not reference an existing entity for billingCodeID") || !strings.Contains(err.Error(), "Autotask refused to create the ticket") {
		t.Fatalf("err = %#v (%v); want Autotask's 500 naming billingCodeID", aerr, err)
	}
	if n := len(srv.Tickets()); n != 0 {
		t.Fatalf("%d tickets created", n)
	}
}

func TestExtraFieldsCannotReplaceWhatTheToolSets(t *testing.T) {
	base := autotask.Config{APIUser: apiUser, Secret: secret, IntegrationCode: code, CompanyID: 1, Status: 1, Priority: 2}
	tests := []struct {
		name   string
		fields map[string]any
		want   string
	}{
		{"title", map[string]any{"title": "Something else"}, `"title" is a ticket field mfa-onboard sets itself`},
		{"any case", map[string]any{"Description": "x"}, `"Description" is a ticket field mfa-onboard sets itself`},
		{"company", map[string]any{"companyID": 7}, `"companyID"`},
		{"queue", map[string]any{"queueid": 7}, `"queueid"`},
		{"status", map[string]any{"status": 5}, `"status"`},
		{"a list", map[string]any{"ticketCategory": []any{1, 2}}, `"ticketCategory" must be one value`},
		{"no value", map[string]any{"ticketCategory": nil}, `"ticketCategory" has no value`},
		{"twice", map[string]any{"billingCodeID": 1, "BillingCodeID": 2}, "twice"},
		{"empty name", map[string]any{" ": 1}, "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.Fields = tt.fields
			_, err := autotask.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
	if !autotask.ToolField("QUEUEID") || autotask.ToolField("billingCodeID") {
		t.Error("ToolField must name the fields the tool sets, in any case, and no others")
	}
}

func TestCheckNamesWhatTheFieldsGetWrong(t *testing.T) {
	tests := []struct {
		name     string
		required []string
		fields   map[string]any
		ok       bool
		want     []string
	}{
		{"extra required fields filled by fields", []string{"companyID", "title", "status", "priority", "billingCodeID", "ticketCategory"},
			map[string]any{"billingCodeID": 29682801, "ticketCategory": 3}, true, []string{"every ticket field Autotask requires"}},
		{"extra required fields left out", []string{"companyID", "title", "status", "priority", "billingCodeID", "ticketCategory"},
			map[string]any{"ticketCategory": 3}, false, []string{"requires ticket fields the config does not set: billingCodeID"}},
		{"a field Autotask does not have", nil, map[string]any{"billingCode": 1, "ticketCategory": 3}, false,
			[]string{"notify.autotask.fields names fields Autotask's tickets do not have: billingCode"}},
		{"a read-only field", nil, map[string]any{"ticketNumber": "T1"}, false, []string{"read-only: ticketNumber"}},
		{"a value the picklist lacks", nil, map[string]any{"ticketCategory": 99}, false, []string{"ticketCategory 99 is not an active value of its picklist"}},
		{"an inactive picklist value", nil, map[string]any{"ticketCategory": "4"}, false, []string{"ticketCategory 4 is not an active value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server(t)
			if tt.required != nil {
				srv.SetRequired(tt.required...)
			}
			cfg := config(srv)
			cfg.Fields = tt.fields
			got := newNotifier(t, cfg).Check(context.Background())
			last := got[len(got)-1]
			if last.OK != tt.ok {
				t.Fatalf("check = %+v; want ok=%v", last, tt.ok)
			}
			for _, w := range tt.want {
				if !strings.Contains(last.Detail, w) {
					t.Errorf("detail %q lacks %q", last.Detail, w)
				}
			}
		})
	}
}

func TestCheckNamesANamedSettingThePicklistLacks(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	cfg.Priority = 9
	got := newNotifier(t, cfg).Check(context.Background())
	if last := got[len(got)-1]; last.OK || !strings.Contains(last.Detail, "priority 9 is not an active value of its picklist") {
		t.Fatalf("check = %+v; want priority 9 named", last)
	}
}
