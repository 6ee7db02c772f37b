package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestControlCharactersInOneLineValuesAreRefused(t *testing.T) {
	// Double-quoted YAML turns the escapes into the characters themselves.
	payloads := map[string]string{
		"OSC 52 clipboard write": `"Contoso\e]52;c;aGk=\a"`,
		"C1 CSI":                 `"Contoso\u009b2J"`,
		"NEL":                    `"Contoso\N"`,
		"bidi override":          `"Contoso \u202eTI"`,
		"zero-width space":       `"Con\u200btoso"`,
		"line break":             `"Contoso\nIT"`,
		"tab":                    `"Contoso\tIT"`,
		"DEL":                    `"Contoso\x7f"`,
		"line separator":         `"Contoso\L"`,
	}
	keys := map[string]string{
		"organisation":        "organisation: %s\n",
		"user_domain":         "user_domain: %s\n",
		"support.name":        "support:\n  name: %s\n",
		"support.email":       "support:\n  email: %s\n",
		"links.office_portal": "links:\n  office_portal: %s\n",
		"links.security_info": "links:\n  security_info: %s\n",
		"links.app_store":     "links:\n  app_store: %s\n",
		"links.google_play":   "links:\n  google_play: %s\n",
	}
	for key, doc := range keys {
		for name, p := range payloads {
			t.Run(key+"/"+name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte(strings.Replace(doc, "%s", p, 1)), 0o600); err != nil {
					t.Fatal(err)
				}
				_, err := Load(path, true)
				var cerr *Error
				if !errors.As(err, &cerr) || !strings.Contains(err.Error(), key+" holds the character U+") || !strings.Contains(err.Error(), "line ") {
					t.Fatalf("Load = %v; want a config error naming %s, its line and the character", err, key)
				}
				for _, r := range err.Error() {
					if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || r == '\u200b' || r == '\u2028' {
						t.Errorf("the error holds %U: %q", r, err)
					}
				}
			})
		}
	}
}

func TestOneLineValuesKeepEveryScript(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	doc := "organisation: Zürich IT → 東京 😀\nsupport:\n  name: le service d’assistance\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, true)
	if err != nil || c.Organisation != "Zürich IT → 東京 😀" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
}
