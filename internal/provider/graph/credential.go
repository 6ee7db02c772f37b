package graph

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// NewSecretCredential builds a client-secret credential. authorityHost ("" for the
// public cloud's login.microsoftonline.com) points it at another authority, a
// national cloud's or a test's; instance discovery is then off, because it would ask
// login.microsoft.com about a host it does not know. client carries every token
// request, so the same CA bundle and proxy apply as for Graph.
func NewSecretCredential(tenantID, clientID, secret, authorityHost string, client *http.Client) (azcore.TokenCredential, error) {
	opts := &azidentity.ClientSecretCredentialOptions{}
	if authorityHost != "" {
		if !strings.HasSuffix(authorityHost, "/") {
			authorityHost += "/"
		}
		opts.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: authorityHost}
		opts.DisableInstanceDiscovery = true
	}
	if client != nil {
		opts.Transport = client
	}
	cred, err := azidentity.NewClientSecretCredential(tenantID, clientID, secret, opts)
	if err != nil {
		// azidentity refuses a malformed tenant id here; its message names no secret.
		return nil, fmt.Errorf("graph.tenant_id or the Graph authority host is not valid (%w); copy the Directory (tenant) ID from Entra ID → Overview", err)
	}
	return cred, nil
}
