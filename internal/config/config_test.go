package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultIsTheDemo(t *testing.T) {
	c := Default()
	if c.Providers.SMS != "fake" || c.Providers.Duo != "fake" || c.Providers.PhoneRegistration != "fake" {
		t.Errorf("default providers = %+v; the embedded default must be the offline demo", c.Providers)
	}
	if c.Limits.CodeAttempts != 5 || c.Limits.CodeValid.D().Minutes() != 10 || c.Limits.ResendCoolDown.D().Seconds() != 30 {
		t.Errorf("default limits = %+v; want 5 attempts, 10 minutes, 30 s cool-down", c.Limits)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantErr  string
		wantOrg  string
		required bool
	}{
		{name: "overrides one key", yaml: "organisation: Contoso IT\n", wantOrg: "Contoso IT"},
		{name: "empty file is the default", yaml: "", wantOrg: "Example MSP"},
		{name: "unknown key names it and its line", yaml: "organisation: X\ncolour: blue\n", wantErr: "line 2: field colour not found"},
		{name: "bad duration", yaml: "limits:\n  code_valid: soon\n", wantErr: `line 2: "soon" is not a duration`},
		{name: "bad country", yaml: "default_country: USA\n", wantErr: "line 1: default_country"},
		{name: "no such country", yaml: "default_country: QQ\n", wantErr: "default_country"},
		{name: "too many attempts", yaml: "organisation: X\nlimits:\n  code_attempts: 99\n", wantErr: "line 3: limits.code_attempts 99"},
		{name: "unknown provider", yaml: "providers:\n  sms: carrier-pigeon\n", wantErr: "line 2: providers.sms"},
		{name: "portal is both roles", yaml: "providers:\n  sms: portal\n", wantErr: "providers.sms"},
		{name: "duo without a host", yaml: "providers:\n  duo: duo\n", wantErr: "duo.api_host"},
		{name: "duo secret key in place", yaml: "providers:\n  duo: duo\nduo:\n  api_host: api-x.duosecurity.com\n  admin_ikey: DI\n", wantErr: "duo.admin_skey_env"},
		{name: "graph without a tenant", yaml: "providers:\n  phone_registration: graph\n", wantErr: "graph.tenant_id"},
		{name: "twilio without a service", yaml: "providers:\n  sms: twilio\ntwilio:\n  account_sid: AC1\n  auth_token_env: T\n", wantErr: "twilio.verify_service_sid"},
		{name: "wrong type", yaml: "limits:\n  code_attempts: many\n", wantErr: "line 2"},
		{name: "graph-mail without the app registration", yaml: "providers:\n  notify: [graph-mail]\nnotify:\n  graph_mail:\n    from: a@b.example\n    to: [c@b.example]\n", wantErr: "graph.tenant_id"},
		{name: "graph-mail without a recipient", yaml: "providers:\n  notify: [graph-mail]\ngraph:\n  tenant_id: T\n  client_id: C\n  client_secret_env: S\nnotify:\n  graph_mail:\n    from: a@b.example\n", wantErr: "notify.graph_mail.to"},
		{name: "smtp auth not known", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    auth: oauth\n", wantErr: `line 9: notify.smtp.auth "oauth" is not one of: plain`},
		{name: "smtp xoauth2 without a mailbox", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    auth: xoauth2\ngraph:\n  tenant_id: T\n  client_id: C\n  client_secret_env: S\n", wantErr: "notify.smtp.username is missing"},
		{name: "smtp xoauth2 without the app registration", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    username: desk@b.example\n    auth: xoauth2\n", wantErr: "line 10: notify.smtp.auth xoauth2 takes its token from the graph: app registration"},
		{name: "smtp xoauth2 without the app's secret", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    username: desk@b.example\n    auth: xoauth2\ngraph:\n  tenant_id: T\n  client_id: C\n", wantErr: "graph.client_secret_env"},
		{name: "smtp xoauth2 configured", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    username: desk@b.example\n    auth: xoauth2\ngraph:\n  tenant_id: T\n  client_id: C\n  client_secret_env: S\n", wantOrg: "X"},
		{name: "smtp plain by name", yaml: "organisation: X\nproviders:\n  notify: [smtp]\nnotify:\n  smtp:\n    host: smtp.office365.com\n    from: desk@b.example\n    to: [c@b.example]\n    auth: plain\n", wantOrg: "X"},
		{name: "graph-mail configured", yaml: "organisation: X\nproviders:\n  notify: [graph-mail]\ngraph:\n  tenant_id: T\n  client_id: C\n  client_secret_env: S\nnotify:\n  graph_mail:\n    from: a@b.example\n    to: [c@b.example]\n", wantOrg: "X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(p, true)
			if tt.wantErr != "" {
				var cerr *Error
				if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) {
					t.Fatalf("Load = %v; want a config error naming %s and containing %q", err, p, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Organisation != tt.wantOrg {
				t.Errorf("organisation = %q, want %q", c.Organisation, tt.wantOrg)
			}
		})
	}
}

func TestTheShippedExampleLoads(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "testdata", "config", "example.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Organisation != "Next7" || c.Support.Email != "support@next7it.com" {
		t.Errorf("example = %+v", c)
	}
}

func TestLoadMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "none.yaml")
	if _, err := Load(p, false); err != nil {
		t.Errorf("a missing optional config = %v; want the default", err)
	}
	if _, err := Load(p, true); err == nil {
		t.Error("a missing config named with --config was accepted")
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("organisation: X\n")
	f.Add("limits: {code_valid: 1m, code_attempts: 3}\n")
	f.Add("providers: {notify: [fake, fake]}\n")
	f.Add("[1, 2")
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := decode(strings.NewReader(doc), Default())
		if err == nil && (c.Organisation == "" || c.Limits.CodeAttempts < 1) {
			t.Errorf("accepted an invalid config: %+v", c)
		}
	})
}
