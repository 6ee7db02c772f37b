//go:build !windows

package cli

import "os"

// EnableColour reports that ANSI colours work: Unix terminals handle them natively.
func EnableColour(*os.File) bool { return true }
