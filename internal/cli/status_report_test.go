package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestReportWritesOnePageOfEveryone(t *testing.T) {
	home := customer(t)
	cfg := filepath.Join(home, "config.yaml")
	if err := os.WriteFile(cfg, []byte("organisation: Fabrikam & Co\nsupport:\n  email: help@fabrikam.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "fabrikam.html")
	code, stdout, stderr := run(t, nil, "report", file, "--home", home)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "Wrote the report of 7 people to "+file) {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := strings.ReplaceAll(string(data), "<wbr>", "")
	rows := regexp.MustCompile(`<tr class="person" data-status="([a-z-]+)"><td class="user">([^<]*)</td>`).FindAllStringSubmatch(page, -1)
	got := map[string]string{}
	for _, r := range rows {
		got[r[2]] = r[1]
	}
	want := map[string]string{
		"alice@contoso.com": "done", "bob@contoso.com": "waiting", "carol@contoso.com": "failed",
		"dave@contoso.com": "not-started", "erin@contoso.com": "waiting", "frank@contoso.com": "waiting",
		"=1+1@contoso.com": "waiting",
	}
	if len(got) != len(want) {
		t.Errorf("rows %v; want %v", got, want)
	}
	for u, s := range want {
		if got[u] != s {
			t.Errorf("%s is %q; want %q", u, got[u], s)
		}
	}
	for _, want := range []string{"Fabrikam &amp; Co", "Give the 6-digit code texted to &#43;1 ***-***-0100", "Sam Tech", "jo@PC-7", "UTC"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not hold %q", want)
		}
	}
	if strings.Contains(page, "2015550199") || strings.Contains(page, "2015550100") {
		t.Error("the page holds a whole phone number")
	}
}

func TestReportNeedsOneFile(t *testing.T) {
	for _, args := range [][]string{{"report"}, {"report", "a.html", "b.html"}} {
		if code, _, stderr := run(t, nil, append(args, "--home", t.TempDir())...); code != ExitUsage || !strings.Contains(stderr, "report needs the file") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}

func TestReportOfADamagedFileSaysSoAndFails(t *testing.T) {
	home := customer(t)
	bad := writeState(t, home, "zed@contoso.com.json", `{"schema": 1, "user": "ze`)
	file := filepath.Join(t.TempDir(), "r.html")
	code, _, stderr := run(t, nil, "report", file, "--home", home)
	data, _ := os.ReadFile(file)
	page := strings.ReplaceAll(string(data), "<wbr>", "")
	if code != ExitFailed || !strings.Contains(stderr, bad) || !strings.Contains(page, "Not in this report") || !strings.Contains(page, "erin@contoso.com") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// In Spanish the page says so in <html lang> and is written in Spanish; what the
// command prints is too.
func TestReportInSpanish(t *testing.T) {
	home := customer(t)
	file := filepath.Join(t.TempDir(), "contoso.html")
	code, _, stderr := run(t, nil, "report", file, "--home", home, "--lang", "es")
	if code != 0 || !strings.Contains(stderr, "Se escribió el informe de 7 personas en "+file+".") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="es">`, "<h1>Verificación en dos pasos en ", "<h2>", "Sin empezar", "Qué salió mal", "6 de 8"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the Spanish page does not hold %q", want)
		}
	}
}
