package twiliotest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httprecord"
)

// verification is the service side of one Twilio verification.
type verification struct {
	sid, to, code, status string
	created, expires      time.Time
	checks                int
}

// attempt is one text sent for a verification, as the Verification Attempts API
// lists it.
type attempt struct {
	sid, verificationSID, to string
	created                  time.Time
	converted                bool
}

var e164 = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`) })

// twilioTime is how Verify writes dates.
const twilioTime = "2006-01-02T15:04:05Z"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	lim := s.limit
	s.mu.Unlock()
	admitted, _ := lim.Admit()
	lim.Delay(r.Context())
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &httprecord.Recorder{ResponseWriter: w}
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Body: string(body), Form: form, Status: rec.Status, Answer: rec.Body.String()})
	}()
	if !admitted {
		rec.Header().Set("Content-Type", "application/json")
		writeError(rec, http.StatusTooManyRequests, 20429, "Too Many Requests")
		return
	}
	s.route(rec, r, form)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, form url.Values) {
	now := s.clock.Now()
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Type", "application/json")

	if f, ok := s.takeFailure(r.URL.Path); ok {
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		writeError(w, f.status, f.code, "injected failure")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != AccountSID || pass != AuthToken {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.URL.Path == "/v2/Attempts" {
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
			return
		}
		s.listAttempts(w, r.URL.Query())
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/Services/")
	sid, resource, _ := strings.Cut(rest, "/")
	if !ok || sid != ServiceSID {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	want := map[string]string{"": http.MethodGet, "Verifications": http.MethodPost, "VerificationCheck": http.MethodPost}[resource]
	switch {
	case want == "":
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	case r.Method != want:
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if want == http.MethodPost {
		if msg := checkForm(r.Header.Get("Content-Type"), form, resource); msg != "" {
			writeError(w, http.StatusBadRequest, 60200, msg)
			return
		}
	}
	switch resource {
	case "":
		writeJSON(w, http.StatusOK, map[string]any{
			"sid": ServiceSID, "account_sid": AccountSID, "friendly_name": FriendlyName, "code_length": s.codeLength,
			"lookup_enabled": false, "skip_sms_to_landlines": false, "dtmf_input_required": true,
			"date_created": now.Format(twilioTime), "date_updated": now.Format(twilioTime),
			"url": "https://verify.twilio.com" + Path(""),
		})
	case "Verifications":
		s.startVerification(w, form, now)
	case "VerificationCheck":
		s.checkVerification(w, form, now)
	}
}

// checkForm returns why a form body is not what Verify takes, or "".
func checkForm(contentType string, form url.Values, resource string) string {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/x-www-form-urlencoded" {
		return "Invalid parameter: the body must be application/x-www-form-urlencoded, not " + contentType
	}
	known := map[string][]string{"Verifications": {"To", "Channel"}, "VerificationCheck": {"To", "Code", "VerificationSid"}}[resource]
	for k := range form {
		if !slices.Contains(known, k) {
			return "Invalid parameter: " + k
		}
	}
	return ""
}

func (s *Server) startVerification(w http.ResponseWriter, form url.Values, now time.Time) {
	to := form.Get("To")
	if !e164().MatchString(to) {
		writeError(w, http.StatusBadRequest, 60200, "Invalid parameter `To`: "+to)
		return
	}
	if form.Get("Channel") != "sms" {
		writeError(w, http.StatusBadRequest, 60200, "Invalid parameter `Channel`: "+form.Get("Channel"))
		return
	}
	var recent []time.Time
	for _, t := range s.sends[to] {
		if now.Sub(t) < SendWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= MaxSends {
		writeError(w, http.StatusTooManyRequests, 60203, "Max send attempts reached")
		return
	}
	s.sends[to] = append(recent, now)
	v := s.verifications[to]
	if !v.open(now) || v.checks >= MaxChecks {
		// Within its validity Twilio repeats the pending verification, code and all, and
		// the validity still runs from when the code was made
		// (https://www.twilio.com/docs/verify/api/rate-limits-and-timeouts).
		v = &verification{sid: "VE" + randomHex(16), to: to, code: digits(s.codeLength), status: "pending", created: now, expires: now.Add(Lifetime)}
		s.verifications[to] = v
	}
	at := &attempt{sid: "VL" + randomHex(16), verificationSID: v.sid, to: to, created: now}
	s.attempts = append(s.attempts, at)
	// send_code_attempts lists every text of the verification, a repeat's included.
	var sends []map[string]any
	for _, a := range s.attempts {
		if a.verificationSID == v.sid {
			sends = append(sends, map[string]any{"time": a.created.Format(twilioTime), "channel": "SMS", "attempt_sid": a.sid})
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": v.sid, "service_sid": ServiceSID, "account_sid": AccountSID, "to": to, "channel": "sms",
		"status": v.status, "valid": false, "lookup": map[string]any{}, "amount": nil, "payee": nil,
		"send_code_attempts": sends,
		"date_created":       v.created.Format(twilioTime), "date_updated": now.Format(twilioTime),
		"url": "https://verify.twilio.com" + Path("Verifications/"+v.sid),
	})
}

func (s *Server) checkVerification(w http.ResponseWriter, form url.Values, now time.Time) {
	to, sid, code := form.Get("To"), form.Get("VerificationSid"), form.Get("Code")
	if (to == "") == (sid == "") {
		writeError(w, http.StatusBadRequest, 60200, "Invalid parameter: give either To or VerificationSid")
		return
	}
	if len(code) < 4 || len(code) > 10 {
		writeError(w, http.StatusBadRequest, 60200, "Invalid parameter: Code")
		return
	}
	v := s.verifications[to]
	if sid != "" {
		v = nil
		for _, c := range s.verifications {
			if c.sid == sid {
				v = c
			}
		}
	}
	// Twilio forgets a verification once it is approved or expired.
	if !v.open(now) {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+Path("VerificationCheck")+" was not found")
		return
	}
	if v.checks >= MaxChecks {
		writeError(w, http.StatusTooManyRequests, 60202, "Max check attempts reached")
		return
	}
	v.checks++
	if code == v.code {
		v.status = "approved"
		for _, at := range s.attempts {
			if at.verificationSID == v.sid {
				at.converted = true
			}
		}
		// A completed verification lifts the send limit.
		delete(s.sends, v.to)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sid": v.sid, "service_sid": ServiceSID, "account_sid": AccountSID, "to": v.to, "channel": "sms",
		"status": v.status, "valid": v.status == "approved", "amount": nil, "payee": nil,
		"sna_attempts_error_codes": []any{},
		"date_created":             v.created.Format(twilioTime), "date_updated": now.Format(twilioTime),
	})
}

// listAttempts answers GET /v2/Attempts, Verify's Verification Attempts list, with
// the filters Twilio documents: VerifyServiceSid, VerificationSid, ChannelData.To,
// Channel, Status (converted or unconverted), DateCreatedAfter, DateCreatedBefore and
// PageSize. Newest first, one page.
func (s *Server) listAttempts(w http.ResponseWriter, q url.Values) {
	for k := range q {
		switch k {
		case "VerifyServiceSid", "VerificationSid", "ChannelData.To", "Channel", "Status", "DateCreatedAfter", "DateCreatedBefore", "PageSize", "Page", "PageToken", "Country":
		default:
			writeError(w, http.StatusBadRequest, 20001, "Invalid parameter: "+k)
			return
		}
	}
	var after, before time.Time
	for name, t := range map[string]*time.Time{"DateCreatedAfter": &after, "DateCreatedBefore": &before} {
		if v := q.Get(name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, 20001, "Invalid parameter `"+name+"`: "+v)
				return
			}
			*t = parsed
		}
	}
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, 20001, "Invalid parameter `PageSize`: "+v)
			return
		}
		size = n
	}
	status := q.Get("Status")
	if status != "" && status != "converted" && status != "unconverted" {
		writeError(w, http.StatusBadRequest, 20001, "Invalid parameter `Status`: "+status)
		return
	}
	list := []map[string]any{}
	for i := len(s.attempts) - 1; i >= 0 && len(list) < size; i-- {
		at := s.attempts[i]
		conv := "unconverted"
		if at.converted {
			conv = "converted"
		}
		switch {
		case q.Get("VerifyServiceSid") != "" && q.Get("VerifyServiceSid") != ServiceSID,
			q.Get("VerificationSid") != "" && q.Get("VerificationSid") != at.verificationSID,
			q.Get("ChannelData.To") != "" && q.Get("ChannelData.To") != at.to,
			q.Get("Channel") != "" && !strings.EqualFold(q.Get("Channel"), "sms"),
			status != "" && status != conv,
			!after.IsZero() && at.created.Before(after),
			!before.IsZero() && at.created.After(before):
			continue
		}
		list = append(list, map[string]any{
			"sid": at.sid, "account_sid": AccountSID, "service_sid": ServiceSID, "verification_sid": at.verificationSID,
			"date_created": at.created.Format(twilioTime), "date_updated": at.created.Format(twilioTime),
			"conversion_status": conv, "channel": "sms", "price": nil,
			"channel_data": map[string]any{"to": at.to, "carrier_status": "delivered", "message_status": "delivered"},
			"url":          "https://verify.twilio.com/v2/Attempts/" + at.sid,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": list, "meta": map[string]any{
		"page": 0, "page_size": size, "first_page_url": "https://verify.twilio.com/v2/Attempts?PageSize=" + strconv.Itoa(size) + "&Page=0",
		"previous_page_url": nil, "next_page_url": nil, "key": "attempts", "url": "https://verify.twilio.com/v2/Attempts?PageSize=" + strconv.Itoa(size) + "&Page=0",
	}})
}

// open reports whether v can still be checked or resent.
func (v *verification) open(now time.Time) bool {
	return v != nil && v.status == "pending" && now.Before(v.expires)
}

func (s *Server) takeFailure(path string) (failure, bool) {
	for i, f := range s.failures {
		if f.path == path {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			return f, true
		}
	}
	return failure{}, false
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// digits makes a random code of n digits.
func digits(n int) string {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, _ := rand.Int(rand.Reader, limit)
	return fmt.Sprintf("%0*d", n, v)
}
