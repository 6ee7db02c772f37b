// Command mfa-onboard sets up two-step sign-in for Microsoft 365 and Duo.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/cli"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

// version, commit and date are set at build time with -ldflags "-X main.version=…
// -X main.commit=… -X main.date=…" (make build, make dist).
var (
	version = "dev"
	commit  = ""
	date    = ""
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

		SpeakLanguage: prompt.SurveyLanguage,
	}
	code := cli.Run(ctx, f, os.Args[1:])
	stop()
	os.Exit(code)
}

// buildInfo is the version stamped by make (-ldflags), else what the Go toolchain
// recorded: the module version of a "go install …@version" build, and the commit,
// from the VCS stamp of a build in a checkout or from a pseudo-version.
func buildInfo() cli.BuildInfo {
	b := cli.BuildInfo{Version: version, Commit: "unknown", Date: date}
	if commit != "" {
		b.Commit = commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok || commit != "" {
		return b
	}
	return fromToolchain(b, info)
}

// fromToolchain fills in what a build without -ldflags left out from what the Go
// toolchain recorded in it.
func fromToolchain(b cli.BuildInfo, info *debug.BuildInfo) cli.BuildInfo {
	if v := info.Main.Version; b.Version == "dev" && v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			b.Commit = s.Value[:12]
		case s.Key == "vcs.time" && b.Date == "":
			b.Date = s.Value
		}
	}
	if b.Commit != "unknown" {
		return b
	}
	// A pseudo-version (v0.0.0-20261201093000-a63a189abcde) ends in the commit, after
	// the commit's time.
	v := info.Main.Version
	if i := strings.LastIndexByte(v, '-'); i > 15 && len(v)-i-1 == 12 {
		b.Commit = v[i+1:]
		if t, err := time.Parse("20060102150405", v[i-14:i]); err == nil && b.Date == "" {
			b.Date = t.UTC().Format(time.RFC3339)
		}
	}
	return b
}
