// Command mfa-onboard sets up two-step sign-in for Microsoft 365 and Duo.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/mfa-onboard/mfa-onboard/internal/cli"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := &cli.Factory{
		IO:      cli.System(),
		Getenv:  os.Getenv,
		Clock:   clock.Real{},
		Version: cli.BuildInfo{Version: version, Commit: commit()},
	}
	code := cli.Run(ctx, f, os.Args[1:])
	stop()
	os.Exit(code)
}

func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return "unknown"
}
