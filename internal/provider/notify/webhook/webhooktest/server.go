// Package webhooktest is a fake Teams Workflows and Slack incoming webhook for tests:
// it checks each payload's shape and answers the way each service does (Teams 202 with
// an empty body, Slack 200 "ok" or a plain-text error code), with a control to fail the
// next post.
package webhooktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
)

// The secret parts of the fake URLs, for tests that check they never leak.
const (
	TeamsSig   = "fakeTeamsSignature0123456789"
	SlackToken = "fakeSlackToken0123456789"
)

// Post is one post the fake accepted.
type Post struct {
	// Kind is "teams" or "slack".
	Kind string
	Body []byte
	// Text is what a person would read: the Slack text, or the Teams TextBlocks joined by newlines.
	Text string
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu    sync.Mutex
	posts []Post
	fails []failure
	tries int
	gate  gate.Gate
}

type failure struct {
	status           int
	body, retryAfter string
}

// New starts a fake that stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(s.gate.Wrap(http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	t.Cleanup(s.gate.ReleaseAll) // before Close, which waits for held requests
	return s
}

// Gate numbers the posts and can stop at one of them (see package gate), for tests
// that kill the client there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// TeamsURL looks like a Workflows trigger URL, signature in the query.
func (s *Server) TeamsURL() string {
	return s.URL + "/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + TeamsSig
}

// SlackURL looks like a Slack incoming webhook URL, token in the path.
func (s *Server) SlackURL() string { return s.URL + "/services/T0000/B0000/" + SlackToken }

// FailNext answers the next post with status, body and (when not empty) Retry-After;
// calls queue up, one answer per post.
func (s *Server) FailNext(status int, body, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{status, body, retryAfter})
}

// Posts returns a copy of the posts accepted so far.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Tries counts every post that arrived, refused ones included.
func (s *Server) Tries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if len(s.fails) > 0 {
		f := s.fails[0]
		s.fails = s.fails[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
		return
	}
	switch {
	case r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json":
		http.Error(w, "expected a JSON POST", http.StatusBadRequest)
	case strings.HasPrefix(r.URL.Path, "/workflows/"):
		if r.URL.Query().Get("sig") != TeamsSig {
			http.Error(w, `{"error":{"code":"DirectApiAuthorizationRequired"}}`, http.StatusUnauthorized)
			return
		}
		text, err := ValidateTeams(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.posts = append(s.posts, Post{Kind: "teams", Body: body, Text: text})
		w.WriteHeader(http.StatusAccepted)
	case r.URL.Path == "/services/T0000/B0000/"+SlackToken:
		var m struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(body, &m) != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		if m.Text == "" {
			http.Error(w, "no_text", http.StatusBadRequest)
			return
		}
		s.posts = append(s.posts, Post{Kind: "slack", Body: body, Text: m.Text})
		_, _ = io.WriteString(w, "ok")
	case strings.HasPrefix(r.URL.Path, "/services/"):
		http.Error(w, "invalid_token", http.StatusForbidden)
	default:
		http.NotFound(w, r)
	}
}

// ValidateTeams checks the Adaptive Card wrapper a Workflows webhook needs and returns
// the card's text.
func ValidateTeams(body []byte) (string, error) {
	var m struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string           `json:"contentType"`
			ContentURL  *json.RawMessage `json:"contentUrl"`
			Content     struct {
				Type    string `json:"type"`
				Schema  string `json:"$schema"`
				Version string `json:"version"`
				Body    []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"body"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	if m.Type != "message" || len(m.Attachments) != 1 {
		return "", fmt.Errorf("want type message with one attachment, got type %q and %d", m.Type, len(m.Attachments))
	}
	a := m.Attachments[0]
	c := a.Content
	switch {
	case a.ContentType != "application/vnd.microsoft.card.adaptive":
		return "", fmt.Errorf("contentType %q", a.ContentType)
	case c.Type != "AdaptiveCard" || c.Version != "1.4" || c.Schema != "http://adaptivecards.io/schemas/adaptive-card.json":
		return "", fmt.Errorf("content is type %q version %q schema %q", c.Type, c.Version, c.Schema)
	case len(c.Body) == 0:
		return "", fmt.Errorf("the card has no body")
	}
	var texts []string
	for _, b := range c.Body {
		if b.Type != "TextBlock" || b.Text == "" {
			return "", fmt.Errorf("body element %q with text %q", b.Type, b.Text)
		}
		texts = append(texts, b.Text)
	}
	return strings.Join(texts, "\n"), nil
}
