//go:build !unix

package pgtest

import (
	"errors"
	"os/exec"
)

// serverUser refuses: running the server programs as another user, and their Unix
// socket, are Unix things, so the PostgreSQL tests run on Linux and macOS only.
func serverUser(string) (func(*exec.Cmd), error) {
	return nil, errors.New("the PostgreSQL tests run on Linux and macOS only: run them there (or in WSL)")
}
