package graph

import (
	"context"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// NewSecretCredential builds a client-secret credential. authorityHost ("" for the
// public cloud's login.microsoftonline.com) points it at another authority, a
// national cloud's or a test's; instance discovery is then off, because it would ask
// login.microsoft.com about a host it does not know. client carries every token
// request, so the same CA bundle and proxy apply as for Graph.
func NewSecretCredential(tenantID, clientID, secret, authorityHost string, client *http.Client) (azcore.TokenCredential, error) {
	co, noDiscovery := clientOptions(authorityHost, client)
	opts := &azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery}
	cred, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, opts)
	if err != nil {
		// azidentity refuses a malformed tenant id here; its message names no secret.
		return nil, catalog.Wrap(err, "graph.credential.tenant")
	}
	return cred, nil
}

// NewCertificateCredential builds the client-credentials token source from a PEM (or
// PKCS#12 without password) file holding the certificate and its private key.
func NewCertificateCredential(tenantID, clientID, certFile, authorityHost string, client *http.Client) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return nil, catalog.Wrap(err, "graph.credential.read-cert", "File", certFile)
	}
	certs, key, err := azidentity.ParseCertificates(data, nil)
	if err != nil {
		return nil, catalog.Wrap(err, "graph.credential.bad-cert", "File", certFile)
	}
	co, noDiscovery := clientOptions(authorityHost, client)
	opts := &azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery}
	cred, err := azidentity.NewClientCertificateCredential(tenantID, clientID, certs, key, opts)
	if err != nil {
		return nil, catalog.Wrap(err, "graph.credential.tenant")
	}
	return cred, nil
}

// TokenSource gets app-only access tokens for scope with cred (azidentity caches and
// renews them), for a protocol outside Graph that the same app registration logs in
// to, such as SMTP AUTH XOAUTH2 with https://outlook.office365.com/.default. A failure
// is a *TokenError, one sentence naming the graph: setting to fix.
func TokenSource(cred azcore.TokenCredential, scope string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			return "", tokenError(ctx, err)
		}
		return tok.Token, nil
	}
}

// clientOptions points token requests at authorityHost (when set, instance discovery
// must be off) and sends them through client.
func clientOptions(authorityHost string, client *http.Client) (azcore.ClientOptions, bool) {
	var co azcore.ClientOptions
	if client != nil {
		co.Transport = client
	}
	if authorityHost == "" {
		return co, false
	}
	if !strings.HasSuffix(authorityHost, "/") {
		authorityHost += "/"
	}
	co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: authorityHost}
	return co, true
}
