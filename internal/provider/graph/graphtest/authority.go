package graphtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// openIDConfig answers MSAL's tenant discovery. Issuer and endpoints are on this
// server, so MSAL's issuer check passes.
func (s *Server) openIDConfig(w http.ResponseWriter, r *http.Request, tenant string) {
	if tenant != TenantID {
		aadError(w, http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	}
	base := "https://" + r.Host + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   "EU",
	})
}

// token is the client-credentials grant. The scope must be this server's own
// "/.default" (the client derives it from the Graph host), plus what MSAL adds.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string, form url.Values) {
	clientID := form.Get("client_id")
	switch {
	case tenant != TenantID:
		aadError(w, http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found.")
	case form.Get("grant_type") != "client_credentials":
		aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+form.Get("grant_type")+"'.")
	case clientID != ClientID:
		aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '"+clientID+"' was not found in the directory '"+tenant+"'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.")
	case form.Get("client_secret") != ClientSecret:
		aadError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+ClientID+"'.")
	case goodScope(form.Get("scope"), ExchangeOnlineScope):
		// A token for SMTP, IMAP or POP: Exchange Online checks it, not Graph.
		tok := s.newToken()
		s.exchangeTokens[tok] = true
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	case !goodScope(form.Get("scope"), "https://"+r.Host+"/.default"):
		aadError(w, http.StatusBadRequest, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope "+form.Get("scope")+" is not valid.")
	default:
		tok := s.newToken()
		s.tokens[tok] = true
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

// ExchangeOnlineScope is the resource of an app token for SMTP AUTH XOAUTH2
// (https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
const ExchangeOnlineScope = "https://outlook.office365.com/.default"

// IssuedForExchange reports whether the authority issued tok for Exchange Online, so
// a test's mail server can accept exactly those tokens.
func (s *Server) IssuedForExchange(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchangeTokens[tok]
}

// goodScope accepts resource plus any of the scopes MSAL adds on its own.
func goodScope(scope, resource string) bool {
	got := strings.Fields(scope)
	if !slices.Contains(got, resource) {
		return false
	}
	for _, sc := range got {
		if sc != resource && sc != "openid" && sc != "offline_access" && sc != "profile" {
			return false
		}
	}
	return true
}

// aadError writes Entra ID's OAuth error body.
func aadError(w http.ResponseWriter, status int, code string, number int, msg string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": "AADSTS" + itoa(number) + ": " + msg + "\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: 2026-11-25 09:00:00Z",
		"error_codes":       []int{number},
		"timestamp":         "2026-11-25 09:00:00Z",
		"trace_id":          "00000000-0000-0000-0000-000000000000",
		"correlation_id":    "00000000-0000-0000-0000-000000000000",
		"error_uri":         "https://login.microsoftonline.com/error?code=" + itoa(number),
	})
}

// newToken makes a JWT-shaped token like Entra ID's: its "roles" claim lists the
// application permissions granted now, which is what a client can read to find a
// missing permission before using it. The signature is not a real one.
func (s *Server) newToken() string {
	var roles []string
	for name, granted := range s.perms {
		if granted {
			roles = append(roles, name)
		}
	}
	slices.Sort(roles)
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	claims, _ := json.Marshal(map[string]any{"aud": "https://graph.microsoft.com", "tid": TenantID, "appid": ClientID, "roles": roles, "jti": hex.EncodeToString(nonce)})
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + ".fake"
}
