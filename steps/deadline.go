package steps

import (
	"context"
	"errors"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
)

// errExpired ends a question at the moment what it asks about (a texted code, an
// activation, a push) stops working, so the person is told then, not at their next key.
// untranslated: the steps catch it and say what expired in the person's words.
var errExpired = errors.New("it expired while the question was asked")

// askBefore asks with a deadline of expires: errExpired once that passes unanswered.
// A run without a person never waits, so the deadline only matters with one.
func askBefore[T any](ctx context.Context, env *Env, expires time.Time, ask func(context.Context) (T, error)) (T, error) {
	left := expires.Sub(env.Clock.Now())
	if left <= 0 || !env.Interactive {
		return ask(ctx)
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := env.Clock.AfterFunc(left, func() { cancel(errExpired) })
	defer stop()
	v, err := ask(actx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errExpired) && errors.Is(err, prompt.ErrInterrupted) {
		return v, errExpired
	}
	return v, err
}

// at is a time as a person reads it on this computer: hours and minutes in the local
// zone, with its name (and the date, if not today or if nobody is reading now: the
// guidance of a run without a person is read later). An end of validity is rounded up:
// "works until 09:41" for a code that works until 09:41:50 would be a minute short.
func (e *Env) at(t time.Time, end bool) string {
	t = t.Local()
	if end && t.Truncate(time.Minute) != t {
		t = t.Truncate(time.Minute).Add(time.Minute)
	} else {
		t = t.Truncate(time.Minute)
	}
	now := e.Clock.Now().Local()
	clock := t.Format("15:04 MST")
	if !e.Interactive {
		return e.Text.T("steps.time.date", "Date", t.Format("2006-01-02"), "Time", clock)
	}
	if y, m, d := t.Date(); y != now.Year() || m != now.Month() || d != now.Day() {
		return e.Text.T("steps.time.day", "Weekday", e.Text.Weekday(t.Weekday(), true), "Day", d, "Month", e.Text.Month(m, true), "Time", clock)
	}
	return clock
}
