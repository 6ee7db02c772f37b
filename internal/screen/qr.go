package screen

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// QR is a screen built around a QR code: what to do (beside the code when the window
// is wide enough, above it otherwise), the code, the link as text right under it, and
// the way without a camera, which is always on screen.
type QR struct {
	// Content is what the code carries.
	Content string
	// Scan is said only when the code is drawn ("Scan this code with …").
	Scan []string
	// Instead is said only when it is not (what to do with the link instead).
	Instead []string
	// Steps are numbered things to do, said whether or not the code is drawn.
	Steps []string
	// Link is printed as text under the code; empty means Content.
	Link string
	// Other is the way without a camera (a link to open, "type T to have it texted").
	Other []string
	// Reserve is the rows the question after the screen needs.
	Reserve int
}

// printable is q with every text that is printed made safe for the terminal. Content
// is left alone: it is what the code carries, drawn as modules, never as text.
func (q QR) printable() QR {
	texts := func(in []string) []string {
		out := make([]string, len(in))
		for i, t := range in {
			out[i] = sanitize.Text(t)
		}
		return out
	}
	q.Scan, q.Instead, q.Steps, q.Other = texts(q.Scan), texts(q.Instead), texts(q.Steps), texts(q.Other)
	q.Link = sanitize.Inline(q.Link)
	return q
}

// linkLabel starts the line under every code ("Link: "); tests find the code by it.
func (s *Screen) linkLabel() string { return s.text.T("screen.qr.link") + " " }

// minBeside is the narrowest column worth putting text in beside a code.
const minBeside = 24

// DrawQR shows q and reports whether the code itself was drawn. A code is drawn only
// whole and only on a terminal that can show it; otherwise the screen says why and
// the link (and, for an authenticator entry, its key in groups of four) stands in.
func (s *Screen) DrawQR(q QR) bool {
	link := q.Link
	if link == "" {
		link = q.Content
	}
	// Sanitised once, before the layout is measured: the words beside the code are
	// printed after its glyphs without going through write, and what is dropped
	// takes no room.
	q, link = q.printable(), sanitize.Inline(link)
	code, side, why := s.fitQR(q, link)
	if code == nil {
		for _, l := range q.Instead {
			s.Say("%s", l)
		}
		s.StepsFrom(1, q.Steps...)
		if why != "" {
			s.Say("(%s)", why)
		}
		s.linkLines(link)
		s.secretLines(q.Content)
		for _, o := range q.Other {
			s.Say("%s", o)
		}
		return false
	}
	lines := code.Lines(s.style)
	if side == nil {
		// Too narrow for a column beside the code: the words go above it.
		for _, l := range q.Scan {
			s.Say("%s", l)
		}
		s.StepsFrom(1, q.Steps...)
	}
	for i, l := range lines {
		if i < len(side) {
			l += "  " + side[i]
		}
		fmt.Fprintln(s.w, l)
	}
	for _, l := range side[min(len(lines), len(side)):] {
		fmt.Fprintln(s.w, strings.Repeat(" ", code.Size().Cols+2)+l)
	}
	s.linkLines(link)
	for _, o := range q.Other {
		s.Say("%s", o)
	}
	return true
}

