package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   f.Text.T("cli.version.short"),
		Example: f.Text.T("cli.version.example"),
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionLine(f.Text, f.Version))
			return err
		},
	}
}

// versionLine is what both "version" and "--version" print.
func versionLine(p *catalog.Printer, b BuildInfo) string {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	if b.Date == "" {
		return p.T("cli.version.line", "Version", b.Version, "Commit", b.Commit, "Go", runtime.Version(), "Platform", platform)
	}
	return p.T("cli.version.line-built", "Version", b.Version, "Commit", b.Commit, "Date", b.Date, "Go", runtime.Version(), "Platform", platform)
}
