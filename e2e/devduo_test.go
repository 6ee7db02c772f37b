//go:build linux || darwin

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
)

// TestDevDuoServer is not a test but a tool for trying the wizard by hand against the
// fake Duo: MFA_ONBOARD_DEV_DUO=<home folder> go test -run TestDevDuoServer -timeout 0 ./e2e
// writes config.yaml and the secret keys into that folder, then serves for 20 minutes
// and answers every activation and push as a person would after a few seconds.
// MFA_ONBOARD_DEV_DUO_VERIFIED=3 makes it a tenant with Verified Duo Push (3 digits),
// and MFA_ONBOARD_DEV_DUO_PAGE=2 pages every Admin API list by 2.
func TestDevDuoServer(t *testing.T) {
	dir := os.Getenv("MFA_ONBOARD_DEV_DUO")
	if dir == "" {
		t.Skip("set MFA_ONBOARD_DEV_DUO to a home folder to serve a fake Duo for manual runs")
	}
	digits, _ := strconv.Atoi(os.Getenv("MFA_ONBOARD_DEV_DUO_VERIFIED"))
	page, _ := strconv.Atoi(os.Getenv("MFA_ONBOARD_DEV_DUO_PAGE"))
	srv := duotest.New(t, duotest.Options{VerifiedPushDigits: digits, PageSize: page})
	srv.AddUser(email)
	h := &home{dir: dir}
	_, env := duoHome(t, srv, h)
	var keys []byte
	for _, kv := range env[len(env)-2:] {
		keys = append(keys, "export "+kv+"\n"...)
	}
	os.WriteFile(filepath.Join(dir, "duo-keys.sh"), keys, 0o600)
	t.Logf("config in %s; source %s/duo-keys.sh, then mfa-onboard start --home %s", dir, dir, dir)
	deadline := time.Now().Add(20 * time.Minute)
	for time.Now().Before(deadline) {
		time.Sleep(8 * time.Second)
		for _, p := range srv.Phones() {
			if p.ActivationURL != "" && !p.Activated {
				srv.Activate(p.PhoneID)
			}
		}
		srv.AnswerPush(email, "allow")
	}
}
