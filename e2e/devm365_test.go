//go:build linux || darwin

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// TestDevM365Server is not a test but a tool for trying the technician flow by hand
// against the fake Twilio and Graph:
// MFA_ONBOARD_DEV_M365=<home folder> go test -run TestDevM365Server -timeout 0 ./e2e
// writes config.yaml and the secrets (m365-keys.sh) into that folder, then serves for
// 20 minutes, writing the code Twilio texted to +1 201 555 0100 into sms-code.txt —
// the phone, for a person at the keyboard.
func TestDevM365Server(t *testing.T) {
	dir := os.Getenv("MFA_ONBOARD_DEV_M365")
	if dir == "" {
		t.Skip("set MFA_ONBOARD_DEV_M365 to a home folder to serve fake Twilio and Graph for manual runs")
	}
	tw, g := twiliotest.New(t), graphtest.New(t)
	g.AddUser(email)
	_, env := m365Home(t, tw, g, &home{dir: dir})
	var keys []byte
	for _, kv := range env[len(env)-2:] {
		keys = append(keys, "export "+kv+"\n"...)
	}
	os.WriteFile(filepath.Join(dir, "m365-keys.sh"), keys, 0o600)
	t.Logf("config in %s; source %s/m365-keys.sh, then mfa-onboard start --home %s", dir, dir, dir)
	for end := time.Now().Add(20 * time.Minute); time.Now().Before(end); time.Sleep(time.Second) {
		os.WriteFile(filepath.Join(dir, "sms-code.txt"), []byte(tw.LastCode("+12015550100")+"\n"), 0o600)
	}
}
