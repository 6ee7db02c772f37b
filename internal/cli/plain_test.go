package cli

import "testing"

// Plain line-by-line prompts are chosen by the flag, by MFA_ONBOARD_ACCESSIBLE (which
// can also say no), by TERM=dumb and in Git Bash's mintty.
func TestPlainPromptsAreChosenByFlagEnvironmentAndTerminal(t *testing.T) {
	for _, tt := range []struct {
		name string
		flag bool
		env  map[string]string
		want bool
	}{
		{"an ordinary terminal", false, map[string]string{"TERM": "xterm-256color"}, false},
		{"--accessible", true, nil, true},
		{"MFA_ONBOARD_ACCESSIBLE=1", false, map[string]string{"MFA_ONBOARD_ACCESSIBLE": "1"}, true},
		{"MFA_ONBOARD_ACCESSIBLE=yes", false, map[string]string{"MFA_ONBOARD_ACCESSIBLE": "yes"}, true},
		{"MFA_ONBOARD_ACCESSIBLE=0 in mintty", false, map[string]string{"MFA_ONBOARD_ACCESSIBLE": "0", "MSYSTEM": "MINGW64"}, false},
		{"MFA_ONBOARD_ACCESSIBLE=0 with --accessible", true, map[string]string{"MFA_ONBOARD_ACCESSIBLE": "0"}, true},
		{"TERM=dumb", false, map[string]string{"TERM": "dumb"}, true},
		{"Git Bash (MSYSTEM)", false, map[string]string{"MSYSTEM": "MINGW64", "TERM": "xterm"}, true},
		{"mintty (TERM_PROGRAM)", false, map[string]string{"TERM_PROGRAM": "mintty"}, true},
		{"Windows Terminal", false, map[string]string{"WT_SESSION": "1"}, false},
	} {
		f := &Factory{Accessible: tt.flag, Getenv: func(k string) string { return tt.env[k] }}
		if got := f.Plain(); got != tt.want {
			t.Errorf("%s: Plain = %v; want %v", tt.name, got, tt.want)
		}
	}
}
