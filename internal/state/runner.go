package state

import (
	"os"
	"os/user"
)

// Runner is who ran a run: the OS account and the machine, and the technician's own
// name where one was given (--technician). Every Save records it, so that a view of
// everyone can say who last worked on each person.
type Runner struct {
	OSUser     string `json:"os_user,omitempty"`
	Machine    string `json:"machine,omitempty"`
	Technician string `json:"technician,omitempty"`
}

// CurrentRunner is this process: its OS account and this machine's name, each left
// empty when the OS will not say.
func CurrentRunner() Runner {
	var r Runner
	if u, err := user.Current(); err == nil {
		r.OSUser = u.Username
	}
	if h, err := os.Hostname(); err == nil {
		r.Machine = h
	}
	return r
}

// SetRunner makes Save record r instead of CurrentRunner: a technician's name, or a
// fixed one in tests.
func (s *Files) SetRunner(r Runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runner = &r
}

// currentRunner is a fresh copy of who Save records, so that a caller changing the
// state it saved never changes what the next save records.
func (s *Files) currentRunner() *Runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner == nil {
		r := CurrentRunner()
		s.runner = &r
	}
	r := *s.runner
	return &r
}
