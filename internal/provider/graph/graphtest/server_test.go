package graphtest_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

const (
	alice = "alice@contoso.com"
	// group is the object id of the group MFA is required of.
	group = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"
)

// token gets a bearer token from the fake authority, as the client would.
func token(t *testing.T, srv *graphtest.Server) string {
	t.Helper()
	cred, err := graph.NewSecretCredential(graphtest.TenantID, graphtest.ClientID, graphtest.ClientSecret, srv.AuthorityHost(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{srv.URL + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// The fake must refuse what real Graph refuses, or client tests prove nothing.
func TestServerRefusesWhatGraphRefuses(t *testing.T) {
	methods := "/v1.0/users/" + alice + "/authentication/phoneMethods"
	tests := []struct {
		name, method, path, contentType, body string
		bearer                                bool
		setup                                 func(*graphtest.Server)
		wantStatus                            int
		wantCode                              string
	}{
		{"no token", "GET", methods, "", "", false, nil, 401, "InvalidAuthenticationToken"},
		{"number without the space", "POST", methods, "application/json", `{"phoneNumber":"+12065550100","phoneType":"mobile"}`, true, nil, 400, "badRequest"},
		{"read-only smsSignInState", "POST", methods, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"mobile","smsSignInState":"ready"}`, true, nil, 400, "badRequest"},
		{"form body", "POST", methods, "application/x-www-form-urlencoded", `phoneNumber=%2B1+2065550100&phoneType=mobile`, true, nil, 400, "badRequest"},
		{"second mobile", "POST", methods, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}`, true,
			func(s *graphtest.Server) { s.AddMethod(alice, "mobile", "+1 2065550199") }, 400, "badRequest"},
		{"alternate before mobile", "POST", methods, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"alternateMobile"}`, true, nil, 400, "badRequest"},
		{"type change", "PATCH", methods + "/" + graphtest.MobileID, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"office"}`, true,
			func(s *graphtest.Server) { s.AddMethod(alice, "mobile", "+1 2065550199") }, 400, "badRequest"},
		{"no such user", "GET", "/v1.0/users/bob@contoso.com/authentication/phoneMethods", "", "", true, nil, 404, "Request_ResourceNotFound"},
		{"permission withdrawn", "GET", methods, "", "", true,
			func(s *graphtest.Server) { s.SetPermission(graphtest.PermMethods, false) }, 403, "Authorization_RequestDenied"},
		{"added", "POST", methods, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}`, true, nil, 201, `"id":"` + graphtest.MobileID + `"`},
		{"reading phones with the read-only permission", "GET", methods, "", "", true,
			func(s *graphtest.Server) {
				s.SetPermission(graphtest.PermMethods, false)
				s.SetPermission(graphtest.PermMethodsRead, true)
			}, 200, `"value":[]`},
		{"adding a phone with the read-only permission", "POST", methods, "application/json", `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}`, true,
			func(s *graphtest.Server) {
				s.SetPermission(graphtest.PermMethods, false)
				s.SetPermission(graphtest.PermMethodsRead, true)
			}, 403, "Authorization_RequestDenied"},
		{"user id without User.Read.All", "GET", "/v1.0/users/" + alice + "?$select=id", "", "", true,
			func(s *graphtest.Server) { s.SetPermission(graphtest.PermUsersRead, false) }, 403, "Authorization_RequestDenied"},
		{"user id", "GET", "/v1.0/users/" + alice + "?$select=id", "", "", true, nil, 200, `"id":"{alice}"`},
		{"security defaults", "GET", "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", "", "", true,
			func(s *graphtest.Server) { s.SetSecurityDefaults(true) }, 200, `"isEnabled":true`},
		{"security defaults without Policy.Read.All", "GET", "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", "", "", true,
			func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyRead, false) }, 403, "Authorization_RequestDenied"},
		{"conditional access policies", "GET", "/v1.0/identity/conditionalAccess/policies", "", "", true,
			func(s *graphtest.Server) {
				s.AddConditionalAccessPolicy(graphtest.CAPolicy{Name: "Require MFA", State: graphtest.CAReportOnly, Controls: []string{"mfa"}})
			}, 200, `"state":"enabledForReportingButNotEnforced"`},
		{"conditional access without Policy.Read.All", "GET", "/v1.0/identity/conditionalAccess/policies", "", "", true,
			func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyRead, false) }, 403, "Authorization_RequestDenied"},
		{"member added", "POST", "/v1.0/groups/" + group + "/members/$ref", "application/json", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"}`, true,
			func(s *graphtest.Server) { s.AddGroup(group, "MFA required") }, 204, ""},
		{"member already in the group", "POST", "/v1.0/groups/" + group + "/members/$ref", "application/json", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"}`, true,
			func(s *graphtest.Server) { s.AddGroup(group, "MFA required", alice) }, 400, "One or more added object references already exist"},
		{"member that does not exist", "POST", "/v1.0/groups/" + group + "/members/$ref", "application/json", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/aaaaaaaa-0000-4000-8000-000000000000"}`, true,
			func(s *graphtest.Server) { s.AddGroup(group, "MFA required") }, 404, "Request_ResourceNotFound"},
		{"no such group", "POST", "/v1.0/groups/" + group + "/members/$ref", "application/json", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"}`, true,
			nil, 404, "Request_ResourceNotFound"},
		{"group id that is not an object id", "GET", "/v1.0/groups/mfa-users", "", "", true, nil, 400, "Invalid object identifier"},
		{"adding a member without GroupMember.ReadWrite.All", "POST", "/v1.0/groups/" + group + "/members/$ref", "application/json", `{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/{alice}"}`, true,
			func(s *graphtest.Server) {
				s.AddGroup(group, "MFA required")
				s.SetPermission(graphtest.PermGroupMembers, false)
			}, 403, "Authorization_RequestDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := graphtest.New(t)
			srv.AddUser(alice)
			if tt.setup != nil {
				tt.setup(srv)
			}
			id := srv.UserID(alice)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(strings.ReplaceAll(tt.body, "{alice}", id)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.bearer {
				req.Header.Set("Authorization", "Bearer "+token(t, srv))
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			reqs := srv.Requests()
			r := reqs[len(reqs)-1]
			if want := strings.ReplaceAll(tt.wantCode, "{alice}", id); r.Status != tt.wantStatus || !strings.Contains(r.Answer, want) {
				t.Errorf("answer %d %s; want %d with %s", r.Status, r.Answer, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestTokenRefusesAnotherResource(t *testing.T) {
	srv := graphtest.New(t)
	cred, err := graph.NewSecretCredential(graphtest.TenantID, graphtest.ClientID, graphtest.ClientSecret, srv.AuthorityHost(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err == nil || !strings.Contains(err.Error(), "AADSTS70011") {
		t.Fatalf("GetToken(global Graph scope) = %v; want AADSTS70011", err)
	}
}

// A client trusting only the written CA bundle reaches the server, as the binary
// would with ca_file.
func TestWriteCA(t *testing.T) {
	srv := graphtest.New(t)
	p := srv.WriteCA(t)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		t.Fatalf("%s holds no certificate", p)
	}
	client, err := httpclient.New(0, p)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(srv.URL + "/" + graphtest.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("GET through the CA bundle: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
}
