package duotest

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

// now answers ping and check: Duo's time in Unix seconds.
func (s *Server) now(call) (any, *apiError) {
	return map[string]any{"time": s.clock.Now().Unix()}, nil
}

// userOf finds the user named by exactly one of username and user_id.
func (s *Server) userOf(c call) (*User, *apiError) {
	name, id := c.params.Get("username"), c.params.Get("user_id")
	switch {
	case (name == "") == (id == ""):
		return nil, fail(400, 40002, "give exactly one of username and user_id")
	case id != "":
		return s.users[id], nil
	}
	return s.userByName(name), nil
}

// activePhones are the user's phones Duo Mobile has activated.
func (s *Server) activePhones(u *User) []*Phone {
	var out []*Phone
	for _, id := range u.PhoneIDs {
		if p := s.phones[id]; p.Activated {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) preauth(c call) (any, *apiError) {
	u, e := s.userOf(c)
	if e != nil {
		return nil, e
	}
	enroll := map[string]any{"result": "enroll", "status_msg": "Enroll an authentication device to proceed",
		"enroll_portal_url": "https://" + s.Host() + "/portal?code=enroll"}
	if u == nil {
		return enroll, nil
	}
	switch u.Status {
	case "bypass":
		return map[string]any{"result": "allow", "status_msg": "Allowing unknown user"}, nil
	case "disabled":
		return map[string]any{"result": "deny", "status_msg": "Your account is disabled"}, nil
	case "locked out":
		return map[string]any{"result": "deny", "status_msg": "Your account is locked out"}, nil
	}
	phones := s.activePhones(u)
	if len(phones) == 0 {
		return enroll, nil
	}
	var devices []any
	for _, p := range phones {
		devices = append(devices, map[string]any{
			"device": p.PhoneID, "type": "phone", "name": "", "number": mask(p.Number),
			"display_name": fmt.Sprintf("%s (%s)", p.Platform, mask(p.Number)),
			"capabilities": []string{"auto", "push", "sms", "phone", "mobile_otp"},
		})
	}
	out := map[string]any{"result": "auth", "status_msg": "Account is active", "devices": devices}
	if s.digits > 0 && c.params.Get("client_supports_verified_push") == "1" {
		// As Duo's own mock of this (duosecurity/duo_unix tests/mockduo.py) answers a
		// client that supports Verified Duo Push: a txid for the auth that follows.
		out["txid"] = s.newVerification(u.Username)
	}
	return out, nil
}

// newVerification prepares a Verified Duo Push for username and returns its txid.
func (s *Server) newVerification(username string) string {
	limit := int64(1)
	for range s.digits {
		limit *= 10
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(limit))
	txid := newTxID()
	s.verifying[txid] = &verification{username: username, number: fmt.Sprintf("%0*d", s.digits, n), created: s.clock.Now()}
	return txid
}

// mask writes a number as Duo's preauth does: XXX-XXX-4788.
func mask(n string) string {
	if len(n) < 4 {
		return n
	}
	return "XXX-XXX-" + n[len(n)-4:]
}

// auth sends a push. Only the push factor is imitated.
func (s *Server) auth(c call) (any, *apiError) {
	if f := c.params.Get("factor"); f != "push" && f != "auto" {
		return nil, fail(400, 40002, "factor")
	}
	u, e := s.userOf(c)
	if e != nil {
		return nil, e
	}
	if u == nil {
		return nil, fail(400, 40002, "username")
	}
	device := c.params.Get("device")
	if device == "" {
		return nil, fail(400, 40002, "device")
	}
	// What Duo answers: "auto" with no capable device, or a device that is not one of
	// the user's push-capable devices, is a bad parameter.
	phones := s.activePhones(u)
	switch {
	case u.Status != "active":
		return nil, fail(400, 40002, "device")
	case device == "auto" && len(phones) == 0:
		return nil, fail(400, 40002, "no capable device")
	case device == "auto":
		device = phones[0].PhoneID
	case !hasPhone(phones, device):
		return nil, fail(400, 40002, "device")
	}
	p := &push{txid: newTxID(), username: u.Username, device: device, created: s.clock.Now()}
	if id := c.params.Get("txid"); id != "" {
		// The Verified Duo Push preauth prepared: this push carries its txid and number.
		// It serves one push, within PushTimeout of the preauth (the minute a reading of
		// Duo's Auth API page gives; not checked at the source).
		v := s.verifying[id]
		if v == nil || v.used || !strings.EqualFold(v.username, u.Username) || s.clock.Now().Sub(v.created) >= PushTimeout {
			return nil, fail(400, 40002, "txid")
		}
		v.used = true
		p.txid, p.number = id, v.number
	}
	if len(s.nextAnswers) > 0 {
		p.answer, s.nextAnswers = s.nextAnswers[0], s.nextAnswers[1:]
	}
	s.pushes[p.txid] = p
	if a := c.params.Get("async"); a == "1" || strings.EqualFold(a, "true") {
		return map[string]any{"txid": p.txid}, nil
	}
	// A synchronous push answers at once: the fake does not block.
	st := pushStatus(s.pushResult(p))
	if st["result"] == "waiting" {
		st = pushStatus("timeout")
	}
	return st, nil
}

func hasPhone(phones []*Phone, id string) bool {
	for _, p := range phones {
		if p.PhoneID == id {
			return true
		}
	}
	return false
}

// authStatus answers the long-poll at once: waiting until the push is answered or
// times out.
func (s *Server) authStatus(c call) (any, *apiError) {
	p := s.pushes[c.params.Get("txid")]
	if p == nil {
		return nil, fail(400, 40002, "txid")
	}
	if s.allowPolled && s.pushResult(p) == "" {
		p.answer = "allow"
	}
	st := pushStatus(s.pushResult(p))
	if st["result"] == "waiting" && p.number != "" {
		// The words of Duo's own mock (duosecurity/duo_unix tests/mockduo.py), which
		// duo_unix shows the person as they are.
		st["status_msg"] = "Please enter verification code " + p.number + " into Duo Mobile..."
	}
	return st, nil
}

// pushStatus is auth_status's answer for a push's answer ("" while waiting).
func pushStatus(answer string) map[string]any {
	switch answer {
	case "allow":
		return map[string]any{"result": "allow", "status": "allow", "status_msg": "Success. Logging you in..."}
	case "deny":
		return map[string]any{"result": "deny", "status": "deny", "status_msg": "Login request denied."}
	case "fraud":
		return map[string]any{"result": "deny", "status": "fraud", "status_msg": "Login request reported as fraudulent."}
	case "timeout":
		return map[string]any{"result": "deny", "status": "timeout", "status_msg": "Login timed out."}
	}
	return map[string]any{"result": "waiting", "status": "pushed", "status_msg": "Pushed a login request to your device..."}
}

// newTxID makes a transaction id shaped like Duo's (a UUID).
func newTxID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
