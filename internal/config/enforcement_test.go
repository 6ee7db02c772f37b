package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphEnforcement(t *testing.T) {
	const app = "providers:\n  phone_registration: graph\ngraph:\n  tenant_id: T\n  client_id: C\n  client_secret_env: S\n"
	tests := []struct {
		name      string
		yaml      string
		wantErr   string
		wantMode  string
		wantGroup string
	}{
		{name: "auto when not set", yaml: app},
		{name: "per-user", yaml: app + "  enforcement: per-user\n", wantMode: EnforcePerUser},
		{name: "none", yaml: app + "  enforcement: none\n", wantMode: EnforceNone},
		{name: "auto with a group", yaml: app + "  enforcement: auto\n  enforcement_group: 5A1F0C3E-8F3B-4D2A-9C71-0B6E2F4D8A10\n",
			wantMode: EnforceAuto, wantGroup: "5A1F0C3E-8F3B-4D2A-9C71-0B6E2F4D8A10"},
		{name: "group", yaml: app + "  enforcement: group\n  enforcement_group: 5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10\n",
			wantMode: EnforceGroup, wantGroup: "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"},
		{name: "unknown mode names the key and its line", yaml: app + "  enforcement: always\n",
			wantErr: `line 7: graph.enforcement "always" is not one of: auto, per-user, group, none`},
		{name: "group without the group", yaml: app + "  enforcement: group\n", wantErr: "graph.enforcement_group is missing"},
		{name: "a group name is not an id", yaml: app + "  enforcement: group\n  enforcement_group: MFA users\n",
			wantErr: `line 8: graph.enforcement_group "MFA users" is not an object id`},
		{name: "an id with a character too many", yaml: app + "  enforcement_group: 5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a100\n",
			wantErr: "graph.enforcement_group"},
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
				if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load = %v; want a config error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Graph.Enforcement != tt.wantMode || c.Graph.EnforcementGroup != tt.wantGroup {
				t.Errorf("enforcement = %q, group %q; want %q, %q", c.Graph.Enforcement, c.Graph.EnforcementGroup, tt.wantMode, tt.wantGroup)
			}
		})
	}
}
