//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// serverUser hands dir to the user the server programs run as and returns what makes a
// command run as that user. initdb and postgres refuse to run as root, and tests (and
// CI) often do, so then they run as nobody.
func serverUser(dir string) (func(*exec.Cmd), error) {
	if os.Geteuid() != 0 {
		return func(*exec.Cmd) {}, nil
	}
	uid, gid := nobody()
	// initdb creates the data folder, pg_ctl the log and postgres the socket, all as
	// nobody, inside dir: dir is all there is to hand over.
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, fmt.Errorf("handing %s to user nobody for the test PostgreSQL server: %w", dir, err)
	}
	return func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	}, nil
}

// nobody is the unprivileged user's ids; 65534 where it cannot be looked up (a minimal
// container). ParseInt, not ParseUint: macOS spells nobody's id -2.
func nobody() (uid, gid uint32) {
	uid, gid = 65534, 65534
	u, err := user.Lookup("nobody")
	if err != nil {
		return uid, gid
	}
	if n, err := strconv.ParseInt(u.Uid, 10, 64); err == nil {
		uid = uint32(n)
	}
	if n, err := strconv.ParseInt(u.Gid, 10, 64); err == nil {
		gid = uint32(n)
	}
	return uid, gid
}
