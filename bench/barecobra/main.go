//go:build bench

// Command barecobra is the reference start-up is measured against: a cobra program
// with a root and one command and nothing else, built as mfa-onboard is. A figure
// for mfa-onboard is a ratio to this program's, measured in the same run, because
// these machines' speed varies from minute to minute.
package main

import (
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "barecobra", Short: "A bare cobra program", Version: "1"}
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { cmd.Println("barecobra 1") },
	})
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
