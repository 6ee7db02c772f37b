package prompt

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Step is one expected question and the answer to give. Answer may be a function of
// the moment (a code read from the outbox, a TOTP computed now).
type Step struct {
	Key    string
	Answer string
	// Func, when set, is called to produce the answer at the time it is asked.
	Func func() string
	// Interrupt answers with Ctrl-C instead.
	Interrupt bool
	// Idle is a person who answers nothing: Func, if set, is called for what it does
	// (moving a fake clock past a deadline, say), then the question ends only when its
	// context does.
	Idle bool
}

// Scripted answers a fixed list of questions in order, for tests. A question that is
// not the next one expected is an error naming both, so a test cannot pass by accident.
type Scripted struct {
	mu     sync.Mutex
	script []Step
	// Refusals records every reason validate gave, in order, so tests can check them.
	Refusals []string
	// Asked records the keys asked, in order.
	Asked []string
}

// NewScripted returns a prompter that expects exactly script.
func NewScripted(script ...Step) *Scripted { return &Scripted{script: script} }

// Remaining returns the keys of the questions that were expected but never asked.
func (s *Scripted) Remaining() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, len(s.script))
	for i, st := range s.script {
		keys[i] = st.Key
	}
	return keys
}

func (s *Scripted) next(ctx context.Context, q Question) (string, error) {
	if ctx.Err() != nil {
		return "", Stopped(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Asked = append(s.Asked, q.Key)
	if len(s.script) == 0 {
		// untranslated: a test's script gone wrong, read by the developer running it.
		return "", fmt.Errorf("unexpected question %q (%s): the script has no answers left", q.Key, q.Message)
	}
	st := s.script[0]
	if st.Key != q.Key {
		// untranslated: a test's script gone wrong, read by the developer running it.
		return "", fmt.Errorf("unexpected question %q (%s): the script expected %q next", q.Key, q.Message, st.Key)
	}
	s.script = s.script[1:]
	if st.Interrupt {
		return "", ErrInterrupted
	}
	if st.Idle {
		s.mu.Unlock()
		if st.Func != nil {
			st.Func()
		}
		<-ctx.Done()
		s.mu.Lock()
		return "", Stopped(ctx)
	}
	if st.Func != nil {
		return st.Func(), nil
	}
	return st.Answer, nil
}

// Input answers from the script; an answer validate refuses is recorded and the
// next scripted answer (which must have the same key) is taken.
func (s *Scripted) Input(ctx context.Context, q Question, validate func(string) error) (string, error) {
	for {
		v, err := s.next(ctx, q)
		if err != nil {
			return "", err
		}
		if validate != nil {
			if verr := validate(v); verr != nil {
				s.mu.Lock()
				s.Refusals = append(s.Refusals, verr.Error())
				s.mu.Unlock()
				continue
			}
		}
		return v, nil
	}
}

// Select answers with the scripted option value, which must be one of opts.
func (s *Scripted) Select(ctx context.Context, q Question, opts []Option) (string, error) {
	v, err := s.next(ctx, q)
	if err != nil {
		return "", err
	}
	for _, o := range opts {
		if o.Value == v {
			return v, nil
		}
	}
	vals := make([]string, len(opts))
	for i, o := range opts {
		vals[i] = o.Value
	}
	// untranslated: a test's script gone wrong, read by the developer running it.
	return "", fmt.Errorf("scripted answer %q for %q is not one of %s", v, q.Key, strings.Join(vals, ", "))
}

// Confirm answers with the scripted "yes" or "no".
func (s *Scripted) Confirm(ctx context.Context, q Question) (bool, error) {
	v, err := s.next(ctx, q)
	if err != nil {
		return false, err
	}
	yes, ok := parseYesNo(nil, v)
	if !ok {
		// untranslated: a test's script gone wrong, read by the developer running it.
		return false, fmt.Errorf("scripted answer %q for %q is not yes or no", v, q.Key)
	}
	return yes, nil
}
