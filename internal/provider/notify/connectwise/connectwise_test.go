package connectwise_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise/connectwisetest"
)

const (
	company    = "contoso"
	publicKey  = "pUbLiCkEy0123456"
	privateKey = "Pr1vate$Key-cw"
	clientID   = "2f1e2b4c-5d6a-4b7c-8d9e-0f1a2b3c4d5e"
)

var start = time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC)

func notice() provider.Notice {
	return provider.Notice{ID: "mfa-onboard-0123456789abcdef", User: "alice@contoso.com", Organisation: "Contoso",
		MaskedPhone: "+1 ***-***-0100", Completed: []string{"mobile number verified"}, When: start, Computer: "PC-042"}
}

func server(t *testing.T) *connectwisetest.Server {
	return connectwisetest.New(t, connectwisetest.Options{CompanyID: company, PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID})
}

func config(srv *connectwisetest.Server) connectwise.Config {
	return connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: company, PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID,
		Board: connectwise.Ref{Name: "Help Desk"}, Status: connectwise.Ref{Name: "New"}, Company: connectwise.CompanyRef{Identifier: "ContosoLtd"},
		BaseURL: srv.BaseURL(), HTTPClient: srv.Client(), Clock: clock.NewFake(start)}
}

func newNotifier(t *testing.T, cfg connectwise.Config) *connectwise.Notifier {
	t.Helper()
	n, err := connectwise.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifyFilesOneServiceTicket(t *testing.T) {
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
	if receipt != "ticket 5000" {
		t.Errorf("receipt = %q", receipt)
	}
	tickets := srv.Tickets()
	if len(tickets) != 1 {
		t.Fatalf("%d tickets; want 1", len(tickets))
	}
	tk := tickets[0]
	if tk.Summary != "MFA set up: alice@contoso.com [mfa-onboard-0123456789abcdef]" {
		t.Errorf("summary = %q", tk.Summary)
	}
	// Board and status were named; the ticket carries their ids, looked up on the board.
	if tk.BoardID != 1 || tk.StatusID != 17 || tk.CompanyID != 250 {
		t.Errorf("ticket = %+v; want board 1, status 17, company 250", tk)
	}
	for _, w := range []string{"alice@contoso.com", "+1 ***-***-0100", "Reference: mfa-onboard-0123456789abcdef"} {
		if !strings.Contains(tk.InitialDescription, w) {
			t.Errorf("initial description lacks %q:\n%s", w, tk.InitialDescription)
		}
	}
	calls := strings.Join(srv.Calls(), "\n")
	if !strings.HasPrefix(calls, "GET /login/companyinfo/contoso\n") || strings.Count(calls, "companyinfo") != 1 {
		t.Errorf("calls:\n%s\nwant the codebase asked for once, first", calls)
	}
	if i, j := strings.Index(calls, "GET /v4_6_release/apis/3.0/service/tickets?"), strings.Index(calls, "POST /v4_6_release/apis/3.0/service/tickets"); i < 0 || j < i {
		t.Errorf("calls:\n%s\nwant a search for the notice before the create", calls)
	}
}

func TestNotifyFindsTheTicketAnEarlierRunFiled(t *testing.T) {
	srv := server(t)
	// A run filed the ticket and died before saving the receipt; another notice's
	// ticket, and one whose summary only contains the id as part of a longer one, are
	// not it.
	srv.AddTicket(connectwisetest.Ticket{Summary: "MFA set up: bob@contoso.com [mfa-onboard-ffffffffffffffff]", BoardID: 1, StatusID: 17, CompanyID: 250})
	srv.AddTicket(connectwisetest.Ticket{Summary: "MFA set up: x [mfa-onboard-0123456789abcdef00]", BoardID: 1, StatusID: 17, CompanyID: 250})
	earlier := srv.AddTicket(connectwisetest.Ticket{Summary: connectwise.Summary("alice@contoso.com", notice().ID), BoardID: 1, StatusID: 17, CompanyID: 250})
	n := newNotifier(t, config(srv))
	receipt, err := n.Notify(context.Background(), notice())
	if err != nil {
		t.Fatal(err)
	}
	if want := "ticket " + itoa(earlier.ID); receipt != want {
		t.Errorf("receipt = %q; want %q", receipt, want)
	}
	if got, found, err := n.Sent(context.Background(), notice().ID); err != nil || !found || got != receipt {
		t.Errorf("Sent = %q, %v, %v; want %q", got, found, err, receipt)
	}
	if k := len(srv.Tickets()); k != 3 {
		t.Fatalf("%d tickets; want no new one", k)
	}
	for _, c := range srv.Calls() {
		if strings.HasPrefix(c, "POST ") {
			t.Fatalf("a ticket was created: %v", srv.Calls())
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSummaryKeepsTheIdWithin100Characters(t *testing.T) {
	user := strings.Repeat("ä", 120) + "@contoso.com"
	s := connectwise.Summary(user, notice().ID)
	if utf8.RuneCountInString(s) != 100 || !strings.HasSuffix(s, " ["+notice().ID+"]") {
		t.Fatalf("summary = %q (%d characters); want 100 ending in the id", s, utf8.RuneCountInString(s))
	}
	srv := server(t)
	n := notice()
	n.User = user
	if _, err := newNotifier(t, config(srv)).Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
}

func TestPinnedCodebaseAndIdsNeedNoLookups(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	cfg.Codebase = "v4_6_release"
	cfg.Board, cfg.Status, cfg.Company = connectwise.Ref{ID: 2}, connectwise.Ref{}, connectwise.CompanyRef{ID: 2}
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	for _, c := range srv.Calls() {
		if strings.Contains(c, "companyinfo") || strings.Contains(c, "/boards") {
			t.Fatalf("looked up what the config gave: %v", srv.Calls())
		}
	}
	if tk := srv.Tickets()[0]; tk.BoardID != 2 || tk.StatusID != 30 || tk.CompanyID != 2 {
		t.Errorf("ticket = %+v; want board 2 with its default status 30, company 2", tk)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(srv *connectwisetest.Server, cfg *connectwise.Config)
		want  string
	}{
		{"wrong private key", func(_ *connectwisetest.Server, cfg *connectwise.Config) { cfg.PrivateKey = "wrong" },
			"ConnectWise refused the API keys for company contoso (HTTP 401)"},
		{"wrong public key", func(_ *connectwisetest.Server, cfg *connectwise.Config) { cfg.PublicKey = "other" }, "(HTTP 401)"},
		{"client id not registered", func(_ *connectwisetest.Server, cfg *connectwise.Config) {
			cfg.ClientID = "00000000-0000-4000-8000-000000000000"
		},
			"ConnectWise refused the clientId (HTTP 400"},
		{"company unknown to the site", func(_ *connectwisetest.Server, cfg *connectwise.Config) { cfg.CompanyID = "fabrikam" },
			"does not know the company fabrikam"},
		{"member may not add tickets", func(srv *connectwisetest.Server, _ *connectwise.Config) { srv.Deny(connectwisetest.TicketAdd) },
			"ConnectWise does not let the API member of company contoso create the ticket (HTTP 403: You do not have security permission"},
		{"board name unknown", func(_ *connectwisetest.Server, cfg *connectwise.Config) {
			cfg.Board = connectwise.Ref{Name: "Helpdesk"}
		},
			`ConnectWise has no service board named "Helpdesk"`},
		{"status name not on the board", func(_ *connectwisetest.Server, cfg *connectwise.Config) {
			cfg.Status = connectwise.Ref{Name: "Waiting"}
		},
			`the service board Help Desk has no status named "Waiting"`},
		{"status id not on the board", func(_ *connectwisetest.Server, cfg *connectwise.Config) { cfg.Status = connectwise.Ref{ID: 30} },
			"ConnectWise refused to create the ticket: ticket object is invalid: Service Status 30 not found for Service Board 1 (status/id)"},
		{"company identifier unknown", func(_ *connectwisetest.Server, cfg *connectwise.Config) {
			cfg.Company = connectwise.CompanyRef{Identifier: "Nobody"}
		},
			"ConnectWise refused to create the ticket: ticket object is invalid: Company not found (company)"},
		{"error text is cleaned and never shows the key", func(srv *connectwisetest.Server, _ *connectwise.Config) {
			srv.FailNext(http.MethodPost, 400, `{"code":"InvalidObject","message":"bad\u001b[31m Pr1vate$K\u0007ey-cw","errors":null}`, "")
		}, "ConnectWise refused to create the ticket: bad[31m [private key]"},
		{"site throttling the codebase lookup", func(srv *connectwisetest.Server, _ *connectwise.Config) {
			for range 4 {
				srv.FailNext(http.MethodGet, 429, "", "1")
			}
		}, "ConnectWise is limiting requests (HTTP 429) while trying to look up the codebase of company contoso"},
		{"500 without text", func(srv *connectwisetest.Server, _ *connectwise.Config) { srv.FailNext(http.MethodPost, 500, "", "") },
			"ConnectWise answered HTTP 500 while trying to create the ticket"},
		{"429 until out of tries", func(srv *connectwisetest.Server, _ *connectwise.Config) {
			for range 4 {
				srv.FailNext(http.MethodPost, 429, `{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}`, "1")
			}
		}, "ConnectWise is limiting requests (HTTP 429) while trying to create the ticket"},
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
			if strings.Contains(err.Error(), privateKey) || strings.ContainsRune(err.Error(), 0x1b) {
				t.Fatalf("error shows the private key or a control character: %q", err)
			}
			if n := len(srv.Tickets()); n != 0 {
				t.Fatalf("%d tickets created", n)
			}
		})
	}
}

func TestRetryAfter429ResendsTheSameTicket(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	fc := clock.NewFake(start)
	cfg.Clock = fc
	srv.FailNext(http.MethodPost, http.StatusTooManyRequests, `{"error":"ConnectWiseAPI","message":"Too many requests."}`, "7")
	if _, err := newNotifier(t, cfg).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	if got := fc.Now().Sub(start); got != 7*time.Second {
		t.Errorf("waited %s; want the 7 s ConnectWise asked for", got)
	}
	if tk := srv.Tickets(); len(tk) != 1 || !strings.Contains(tk[0].Summary, notice().ID) {
		t.Fatalf("tickets = %+v; want one, with its summary", tk)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(*connectwisetest.Server, *connectwise.Config)
		line   string
		ok     bool
		want   string
	}{
		{"all set", nil, "connectwise tickets", true,
			"board Help Desk (1), status New (17) and company Contoso Ltd (ContosoLtd) are there and tickets can be searched; no ticket was created"},
		{"wrong key", func(_ *connectwisetest.Server, c *connectwise.Config) { c.PrivateKey = "x" }, "connectwise api", false, "(HTTP 401)"},
		{"client id not registered", func(_ *connectwisetest.Server, c *connectwise.Config) {
			c.ClientID = "00000000-0000-4000-8000-000000000000"
		},
			"connectwise api", false, "clientId"},
		{"board unknown", func(_ *connectwisetest.Server, c *connectwise.Config) { c.Board = connectwise.Ref{ID: 9} }, "connectwise tickets", false,
			"ConnectWise has no service board 9"},
		{"status not on the board", func(_ *connectwisetest.Server, c *connectwise.Config) { c.Status = connectwise.Ref{ID: 30} }, "connectwise tickets", false,
			"the service board Help Desk has no status 30"},
		{"company unknown", func(_ *connectwisetest.Server, c *connectwise.Config) { c.Company = connectwise.CompanyRef{ID: 77} }, "connectwise tickets", false,
			"ConnectWise has no company 77"},
		{"companies hidden from the member", func(s *connectwisetest.Server, _ *connectwise.Config) { s.Deny(connectwisetest.CompanyInquire) },
			"connectwise tickets", false, "(HTTP 403"},
		{"tickets hidden from the member", func(s *connectwisetest.Server, _ *connectwise.Config) { s.Deny(connectwisetest.TicketInquire) },
			"connectwise tickets", false, "search for tickets (HTTP 403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := server(t)
			cfg := config(srv)
			if tt.change != nil {
				tt.change(srv, &cfg)
			}
			got := newNotifier(t, cfg).Check(context.Background())
			if len(got) == 0 || got[0].Name != "connectwise site" || !got[0].OK || !strings.Contains(got[0].Detail, "codebase v4_6_release/") {
				t.Fatalf("checks = %+v; want the site's codebase first", got)
			}
			var line *provider.Check
			for i := range got {
				if got[i].Name == tt.line {
					line = &got[i]
				}
			}
			if line == nil || line.OK != tt.ok || !strings.Contains(line.Detail, tt.want) {
				t.Fatalf("checks = %+v; want %s ok=%v with %q", got, tt.line, tt.ok, tt.want)
			}
			if !got[len(got)-1].OK && got[len(got)-1] != *line {
				t.Errorf("a check after the failed one ran: %+v", got)
			}
			if len(srv.Tickets()) != 0 {
				t.Fatal("Check created a ticket")
			}
			for _, c := range srv.Calls() {
				if !strings.HasPrefix(c, "GET ") {
					t.Fatalf("Check made a call that is not a read: %s", c)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	base := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: company, PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID,
		Board: connectwise.Ref{ID: 1}, Company: connectwise.CompanyRef{ID: 250}}
	tests := []struct {
		name   string
		change func(*connectwise.Config)
		want   string
	}{
		{"site", func(c *connectwise.Config) { c.Site = "" }, "ConnectWise site is empty"},
		{"site with a scheme", func(c *connectwise.Config) { c.Site = "https://api-na.myconnectwise.net" }, "is not a host name"},
		{"company", func(c *connectwise.Config) { c.CompanyID = " " }, "company id is empty"},
		{"company with a plus", func(c *connectwise.Config) { c.CompanyID = "a+b" }, "company id"},
		{"public key", func(c *connectwise.Config) { c.PublicKey = "" }, "public key is empty"},
		{"public key with a colon", func(c *connectwise.Config) { c.PublicKey = "a:b" }, "public key"},
		{"private key", func(c *connectwise.Config) { c.PrivateKey = "" }, "private key is empty"},
		{"client id", func(c *connectwise.Config) { c.ClientID = "" }, "clientId is empty"},
		{"client id not a GUID", func(c *connectwise.Config) { c.ClientID = "my-integration" }, "is not a GUID"},
		{"board", func(c *connectwise.Config) { c.Board = connectwise.Ref{} }, "service board is not set"},
		{"board twice", func(c *connectwise.Config) { c.Board = connectwise.Ref{ID: 1, Name: "Help Desk"} }, "board by id or by name"},
		{"company ref", func(c *connectwise.Config) { c.Company = connectwise.CompanyRef{} }, "company tickets are filed under is not set"},
		{"quote in a name", func(c *connectwise.Config) { c.Board = connectwise.Ref{Name: `Help "Desk"`} }, "double quote"},
		{"codebase", func(c *connectwise.Config) { c.Codebase = "../x" }, "codebase"},
		{"base http", func(c *connectwise.Config) { c.BaseURL = "http://cw.example.com/" }, "not an https URL"},
		{"template", func(c *connectwise.Config) { c.Template = "{{.X" }, "notify.template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			_, err := connectwise.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
	n, err := connectwise.New(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{n.String(), n.GoString(), base.String(), base.GoString()} {
		if strings.Contains(s, privateKey) {
			t.Fatalf("%q shows the private key", s)
		}
	}
}
