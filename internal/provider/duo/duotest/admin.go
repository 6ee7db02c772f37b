package duotest

import (
	"crypto/rand"
	"encoding/base32"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Handlers run with s.mu held.

// platformName maps Duo's request words to the capitalised words its answers use.
func platformName(p string) (string, bool) {
	switch strings.ToLower(p) {
	case "google android":
		return "Google Android", true
	case "apple ios":
		return "Apple iOS", true
	case "windows phone":
		return "Windows Phone", true
	case "generic smartphone":
		return "Generic Smartphone", true
	case "unknown", "":
		return "Unknown", true
	}
	return "", false
}

func typeName(t string) (string, bool) {
	switch strings.ToLower(t) {
	case "mobile":
		return "Mobile", true
	case "landline":
		return "Landline", true
	case "unknown", "":
		return "Unknown", true
	}
	return "", false
}

// normalizeNumber does what Duo does with a number: drop spaces, dashes, dots and
// brackets, and read a number with no + as North American.
func normalizeNumber(n string) (string, bool) {
	n = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, n)
	if !strings.HasPrefix(n, "+") {
		n = "+1" + n
	}
	digits := n[1:]
	if len(digits) < 7 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return n, true
}

// pageOf is one page of items as Duo pages a list: limit (default 100, at most
// maxLimit) and offset from the query (https://duo.com/docs/adminapi "Response
// paging"), and never more than Options.PageSize records.
func (s *Server) pageOf(p url.Values, items []any, maxLimit int) (list, *apiError) {
	l := list{items: items, limit: 100}
	if v := p.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return l, fail(400, 40002, "limit")
		}
		l.limit = n
	}
	if v := p.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return l, fail(400, 40002, "offset")
		}
		l.offset = n
	}
	if s.pageSize > 0 {
		l.limit = min(l.limit, s.pageSize)
	}
	return l, nil
}

func (s *Server) userByName(name string) *User {
	for _, u := range s.users {
		if strings.EqualFold(u.Username, name) {
			return u
		}
	}
	return nil
}

func (s *Server) addUser(username, status string) *User {
	u := &User{UserID: s.newID("DU"), Username: username, Status: status}
	s.users[u.UserID] = u
	return u
}

func (s *Server) addPhone(number, typ, platform string) (*Phone, *apiError) {
	if number != "" {
		n, ok := normalizeNumber(number)
		if !ok {
			return nil, fail(400, 40002, "number")
		}
		for _, p := range s.phones {
			if p.Number == n {
				return nil, duplicate("number")
			}
		}
		number = n
	}
	t, ok := typeName(typ)
	if !ok {
		return nil, fail(400, 40002, "type")
	}
	pl, ok := platformName(platform)
	if !ok {
		return nil, fail(400, 40002, "platform")
	}
	p := &Phone{PhoneID: s.newID("DP"), Number: number, Type: t, Platform: pl}
	s.phones[p.PhoneID] = p
	return p, nil
}

// duplicate is the refusal of a record that exists already. No Duo source at hand
// says what Duo answers then (40003 "Duplicate resource" is only remembered, in
// API-NOTES §2), so the fake answers a plain 40002 naming the parameter, as for any
// bad value: a client must find what exists by looking, not by the code.
func duplicate(param string) *apiError {
	return fail(400, 40002, param)
}

// Error lets AddPhone return an *apiError as an error.
func (e *apiError) Error() string { return strconv.Itoa(e.code) + " " + e.message + " " + e.detail }

