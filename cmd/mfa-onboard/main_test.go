package main

import (
	"runtime/debug"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/cli"
)

// A build made without make's -ldflags says what the toolchain recorded: the module
// version of "go install …@version", and the commit and its time from the VCS stamp
// or from a pseudo-version.
func TestBuildInfoFromTheToolchain(t *testing.T) {
	none := cli.BuildInfo{Version: "dev", Commit: "unknown"}
	for _, tt := range []struct {
		name string
		info debug.BuildInfo
		want cli.BuildInfo
	}{
		{"go install of a release", debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			cli.BuildInfo{Version: "v1.4.0", Commit: "unknown"}},
		{"go install of a commit", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201093000-a63a189abcde"}},
			cli.BuildInfo{Version: "v0.0.0-20261201093000-a63a189abcde", Commit: "a63a189abcde", Date: "2026-12-01T09:30:00Z"}},
		{"go build in a checkout", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T17:02:11Z"}}},
			cli.BuildInfo{Version: "dev", Commit: "0123456789ab", Date: "2026-11-30T17:02:11Z"}},
	} {
		if got := fromToolchain(none, &tt.info); got != tt.want {
			t.Errorf("%s: %+v; want %+v", tt.name, got, tt.want)
		}
	}
}
