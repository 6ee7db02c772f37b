package e2e

import (
	"testing"

	expect "github.com/Netflix/go-expect"
	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
	"github.com/pquerna/otp"
)

func TestProbe(t *testing.T) {
	_ = expect.NewConsole
	_ = pty.Setsize
	_ = vt10x.New
	_ = otp.NewKeyFromURL
}
