package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

// withKeychain runs the command line with kc as the OS keychain and in as standard input.
func withKeychain(t *testing.T, kc secret.Keychain, in string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:       &IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut},
		Getenv:   func(string) string { return "" },
		Clock:    clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		Keychain: kc,
	}
	return Run(context.Background(), f, args), out.String(), errOut.String()
}

const canary = "CANARY-s3cret-9f2c"

func TestSecretsSetListDelete(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte("duo:\n  admin_skey_keychain: contoso-duo-admin\n  auth_skey_keychain: contoso-duo-auth\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kc := secret.Map{}
	code, out, errOut := withKeychain(t, kc, canary+"\n", "--home", home, "secrets", "set", "contoso-duo-admin")
	if code != 0 || kc["contoso-duo-admin"] != canary {
		t.Fatalf("secrets set: exit %d, keychain %v\n%s", code, kc, errOut)
	}
	if strings.Contains(out+errOut, canary) {
		t.Errorf("secrets set showed the secret:\n%s%s", out, errOut)
	}
	code, out, _ = withKeychain(t, kc, "", "--home", home, "secrets", "list")
	if code != 0 || !strings.Contains(out, "duo.admin_skey_keychain = contoso-duo-admin: present") ||
		!strings.Contains(out, "duo.auth_skey_keychain = contoso-duo-auth: missing: add it with mfa-onboard secrets set contoso-duo-auth") {
		t.Errorf("secrets list (exit %d):\n%s", code, out)
	}
	if strings.Contains(out, canary) {
		t.Errorf("secrets list showed the secret:\n%s", out)
	}
	if code, _, _ := withKeychain(t, kc, "", "--home", home, "secrets", "delete", "contoso-duo-admin"); code != 0 || len(kc) != 0 {
		t.Errorf("secrets delete: exit %d, keychain %v", code, kc)
	}
}

func TestSecretsWithoutAKeychainSayWhatToUseInstead(t *testing.T) {
	code, _, errOut := withKeychain(t, nil, canary+"\n", "--home", t.TempDir(), "secrets", "set", "x")
	if code == 0 || !strings.Contains(errOut, "no OS keychain") || !strings.Contains(errOut, "_env") {
		t.Errorf("exit %d, stderr %q; want a failure naming the *_env/_file keys", code, errOut)
	}
	if code, _, _ := withKeychain(t, secret.Map{}, "\n", "--home", t.TempDir(), "secrets", "set", "x"); code != ExitUsage {
		t.Errorf("an empty secret: exit %d; want 2", code)
	}
}

// TestKeychainSecretsNeverLeak runs what reads the secrets with canary values in the
// keychain: no output and no file the tool writes may hold them.
func TestKeychainSecretsNeverLeak(t *testing.T) {
	home := t.TempDir()
	cfg := "providers:\n  duo: duo\nduo:\n  api_host: 127.0.0.1:1\n  admin_ikey: DIADMIN0TEST0IKEY001\n  admin_skey_keychain: a\n  auth_ikey: DIAUTH00TEST0IKEY001\n  auth_skey_keychain: b\n"
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	kc := secret.Map{"a": canary + "-admin", "b": canary + "-auth"}
	var seen strings.Builder
	for _, args := range [][]string{
		{"--home", home, "providers", "check"},
		{"--home", home, "start", "--non-interactive", "--user", "alice@example.com", "--output", "json"},
		{"--home", home, "secrets", "list"},
	} {
		_, out, errOut := withKeychain(t, kc, "", args...)
		seen.WriteString(out + errOut)
	}
	if strings.Contains(seen.String(), canary) {
		t.Errorf("a keychain secret reached the output:\n%s", seen.String())
	}
	_ = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(canary)) {
			t.Errorf("%s holds a keychain secret", p)
		}
		return nil
	})
}
