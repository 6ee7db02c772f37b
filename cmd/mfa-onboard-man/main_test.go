package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestThePagesReadAsManualPages(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SOURCE_DATE_EPOCH", "1795000000")
	// The pages are English whatever language the shell that makes them speaks.
	t.Setenv("MFA_ONBOARD_LANG", "es")
	t.Setenv("LANG", "es_ES.UTF-8")
	dir := filepath.Join(t.TempDir(), "man")
	if err := run([]string{dir}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mfa-onboard.1", "mfa-onboard-start.1", "mfa-onboard-profiles-add.1", "mfa-onboard-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no page %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "mfa-onboard-__complete.1")); err == nil {
		t.Error("the hidden __complete command has a page")
	}
	page, err := os.ReadFile(filepath.Join(dir, "mfa-onboard-start.1"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(page)
	last := -1
	for _, section := range []string{".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH EXIT STATUS", ".SH OPTIONS", ".SH EXAMPLE", ".SH SEE ALSO"} {
		i := strings.Index(text, section)
		if i < 0 || i < last {
			t.Errorf("the start page has no %q after the sections before it", section)
		}
		last = i
	}
	for _, want := range []string{
		`.TH "MFA-ONBOARD-START" "1" "Nov 2026" "mfa-onboard" "mfa-onboard manual"`,
		".SH DESCRIPTION\nStart the procedure, or carry on where it stopped",
		".SH EXIT STATUS\n.EX\n  0    done\n",
		"130  interrupted (Ctrl-C); progress is saved",
		".TP\n\\fB--user\\fP=\"\"\nwork email address",
		"mfa-onboard start --for alice@contoso.com --phone",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the start page lacks %q:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"HISTORY", "Auto generated", "\n\t"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("the start page holds %q:\n%s", unwanted, text)
		}
	}
	// The description's own characters survive Markdown: no emphasis, no lost <home>.
	add, _ := os.ReadFile(filepath.Join(dir, "mfa-onboard-profiles-add.1"))
	if !strings.Contains(string(add), "<home>/profiles/NAME/") {
		t.Errorf("the profiles add page lost <home>:\n%s", add)
	}
	secrets, _ := os.ReadFile(filepath.Join(dir, "mfa-onboard-secrets.1"))
	if !strings.Contains(string(secrets), "*_keychain key beside *_env") {
		t.Errorf("the secrets page lost its *_keychain:\n%s", secrets)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("making the pages wrote into the home folder: %v", entries)
	}
}

func TestItNeedsTheFolder(t *testing.T) {
	if err := run(nil); err == nil || !strings.Contains(err.Error(), "man/") {
		t.Errorf("run() = %v; want the folder asked for, with an example", err)
	}
}