// userJSON is a user as Duo shows it; phones carry no users, to stop the recursion.
func (s *Server) userJSON(u *User, withPhones bool) map[string]any {
	enrolled := false
	phones := []any{}
	for _, id := range u.PhoneIDs {
		p := s.phones[id]
		enrolled = enrolled || p.Activated
		if withPhones {
			phones = append(phones, s.phoneJSON(p, false))
		}
	}
	return map[string]any{
		"alias1": nil, "alias2": nil, "alias3": nil, "alias4": nil,
		"created": 1700000000, "email": "", "firstname": nil, "groups": []any{},
		"is_enrolled": enrolled, "last_directory_sync": nil, "last_login": nil, "lastname": nil,
		"notes": "", "phones": phones, "realname": nil, "status": u.Status,
		"tokens": []any{}, "u2ftokens": []any{}, "user_id": u.UserID, "username": u.Username,
		"webauthncredentials": []any{},
	}
}

func (s *Server) phoneJSON(p *Phone, withUsers bool) map[string]any {
	caps := []any{}
	switch {
	case p.Activated:
		caps = []any{"auto", "push", "sms", "phone", "mobile_otp"}
	case p.Number != "":
		caps = []any{"sms", "phone"}
	}
	users := []any{}
	if withUsers {
		for _, id := range sortedKeys(s.users) {
			if u := s.users[id]; slices.Contains(u.PhoneIDs, p.PhoneID) {
				users = append(users, s.userJSON(u, false))
			}
		}
	}
	return map[string]any{
		"activated": p.Activated, "capabilities": caps, "encrypted": "", "extension": "",
		"fingerprint": "", "last_seen": "", "model": "Unknown", "name": "", "number": p.Number,
		"phone_id": p.PhoneID, "platform": p.Platform, "postdelay": nil, "predelay": nil,
		"screenlock": "", "sms_passcodes_sent": false, "type": p.Type, "users": users,
	}
}

func (s *Server) getUsers(c call) (any, *apiError) {
	var items []any
	for _, id := range sortedKeys(s.users) {
		u := s.users[id]
		// Duo's default username normalisation makes the lookup case-insensitive.
		if name := c.params.Get("username"); name == "" || strings.EqualFold(u.Username, name) {
			items = append(items, s.userJSON(u, true))
		}
	}
	return s.pageOf(c.params, items, 300)
}

func (s *Server) createUser(c call) (any, *apiError) {
	name := c.params.Get("username")
	if name == "" {
		return nil, fail(400, 40002, "username")
	}
	if s.userByName(name) != nil {
		return nil, duplicate("username")
	}
	status := c.params.Get("status")
	switch status {
	case "":
		status = "active"
	case "active", "bypass", "disabled":
	default:
		return nil, fail(400, 40002, "status")
	}
	return s.userJSON(s.addUser(name, status), true), nil
}

func (s *Server) getUserPhones(c call) (any, *apiError) {
	u := s.users[c.ids[0]]
	if u == nil {
		return nil, fail(404, 40401, "user_id")
	}
	var items []any
	for _, id := range u.PhoneIDs {
		items = append(items, s.phoneJSON(s.phones[id], false))
	}
	return s.pageOf(c.params, items, 500)
}

// associate refuses a second association as it refuses a duplicate (see duplicate);
// what real Duo answers then is not documented either.
func (s *Server) associate(c call) (any, *apiError) {
	u := s.users[c.ids[0]]
	if u == nil {
		return nil, fail(404, 40401, "user_id")
	}
	id := c.params.Get("phone_id")
	if s.phones[id] == nil {
		return nil, fail(400, 40002, "phone_id")
	}
	if slices.Contains(u.PhoneIDs, id) {
		return nil, duplicate("phone_id")
	}
	u.PhoneIDs = append(u.PhoneIDs, id)
	return "", nil
}

func (s *Server) getPhones(c call) (any, *apiError) {
	want := ""
	if n := c.params.Get("number"); n != "" {
		var ok bool
		if want, ok = normalizeNumber(n); !ok {
			return nil, fail(400, 40002, "number")
		}
	}
	var items []any
	for _, id := range sortedKeys(s.phones) {
		if p := s.phones[id]; want == "" || p.Number == want {
			items = append(items, s.phoneJSON(p, true))
		}
	}
	return s.pageOf(c.params, items, 500)
}

