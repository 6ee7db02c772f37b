//go:build windows

package state

// tightenDir does nothing: Windows ignores Unix permission bits and the
// profile folder's ACL already keeps other users out.
func tightenDir(string) error { return nil }
