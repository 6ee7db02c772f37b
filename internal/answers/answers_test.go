package answers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheShippedExampleLoads(t *testing.T) {
	f, err := Load(filepath.Join("..", "..", "testdata", "answers", "new-hire.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v := f.Values()
	want := map[string]string{"user": "alice@contoso.com", "phone.number": "201 555 0100", "phone.country": "US", "mobile-mail.client": "outlook", "duo-install.platform": "ios", "verify.replace": "no"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q; want %q", k, v[k], w)
		}
	}
	if _, ok := v["verify.code"]; ok {
		t.Error("a commented-out code was read")
	}
}

func TestCodesKeepTheirLeadingZero(t *testing.T) {
	f, err := Parse([]byte("verify:\n  code: 012345\n"))
	if err != nil || f.Values()["verify.code"] != "012345" {
		t.Errorf("code = %q, %v; want 012345 as written", f.Values()["verify.code"], err)
	}
}

func TestBadFiles(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown step", "phone:\n  number: 1\nverfy:\n  code: 1\n", `line 3: "verfy" is not a key of the top level`},
		{"unknown key in a step", "phone:\n  numbr: 1\n", `line 2: "numbr" is not a key of "phone"`},
		{"list where a value goes", "phone:\n  number: [1, 2]\n", "line 2: expected a single value"},
		{"malformed", "phone: {number: \n", "line"},
		{"not a map", "- a\n- b\n", "line 1: a list is not what the top level holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.yaml")
			os.WriteFile(p, []byte(tt.doc), 0o600)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("Load = %v; want an error naming %s and %q", err, p, tt.want)
			}
		})
	}
}

func TestAFolderIsNotAnAnswersFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("Load(folder) = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("user: a@b.c\nphone:\n  number: 2015550100\n")
	f.Add("verify: {code: 012345}\nduo-test: {code: '1'}\n")
	f.Add("mobile-mail: {client: [x]}\n")
	f.Add("{{{")
	f.Fuzz(func(t *testing.T, doc string) {
		a, err := Parse([]byte(doc))
		if err != nil {
			return
		}
		for k, v := range a.Values() {
			if v == "" || !strings.Contains(k+".", ".") {
				t.Errorf("value %q for key %q", v, k)
			}
		}
	})
}