// fitQR chooses the code for q in this window, or says why there is none. The code,
// the words beside or above it, the link and the question after it must all be on
// screen at once: a code whose top has scrolled away cannot be scanned.
func (s *Screen) fitQR(q QR, link string) (code *qr.Code, side []string, why string) {
	size, ok := s.size()
	if s.plain {
		return nil, nil, ""
	}
	if !ok {
		return nil, nil, s.text.T("screen.qr.no-terminal")
	}
	under := len(Wrap(s.linkLabel()+link, size.Cols, "", "")) + q.Reserve
	for _, o := range q.Other {
		under += len(Wrap(o, size.Cols, "", ""))
	}
	code, err := qr.Fit(q.Content, qr.Size{Cols: size.Cols, Rows: size.Rows - under})
	if err == nil {
		side = s.sideText(q, size.Cols-code.Size().Cols-2)
		if side != nil && len(side)+under <= size.Rows {
			return code, side, ""
		}
		// No column beside it: the words go above, and the code must fit under them.
		above := 0
		for _, l := range q.Scan {
			above += len(Wrap(l, size.Cols, "", ""))
		}
		for _, l := range q.Steps {
			above += len(Wrap(l, size.Cols, "  1. ", "     "))
		}
		under += above
		code, err = qr.Fit(q.Content, qr.Size{Cols: size.Cols, Rows: size.Rows - under})
	}
	var small *qr.TooSmallError
	switch {
	case errors.As(err, &small):
		small.Need.Rows += under
		small.Have = size
		return nil, nil, s.text.Error(small)
	case err != nil:
		return nil, nil, s.text.Error(err)
	}
	return code, nil, ""
}

// sideText is the column beside a code of the given room, or nil if there is no room.
func (s *Screen) sideText(q QR, room int) []string {
	if room < minBeside || len(q.Scan)+len(q.Steps) == 0 {
		return nil
	}
	var out []string
	for _, l := range q.Scan {
		out = append(out, Wrap(l, room, "", "")...)
	}
	for i, st := range q.Steps {
		num := fmt.Sprintf("%d. ", i+1)
		out = append(out, Wrap(st, room, num, strings.Repeat(" ", len(num)))...)
	}
	return out
}

func (s *Screen) linkLines(link string) {
	// The link is never wrapped: a terminal that folds it keeps it one clickable,
	// copyable string, which a line break would not be (so Inline, not Text).
	fmt.Fprintf(s.w, "%s%s\n", s.linkLabel(), sanitize.Inline(link))
}

// secretLines says an authenticator entry's key in groups of four, for a person who
// cannot scan (a screen reader, a window too small) and types it into the app.
func (s *Screen) secretLines(content string) {
	u, err := url.Parse(content)
	if err != nil || u.Scheme != "otpauth" {
		return
	}
	secret := u.Query().Get("secret")
	if secret == "" {
		return
	}
	var groups []string
	for len(secret) > 4 {
		groups = append(groups, secret[:4])
		secret = secret[4:]
	}
	groups = append(groups, secret)
	s.Say("%s", s.text.T("screen.qr.by-hand", "Key", strings.Join(groups, " ")))
}

// errResized ends a question so that its screen is drawn again for the new window size.
// untranslated: it never leaves the question it ends.
var errResized = errors.New("the window was resized")

// AskQR draws q, then asks (ask is the question, run with a context that ends if the
// window is resized); on a resize the screen is drawn again for the new size and the
// question asked again. It reports whether the code was drawn the last time.
func (s *Screen) AskQR(ctx context.Context, q QR, ask func(ctx context.Context, shown bool) error) (bool, error) {
	for {
		shown := s.DrawQR(q)
		if s.plain || !s.tty {
			return shown, ask(ctx, shown)
		}
		qctx, cancel := context.WithCancelCause(ctx)
		drawnFor, _ := s.size()
		go s.watchSize(qctx, cancel, drawnFor)
		err := ask(qctx, shown)
		cancel(nil)
		if err == nil || ctx.Err() != nil || !errors.Is(context.Cause(qctx), errResized) {
			return shown, err
		}
		// Start from a clean window: what was drawn before the resize is garbled.
		fmt.Fprint(s.w, "\x1b[H\x1b[2J")
	}
}

// watchSize ends ctx with errResized when the window's size changes. It looks now and
// then rather than waiting for SIGWINCH, which Windows consoles do not send.
func (s *Screen) watchSize(ctx context.Context, cancel context.CancelCauseFunc, first qr.Size) {
	t := time.NewTicker(s.resizePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if now, _ := s.size(); now != first {
				cancel(errResized)
				return
			}
		}
	}
}
