package graphtest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// graphNumber is Graph's phone number format: "+{country code} {number}x{extension}".
var graphNumber = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{4,15}(x[0-9]{1,10})?$`) })

func methodID(phoneType string) string {
	switch phoneType {
	case "mobile":
		return MobileID
	case "alternateMobile":
		return AlternateMobileID
	case "office":
		return OfficeID
	}
	return ""
}

// graph serves /v1.0/users… and /beta/users…; seg[0] is the version.
func (s *Server) graph(w http.ResponseWriter, r *http.Request, seg []string, body []byte) {
	if len(seg) == 2 {
		s.listUsers(w, r, seg[0])
		return
	}
	u := s.findUser(seg[2])
	rest := strings.Join(seg[3:], "/")
	if u == nil && (rest == "" || rest == "authentication/phoneMethods" || strings.HasPrefix(rest, "authentication/phoneMethods/") || rest == "authentication/requirements") {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+seg[2]+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	switch {
	case rest == "":
		s.getUser(w, r, seg[0], u)
	case seg[0] == "v1.0" && rest == "sendMail":
		s.sendMail(w, r, seg[2], body)
	case seg[0] == "v1.0" && rest == "authentication/phoneMethods":
		s.phoneMethods(w, r, u, body)
	case seg[0] == "v1.0" && strings.HasPrefix(rest, "authentication/phoneMethods/") && len(seg) == 6:
		s.phoneMethod(w, r, u, seg[5], body)
	case seg[0] == "beta" && rest == "authentication/requirements":
		s.requirements(w, r, u, body)
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+rest+"'.")
	}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, version string) {
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermUsersRead] {
		denied(w)
		return
	}
	value := []map[string]any{}
	if len(s.users) > 0 {
		value = append(value, map[string]any{"id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/" + version + "/$metadata#users(id)", "value": value})
}

// getUser serves GET /users/{id | userPrincipalName} under User.Read.All
// (https://learn.microsoft.com/graph/api/user-get): with $select=id, the id alone.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, version string, u *user) {
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermUsersRead] {
		denied(w)
		return
	}
	if r.URL.Query().Get("$select") == "id" {
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/" + version + "/$metadata#users(id)/$entity", "id": u.id})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/" + version + "/$metadata#users/$entity", "id": u.id, "userPrincipalName": u.upn})
}

func (s *Server) phoneMethods(w http.ResponseWriter, r *http.Request, u *user, body []byte) {
	// Reading takes either permission; adding takes the read-write one
	// (https://learn.microsoft.com/graph/api/authentication-list-phonemethods).
	if !s.perms[PermMethods] && !(r.Method == http.MethodGet && s.perms[PermMethodsRead]) {
		denied(w)
		return
	}
	switch r.Method {
	case http.MethodGet:
		value := []map[string]any{}
		for _, m := range u.methods {
			value = append(value, methodJSON(m))
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + u.upn + "')/authentication/phoneMethods", "value": value})
	case http.MethodPost:
		var in struct {
			PhoneNumber *string `json:"phoneNumber"`
			PhoneType   *string `json:"phoneType"`
		}
		if msg := decodeStrict(r, body, &in); msg != "" {
			graphError(w, http.StatusBadRequest, "badRequest", msg)
			return
		}
		if in.PhoneNumber == nil || in.PhoneType == nil {
			graphError(w, http.StatusBadRequest, "badRequest", "phoneNumber and phoneType are required.")
			return
		}
		if msg := s.validate(u, *in.PhoneNumber, *in.PhoneType); msg != "" {
			graphError(w, http.StatusBadRequest, "badRequest", msg)
			return
		}
		m := &Method{ID: methodID(*in.PhoneType), PhoneNumber: *in.PhoneNumber, PhoneType: *in.PhoneType}
		u.methods = append(u.methods, m)
		if u.mfa == "enabled" {
			// A user enabled for per-user MFA becomes enforced on registering a method.
			u.mfa = "enforced"
		}
		writeJSON(w, http.StatusCreated, methodJSON(m))
	default:
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
	}
}

// validate returns why Graph would refuse a new method, or "".
func (s *Server) validate(u *user, number, phoneType string) string {
	if !graphNumber().MatchString(number) {
		return "Invalid phone number format. Phone numbers must be in the format '+{country code} {number}x{extension}'."
	}
	if methodID(phoneType) == "" {
		return "Invalid value for phoneType: '" + phoneType + "'."
	}
	has := func(t string) bool {
		for _, m := range u.methods {
			if m.PhoneType == t {
				return true
			}
		}
		return false
	}
	if has(phoneType) {
		return "A phone method of type '" + phoneType + "' already exists for this user."
	}
	if phoneType == "alternateMobile" && !has("mobile") {
		return "A mobile phone method must exist before an alternateMobile one is added."
	}
	return ""
}

func (s *Server) phoneMethod(w http.ResponseWriter, r *http.Request, u *user, id string, body []byte) {
	if !s.perms[PermMethods] {
		denied(w)
		return
	}
	var m *Method
	for _, x := range u.methods {
		if x.ID == id {
			m = x
		}
	}
	if m == nil {
		graphError(w, http.StatusNotFound, "itemNotFound", "The phone method '"+id+"' was not found.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, methodJSON(m))
	case http.MethodPatch:
		var in struct {
			PhoneNumber *string `json:"phoneNumber"`
			PhoneType   *string `json:"phoneType"`
		}
		if msg := decodeStrict(r, body, &in); msg != "" {
			graphError(w, http.StatusBadRequest, "badRequest", msg)
			return
		}
		if in.PhoneType != nil && *in.PhoneType != m.PhoneType {
			graphError(w, http.StatusBadRequest, "badRequest", "The type of a phone method cannot be changed.")
			return
		}
		if in.PhoneNumber != nil {
			if !graphNumber().MatchString(*in.PhoneNumber) {
				graphError(w, http.StatusBadRequest, "badRequest", "Invalid phone number format. Phone numbers must be in the format '+{country code} {number}x{extension}'.")
				return
			}
			m.PhoneNumber = *in.PhoneNumber
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
	}
}

func (s *Server) requirements(w http.ResponseWriter, r *http.Request, u *user, body []byte) {
	switch r.Method {
	case http.MethodGet:
		if !s.perms[PermPolicyRead] && !s.perms[PermPolicyWrite] {
			denied(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/beta/$metadata#users('" + u.upn + "')/authentication/requirements/$entity", "perUserMfaState": u.mfa})
	case http.MethodPatch:
		if !s.perms[PermPolicyWrite] {
			denied(w)
			return
		}
		var in struct {
			PerUserMfaState string `json:"perUserMfaState"`
		}
		if msg := decodeStrict(r, body, &in); msg != "" {
			graphError(w, http.StatusBadRequest, "badRequest", msg)
			return
		}
		switch in.PerUserMfaState {
		case "disabled", "enforced":
			u.mfa = in.PerUserMfaState
		case "enabled":
			u.mfa = "enabled"
			if len(u.methods) > 0 {
				u.mfa = "enforced"
			}
		default:
			graphError(w, http.StatusBadRequest, "badRequest", "Invalid value for perUserMfaState: '"+in.PerUserMfaState+"'.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
	}
}

// decodeStrict reads a JSON body the way Graph's writes want it: JSON content type,
// known properties only (smsSignInState is read-only, so it is refused too).
func decodeStrict(r *http.Request, body []byte, v any) string {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return "Content-Type must be application/json, not '" + r.Header.Get("Content-Type") + "'."
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return "Invalid request body: " + err.Error()
	}
	return ""
}

func denied(w http.ResponseWriter) {
	graphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func methodJSON(m *Method) map[string]any {
	state := "notSupported"
	if m.PhoneType == "mobile" {
		state = "ready"
	}
	return map[string]any{"phoneNumber": m.PhoneNumber, "phoneType": m.PhoneType, "smsSignInState": state, "id": m.ID}
}
