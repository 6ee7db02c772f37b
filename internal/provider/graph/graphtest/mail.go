package graphtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// PermMailSend is the application permission user: sendMail needs.
const PermMailSend = "Mail.Send"

// Mail is one message Graph took from sendMail.
type Mail struct {
	From, Subject, Body, ContentType string
	To, Cc                           []string
	// Headers are the custom internet message headers, by name.
	Headers         map[string]string
	SaveToSentItems bool
}

// mailState is what the server knows of Exchange Online.
type mailState struct {
	mailboxes map[string]bool // lower-case address → has a mailbox
	sent      []Mail
}

// AddMailbox gives addr an Exchange Online mailbox that can send.
func (s *Server) AddMailbox(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mail.mailboxes == nil {
		s.mail.mailboxes = map[string]bool{}
	}
	s.mail.mailboxes[strings.ToLower(addr)] = true
}

// SentMail returns every message sendMail took, oldest first.
func (s *Server) SentMail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail.sent...)
}

// sendMail serves POST /v1.0/users/{from}/sendMail as documented at
// https://learn.microsoft.com/graph/api/user-sendmail: 202 with no body and a
// request-id header; custom headers must be named x-…
// (https://learn.microsoft.com/graph/api/resources/internetmessageheader).
func (s *Server) sendMail(w http.ResponseWriter, r *http.Request, from string, body []byte) {
	if r.Method != http.MethodPost {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermMailSend] {
		graphError(w, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	if !s.mail.mailboxes[strings.ToLower(from)] {
		if s.users[strings.ToLower(from)] != nil {
			graphError(w, http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
			return
		}
		graphError(w, http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+from+"' is invalid.")
		return
	}
	var in struct {
		Message struct {
			Subject string `json:"subject"`
			Body    struct {
				ContentType string `json:"contentType"`
				Content     string `json:"content"`
			} `json:"body"`
			To      []address `json:"toRecipients"`
			Cc      []address `json:"ccRecipients"`
			Headers []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"internetMessageHeaders"`
		} `json:"message"`
		SaveToSentItems *bool `json:"saveToSentItems"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		graphError(w, http.StatusBadRequest, "RequestBodyRead", "Cannot read the request body.")
		return
	}
	m := Mail{From: from, Subject: in.Message.Subject, Body: in.Message.Body.Content, ContentType: in.Message.Body.ContentType,
		Headers: map[string]string{}, SaveToSentItems: in.SaveToSentItems == nil || *in.SaveToSentItems}
	for _, h := range in.Message.Headers {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			graphError(w, http.StatusBadRequest, "InvalidInternetMessageHeader", "The internet message header name '"+h.Name+"' should start with 'x-' or 'X-'.")
			return
		}
		m.Headers[h.Name] = h.Value
	}
	for _, a := range in.Message.To {
		m.To = append(m.To, a.EmailAddress.Address)
	}
	for _, a := range in.Message.Cc {
		m.Cc = append(m.Cc, a.EmailAddress.Address)
	}
	if len(m.To) == 0 {
		graphError(w, http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient is missing.")
		return
	}
	s.mail.sent = append(s.mail.sent, m)
	w.Header().Set("request-id", "5d1a9a3c-0000-4000-8000-"+strings.Repeat("0", 8)+itoa(1000+len(s.mail.sent)))
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusAccepted)
}

type address struct {
	EmailAddress struct {
		Address string `json:"address"`
	} `json:"emailAddress"`
}
