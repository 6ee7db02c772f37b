package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date, Go version and platform",
		Example: `  mfa-onboard version                 # the same as mfa-onboard --version
  mfa-onboard version > version.txt   # to attach to a support ticket`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IO.Out, versionLine(f.Version))
			return err
		},
	}
}

// versionLine is what both "version" and "--version" print.
func versionLine(b BuildInfo) string {
	built := ""
	if b.Date != "" {
		built = "built " + b.Date + ", "
	}
	return fmt.Sprintf("mfa-onboard %s (commit %s, %s%s, %s/%s)", b.Version, b.Commit, built, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