func (s *Server) createPhone(c call) (any, *apiError) {
	p, e := s.addPhone(c.params.Get("number"), c.params.Get("type"), c.params.Get("platform"))
	if e != nil {
		return nil, e
	}
	return s.phoneJSON(p, true), nil
}

func (s *Server) getPhone(c call) (any, *apiError) {
	p := s.phones[c.ids[0]]
	if p == nil {
		return nil, fail(404, 40401, "phone_id")
	}
	return s.phoneJSON(p, true), nil
}

// newActivation replaces any earlier activation of the phone, as Duo's does.
func (s *Server) newActivation(c call) (*Phone, int, *apiError) {
	p := s.phones[c.ids[0]]
	if p == nil {
		return nil, 0, fail(404, 40401, "phone_id")
	}
	secs := 86400
	if v := c.params.Get("valid_secs"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30*86400 {
			return nil, 0, fail(400, 40002, "valid_secs")
		}
		secs = n
	}
	if v := c.params.Get("install"); v != "" && v != "0" && v != "1" {
		return nil, 0, fail(400, 40002, "install")
	}
	// Duo cannot activate a phone whose type or platform is Unknown.
	if p.Type != "Mobile" || p.Platform == "Unknown" {
		return nil, 0, fail(400, 40002, "phone type or platform")
	}
	code := make([]byte, 15)
	_, _ = rand.Read(code)
	kind := "iphone"
	if p.Platform == "Google Android" {
		kind = "android"
	}
	p.ActivationURL = "https://" + s.Host() + "/" + kind + "/" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(code)
	p.ActivationExpires = s.clock.Now().Add(time.Duration(secs) * time.Second)
	return p, secs, nil
}

func (s *Server) barcode(p *Phone) string {
	return "https://" + s.Host() + "/frame/qr?value=" + url.QueryEscape("duo://"+p.ActivationURL[strings.LastIndex(p.ActivationURL, "/")+1:])
}

func (s *Server) activationURL(c call) (any, *apiError) {
	p, secs, e := s.newActivation(c)
	if e != nil {
		return nil, e
	}
	out := map[string]any{"activation_url": p.ActivationURL, "activation_barcode": s.barcode(p), "valid_secs": secs}
	if c.params.Get("install") == "1" {
		out["installation_url"] = "https://" + s.Host() + "/install/" + strings.ToLower(strings.Fields(p.Platform)[0])
	}
	return out, nil
}

func (s *Server) sendSMSActivation(c call) (any, *apiError) {
	inst, act := c.params.Get("installation_msg"), c.params.Get("activation_msg")
	if inst != "" && !strings.Contains(inst, "<insturl>") {
		return nil, fail(400, 40002, "installation_msg")
	}
	if act != "" && !strings.Contains(act, "<acturl>") {
		return nil, fail(400, 40002, "activation_msg")
	}
	if p := s.phones[c.ids[0]]; p != nil && p.Number == "" {
		return nil, fail(400, 40002, "phone has no number")
	}
	p, secs, e := s.newActivation(c)
	if e != nil {
		return nil, e
	}
	if act == "" {
		act = "To activate the app, tap and open this link: <acturl>"
	}
	act = strings.ReplaceAll(act, "<acturl>", p.ActivationURL)
	out := map[string]any{"activation_barcode": s.barcode(p), "activation_msg": act, "installation_msg": "", "valid_secs": secs}
	if c.params.Get("install") == "1" {
		if inst == "" {
			inst = "Welcome to Duo! Please install Duo Mobile from your app store: <insturl>"
		}
		out["installation_msg"] = strings.ReplaceAll(inst, "<insturl>", "https://"+s.Host()+"/install")
	}
	p.Texted = act
	return out, nil
}

func (s *Server) summary(c call) (any, *apiError) {
	return map[string]any{"admin_count": 1, "integration_count": 2, "telephony_credits_remaining": 1000, "user_count": len(s.users)}, nil
}
