//go:build !windows && !darwin

package locale

// System is nil where the POSIX locale is the only language setting.
var System func() []string
