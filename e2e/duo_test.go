//go:build linux || darwin

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
)

// duoHome is a home whose config points Duo at a fake Duo through a CA bundle, the
// way an MSP behind a TLS-inspecting proxy would configure it.
func duoHome(t *testing.T, srv *duotest.Server, h *home) (*home, []string) {
	t.Helper()
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	keys := duotest.DefaultKeys()
	cfg := fmt.Sprintf(`providers:
  duo: duo
duo:
  api_host: %s
  admin_ikey: %s
  admin_skey_env: TEST_DUO_ADMIN_SKEY
  auth_ikey: %s
  auth_skey_env: TEST_DUO_AUTH_SKEY
  ca_file: %s
  activation_valid_secs: 600
`, srv.Host(), keys.AdminIKey, keys.AuthIKey, srv.WriteCAFile(t))
	if err := os.WriteFile(filepath.Join(h.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return h, h.env("CI=true", "TEST_DUO_ADMIN_SKEY="+keys.AdminSKey, "TEST_DUO_AUTH_SKEY="+keys.AuthSKey)
}

// TestPipelineAgainstDuo runs the procedure with no terminal against the fake Duo:
// the activation is texted by Duo, the person opens it (the server is told), the
// test push is approved on the phone, and exactly one Duo phone exists at the end.
func TestPipelineAgainstDuo(t *testing.T) {
	t.Parallel()
	srv := duotest.New(t, duotest.Options{})
	srv.AddUser(email)
	h, env := duoHome(t, srv, newHome(t))
	answers := filepath.Join(h.dir, "answers.yaml")
	os.WriteFile(answers, []byte("user: "+email+"\nphone:\n  number: "+mobile+"\nduo-install:\n  platform: ios\n"), 0o600)
	start := func(args ...string) runResult {
		t.Helper()
		return h.run(t, 30*time.Second, env, append([]string{"start", "--answers", answers, "--output", "json"}, args...)...)
	}

	if r := start(); r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "verify" {
		t.Fatalf("first run: exit %d, %s\n%s", r.code, r.stdout, r.stderr)
	}
	r := start("--code", h.lastSMSCode(t))
	if r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "duo-enroll" {
		t.Fatalf("second run: exit %d; want waiting on duo-enroll\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	phones := srv.Phones()
	if len(phones) != 1 {
		t.Fatalf("Duo has %d phones after the activation was texted; want 1", len(phones))
	}
	// A run before the person opened the link waits again, sending nothing new.
	if r := start(); r.code != 3 {
		t.Fatalf("run before activation: exit %d\n%s", r.code, r.stderr)
	}
	if err := srv.Activate(phones[0].PhoneID); err != nil {
		t.Fatal(err)
	}
	if err := srv.AnswerNextPush("allow"); err != nil {
		t.Fatal(err)
	}
	r = start()
	if r.code != 0 {
		t.Fatalf("last run: exit %d; want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	wantSteps(t, decodeOne(t, r.stdout), nil)
	if n := len(srv.Phones()); n != 1 {
		t.Errorf("Duo has %d phones at the end; want exactly 1", n)
	}
	texted := 0
	for _, req := range srv.Requests() {
		if strings.HasSuffix(req.Path, "/send_sms_activation") {
			texted++
		}
	}
	if texted != 1 {
		t.Errorf("the activation was texted %d times; want once across all runs", texted)
	}
	keys := duotest.DefaultKeys()
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, keys.AdminSKey) || strings.Contains(out, keys.AuthSKey) {
			t.Errorf("a secret key appears in the output:\n%s", out)
		}
	}
}

// TestProvidersCheck: right keys pass; a wrong secret key is reported as a wrong key.
func TestProvidersCheck(t *testing.T) {
	t.Parallel()
	srv := duotest.New(t, duotest.Options{})
	h, env := duoHome(t, srv, newHome(t))
	if r := h.run(t, 30*time.Second, env, "providers", "check"); r.code != 0 {
		t.Fatalf("providers check with the right keys: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	wrong := append(env, "TEST_DUO_ADMIN_SKEY=wrongwrongwrongwrongwrongwrongwrongwrong")
	r := h.run(t, 30*time.Second, wrong, "doctor")
	if r.code != 1 {
		t.Fatalf("doctor with a wrong admin key: exit %d; want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "duo.admin_skey") || strings.Contains(r.stdout, "wrongwrong") {
		t.Errorf("the check does not name the wrong key (or shows it):\n%s", r.stdout)
	}
	t.Logf("doctor said:\n%s", r.stdout)
}

// TestKilledInsideADuoCallResumesWithOnePhone kills the binary while Duo is being
// asked to attach the new phone to the user (the phone exists, the attachment does
// not yet), then runs again: the saved phone id is reused, so Duo ends with exactly
// one phone, attached.
func TestKilledInsideADuoCallResumesWithOnePhone(t *testing.T) {
	t.Parallel()
	srv := duotest.New(t, duotest.Options{})
	userID := srv.AddUser(email)
	h, env := duoHome(t, srv, newHome(t))
	args := []string{"start", "--user", email, "--phone", mobile, "--output", "json"}
	if r := h.run(t, 30*time.Second, env, args...); r.code != 3 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	code := h.lastSMSCode(t)

	arrived, release := srv.Stall("/admin/v1/users/" + userID + "/phones")
	cmd := exec.Command(binary, append(args, "--code", code)...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the run never asked Duo to attach the phone")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	release()
	if n := len(srv.Phones()); n != 1 {
		t.Fatalf("Duo has %d phones when the run was killed; want 1 (created, not yet attached)", n)
	}

	before := len(srv.Requests())
	if r := h.run(t, 30*time.Second, env, "start", "--output", "json"); r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "duo-enroll" {
		t.Fatalf("re-run after the kill: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	phones := srv.Phones()
	if len(phones) != 1 {
		t.Fatalf("Duo has %d phones after the re-run; want exactly 1", len(phones))
	}
	// The ids saved before the kill are used as they are: no lookup of the user or
	// the number, no second create.
	for _, req := range srv.Requests()[before:] {
		if req.Method == "POST" && (req.Path == "/admin/v1/phones" || req.Path == "/admin/v1/users") ||
			req.Method == "GET" && (req.Path == "/admin/v1/phones" || req.Path == "/admin/v1/users") {
			t.Errorf("the re-run called %s %s?%s; the saved ids should have been used", req.Method, req.Path, req.Query)
		}
	}
	users := srv.Users()
	if len(users) != 1 || len(users[0].PhoneIDs) != 1 || users[0].PhoneIDs[0] != phones[0].PhoneID {
		t.Errorf("users %+v; want the one phone attached to the one user", users)
	}
}
