package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadDoc(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p, true)
}

const autotaskDoc = `providers:
  notify: [autotask]
notify:
  autotask:
    api_user: api@msp.example
    secret_env: AT_SECRET
    integration_code: CODE
    company_id: 42
    status: 1
    priority: 2
`

func TestAutotaskExtraFieldsAreKeptAsWritten(t *testing.T) {
	c, err := loadDoc(t, autotaskDoc+"    fields: {billingCodeID: 29682801, ticketCategory: 3, dueDateTime: 2026-12-01T17:00:00Z, source: \"4\", isVisible: true}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"billingCodeID": 29682801, "ticketCategory": 3, "dueDateTime": "2026-12-01T17:00:00Z", "source": "4", "isVisible": true}
	got := c.Notify.Autotask.Fields
	if len(got) != len(want) {
		t.Fatalf("fields = %#v; want %#v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("fields[%s] = %#v; want %#v", k, got[k], v)
		}
	}
}

const connectWiseDoc = `providers:
  notify: [connectwise]
notify:
  connectwise:
    site: api-na.myconnectwise.net
    company_id: contoso
    public_key: pUbLiC
    private_key_env: CW_PRIVATE_KEY
    client_id: 2f1e2b4c-0000-4000-8000-00000000c0de
    board: {name: Help Desk}
    status: {id: 17}
    company: {identifier: ContosoLtd}
`

func TestConnectWiseConfigLoads(t *testing.T) {
	c, err := loadDoc(t, connectWiseDoc)
	if err != nil {
		t.Fatal(err)
	}
	cw := c.Notify.ConnectWise
	if cw.Site != "api-na.myconnectwise.net" || cw.CompanyID != "contoso" || cw.PublicKey != "pUbLiC" || cw.PrivateKeyEnv != "CW_PRIVATE_KEY" ||
		cw.ClientID == "" || cw.Board.Name != "Help Desk" || cw.Status.ID != 17 || cw.Company.Identifier != "ContosoLtd" {
		t.Fatalf("connectwise = %+v", cw)
	}
}

func TestPSAConfigErrors(t *testing.T) {
	replace := func(doc, old, new string) string {
		if !strings.Contains(doc, old) {
			t.Fatalf("%q not in the document", old)
		}
		return strings.Replace(doc, old, new, 1)
	}
	tests := []struct {
		name, doc, want string
	}{
		{"autotask field that is a list", autotaskDoc + "    fields:\n      ticketCategory: [1, 2]\n",
			`line 12: notify.autotask.fields.ticketCategory must be one value`},
		{"autotask field without a value", autotaskDoc + "    fields:\n      ticketCategory:\n", "notify.autotask.fields.ticketCategory has no value"},
		{"autotask field the tool sets", autotaskDoc + "    fields:\n      Title: x\n",
			`line 12: notify.autotask.fields.Title is a ticket field mfa-onboard sets itself`},
		{"autotask field that routes", autotaskDoc + "    fields: {queueID: 5}\n", "notify.autotask.fields.queueID is a ticket field mfa-onboard sets itself"},
		{"connectwise is a provider name", replace(connectWiseDoc, "[connectwise]", "[connect-wise]"), "autotask, connectwise"},
		{"connectwise private key in clear", connectWiseDoc + "    private_key: s3cret\n", "field private_key not found"},
		{"connectwise without a site", replace(connectWiseDoc, "    site: api-na.myconnectwise.net\n", ""), "notify.connectwise.site is missing"},
		{"connectwise site as a URL", replace(connectWiseDoc, "site: api-na", "site: https://api-na"), "line 5: notify.connectwise.site"},
		{"connectwise without a company id", replace(connectWiseDoc, "    company_id: contoso\n", ""), "notify.connectwise.company_id is missing"},
		{"connectwise without a public key", replace(connectWiseDoc, "    public_key: pUbLiC\n", ""), "notify.connectwise.public_key is missing"},
		{"connectwise without a private key", replace(connectWiseDoc, "    private_key_env: CW_PRIVATE_KEY\n", ""), "notify.connectwise.private_key_env is missing"},
		{"connectwise without a client id", replace(connectWiseDoc, "    client_id: 2f1e2b4c-0000-4000-8000-00000000c0de\n", ""), "notify.connectwise.client_id is missing"},
		{"connectwise without a board", replace(connectWiseDoc, "    board: {name: Help Desk}\n", ""), "notify.connectwise.board is missing"},
		{"connectwise board twice", replace(connectWiseDoc, "{name: Help Desk}", "{id: 1, name: Help Desk}"), "line 10: notify.connectwise.board"},
		{"connectwise status twice", replace(connectWiseDoc, "{id: 17}", "{id: 17, name: New}"), "notify.connectwise.status"},
		{"connectwise without a company", replace(connectWiseDoc, "    company: {identifier: ContosoLtd}\n", ""), "notify.connectwise.company is missing"},
		{"connectwise name with a quote", replace(connectWiseDoc, "{name: Help Desk}", `{name: 'Help "Desk"'}`), "notify.connectwise.board"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadDoc(t, tt.doc)
			var cerr *Error
			if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want a config error containing %q", err, tt.want)
			}
		})
	}
}
