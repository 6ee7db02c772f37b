package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOversizedConfig: a 100 MB organisation name was read, and its error wrote
// 200 MB to stderr.
func TestOversizedConfig(t *testing.T) {
	p := writeConfig(t, "organisation: "+strings.Repeat("x", MaxFileSize)+"\n")
	_, err := Load(p, true)
	var cfgErr *Error
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "256 KiB") || len(err.Error()) > 1000 {
		t.Errorf("Load of an oversized config = %.300v; want a config error naming %s and the limit", err, p)
	}
	if _, err := Load(writeConfig(t, "organisation: "+strings.Repeat("x", 1000)+"\n"), true); err != nil {
		t.Errorf("a long but sane value: %v", err)
	}
}

// TestBrokenTemplateStopsTheLoad: notify.template was first parsed at the notify step,
// so a run got that far and then waited (exit 3) on a mistake in the config.
func TestBrokenTemplateStopsTheLoad(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unclosed action", "organisation: X\nnotify:\n  template: \"Subject: {{.User\"\n", "line 3: notify.template is not a valid template"},
		{"unknown function", "notify:\n  template: \"{{shout .User}}\"\n", "line 2: notify.template is not a valid template"},
		{"unknown field", "notify:\n  template: \"{{.Password}}\"\n", "line 2: notify.template could not be filled in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, tt.yaml)
			_, err := Load(p, true)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Load = %v; want a config error saying %q", err, tt.want)
			}
		})
	}
	good := writeConfig(t, "notify:\n  template: \"Subject: done {{.User}}\\n\\n{{.User}} at {{when .When}} on {{.Computer}}: {{join .Completed \\\", \\\"}}\"\n")
	if c, err := Load(good, true); err != nil || !strings.Contains(c.Notify.Template, "{{.User}}") {
		t.Errorf("a working template: %v", err)
	}
}
