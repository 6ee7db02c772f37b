package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

const alice = "alice@contoso.com"

var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

type creds struct{ tenant, client, secret string }

var good = creds{graphtest.TenantID, graphtest.ClientID, graphtest.ClientSecret}

// setup starts a fake authority and Graph holding alice, and a client using them with
// a fake clock shared with the server.
func setup(t *testing.T, cr creds) (*graph.Client, *graphtest.Server, *clock.Fake) {
	t.Helper()
	return setupWith(t, cr, nil)
}

// setupWith is setup with the client's config edited by edit (needs, enforcement).
func setupWith(t *testing.T, cr creds, edit func(*graph.Config)) (*graph.Client, *graphtest.Server, *clock.Fake) {
	t.Helper()
	srv := graphtest.New(t)
	fc := clock.NewFake(start)
	srv.SetClock(fc)
	srv.AddUser(alice)
	cred, err := graph.NewSecretCredential(cr.tenant, cr.client, cr.secret, srv.AuthorityHost(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	cfg := graph.Config{TenantID: cr.tenant, ClientID: cr.client, Credential: cred, BaseURL: srv.URL, HTTPClient: srv.Client(), Clock: fc}
	if edit != nil {
		edit(&cfg)
	}
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, fc
}

// calls returns the server's record of requests with a method to a path.
func calls(srv *graphtest.Server, method, path string) []graphtest.Request {
	var out []graphtest.Request
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestTokenFromTheFakeAuthority(t *testing.T) {
	c, srv, _ := setup(t, good)
	if _, err := c.MobileMethod(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %+v; want discovery, token, Graph", reqs)
	}
	if reqs[0].Path != "/"+graphtest.TenantID+"/v2.0/.well-known/openid-configuration" || reqs[0].Status != 200 {
		t.Errorf("first request %s %s → %d; want the tenant's OpenID configuration", reqs[0].Method, reqs[0].Path, reqs[0].Status)
	}
	tok := reqs[1]
	if tok.Path != "/"+graphtest.TenantID+"/oauth2/v2.0/token" || tok.Status != 200 || !strings.Contains(tok.Body, "grant_type=client_credentials") {
		t.Errorf("token request %s %s %q → %d; want a client-credentials grant", tok.Method, tok.Path, tok.Body, tok.Status)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	if !strings.Contains(tok.Body, "scope=https%3A%2F%2F"+strings.ReplaceAll(host, ":", "%3A")+"%2F.default") {
		t.Errorf("token scope in %q; want this Graph host's /.default", tok.Body)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	srv := graphtest.New(t)
	cred, err := graph.NewSecretCredential(graphtest.TenantID, graphtest.ClientID, "x", srv.AuthorityHost(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ok := graph.Config{TenantID: graphtest.TenantID, ClientID: graphtest.ClientID, Credential: cred}
	tests := []struct {
		name string
		edit func(*graph.Config)
		want string
	}{
		{"no tenant", func(c *graph.Config) { c.TenantID = "" }, "graph.tenant_id"},
		{"no client", func(c *graph.Config) { c.ClientID = " " }, "graph.client_id"},
		{"no credential", func(c *graph.Config) { c.Credential = nil }, "graph.client_secret_env"},
		{"plain http", func(c *graph.Config) { c.BaseURL = "http://graph.microsoft.com" }, "https"},
		{"unknown enforcement", func(c *graph.Config) { c.Enforcement = "always" }, "graph.enforcement"},
		{"group without the group", func(c *graph.Config) { c.Enforcement = graph.EnforceGroup }, "graph.enforcement_group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			if _, err := graph.New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v; want an error naming %q", err, tt.want)
			}
		})
	}
	if _, err := graph.New(ok); err != nil {
		t.Fatalf("New(ok) = %v", err)
	}
	if _, err := graph.NewSecretCredential("not a tenant!", graphtest.ClientID, "x", "", nil); err == nil || !strings.Contains(err.Error(), "graph.tenant_id") {
		t.Errorf("NewSecretCredential(bad tenant) = %v; want an error naming graph.tenant_id", err)
	}
}

func TestTokenErrorsAreSentences(t *testing.T) {
	tests := []struct {
		name string
		cr   creds
		want string
	}{
		{"wrong secret", creds{graphtest.TenantID, graphtest.ClientID, "wrong~secret~value"}, "the Graph client secret is wrong or expired: check graph.client_secret_env"},
		{"unknown app", creds{graphtest.TenantID, "99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee", graphtest.ClientSecret}, "graph.client_id is not an app registration in this tenant"},
		{"unknown tenant", creds{"99999999-2222-4333-8444-555555555555", graphtest.ClientID, graphtest.ClientSecret}, "graph.tenant_id is not a tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := setup(t, tt.cr)
			_, err := c.MobileMethod(context.Background(), alice)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("MobileMethod = %v; want %q", err, tt.want)
			}
			var te *graph.TokenError
			if !errors.As(err, &te) || te.Code == "" {
				t.Errorf("error %T carries no AADSTS code", err)
			}
			if strings.Contains(err.Error(), tt.cr.secret) {
				t.Errorf("error shows the secret")
			}
		})
	}
}
