// Command mfa-onboard sets up two-step sign-in for Microsoft 365 and Duo.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/mfa-onboard/mfa-onboard/internal/cli"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

// version and commit are set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := &cli.Factory{
		IO:       cli.System(),
		Getenv:   os.Getenv,
		Clock:    clock.Real{},
		Version:  buildInfo(),
		Program:  os.Args[0],
		Keychain: secret.System{},
	}
	code := cli.Run(ctx, f, os.Args[1:])
	stop()
	os.Exit(code)
}

// buildInfo is the version stamped by make (-ldflags), else what the Go toolchain
// recorded: the module version of a "go install …@version" build, and the commit,
// from the VCS stamp of a build in a checkout or from a pseudo-version.
func buildInfo() cli.BuildInfo {
	b := cli.BuildInfo{Version: version, Commit: "unknown"}
	if commit != "" {
		b.Commit = commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok || commit != "" {
		return b
	}
	if v := info.Main.Version; b.Version == "dev" && v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			b.Commit = s.Value[:12]
			return b
		}
	}
	// A pseudo-version (v0.0.0-20261201093000-a63a189abcde) ends in the commit.
	if i := strings.LastIndexByte(info.Main.Version, '-'); i > 0 && len(info.Main.Version)-i-1 == 12 {
		b.Commit = info.Main.Version[i+1:]
	}
	return b
}
