package secret

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("s3cret\n"), 0o600)
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte("s3cret"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	env := map[string]string{"DUO_SKEY": " s3cret "}
	getenv := func(k string) string { return env[k] }

	tests := []struct {
		name    string
		src     Source
		want    string
		wantErr string
	}{
		{"from the environment", Source{Key: "duo.admin_skey", Env: "DUO_SKEY"}, "s3cret", ""},
		{"from a file", Source{Key: "duo.admin_skey", File: good}, "s3cret", ""},
		{"unset variable", Source{Key: "duo.admin_skey", Env: "NOPE"}, "", "NOPE"},
		{"both", Source{Key: "duo.admin_skey", Env: "DUO_SKEY", File: good}, "", "not several"},
		{"neither", Source{Key: "duo.admin_skey"}, "", "duo.admin_skey_env"},
		{"missing file", Source{Key: "duo.admin_skey", File: filepath.Join(dir, "none")}, "", "none"},
		{"empty file", Source{Key: "duo.admin_skey", File: empty}, "", "is empty"},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests, struct {
			name    string
			src     Source
			want    string
			wantErr string
		}{"file others can read", Source{Key: "duo.admin_skey", File: loose}, "", "chmod 600"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Reader{Getenv: getenv}.Read(tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "duo.admin_skey") {
					t.Fatalf("err = %v; want one naming the key and %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Read = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadFromTheKeychain(t *testing.T) {
	keys := Map{"contoso-duo-admin": " s3cret\n", "blank": " "}
	r := Reader{Getenv: func(string) string { return "" }, Keychain: keys}
	if got, err := r.Read(Source{Key: "duo.admin_skey", Keychain: "contoso-duo-admin"}); err != nil || got != "s3cret" {
		t.Fatalf("Read = %q, %v; want the keychain's secret", got, err)
	}
	for name, tt := range map[string]struct {
		r    Reader
		src  Source
		want string
	}{
		"missing entry":    {r, Source{Key: "duo.admin_skey", Keychain: "nope"}, "mfa-onboard secrets set nope"},
		"empty entry":      {r, Source{Key: "duo.admin_skey", Keychain: "blank"}, "is empty"},
		"no keychain":      {Reader{}, Source{Key: "duo.admin_skey", Keychain: "x"}, "duo.admin_skey_env"},
		"keychain and env": {r, Source{Key: "duo.admin_skey", Keychain: "x", Env: "X"}, "not several"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tt.r.Read(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("err = %v; want one saying %q and never the secret", err, tt.want)
			}
		})
	}
}
