package duo

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzDecode feeds Duo's envelope decoder any answer a server (or something posing as
// one) could send: it must never panic, and an error must be one clean sentence.
func FuzzDecode(f *testing.F) {
	f.Add(200, []byte(`{"stat":"OK","response":{"result":"auth","devices":[{"device":"DP1","capabilities":["push"]}]}}`))
	f.Add(400, []byte(`{"stat":"FAIL","code":"40002","message":"Invalid request parameters","message_detail":"device"}`))
	f.Add(429, []byte(`{"stat":"FAIL","code":42901,"message":"Too many requests"}`))
	f.Add(200, []byte(`{"stat":"OK","response":"\u001b]52;c;aGk=\u0007"}`))
	f.Add(502, []byte(`<html>Bad gateway</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out struct {
			Result    string `json:"result"`
			StatusMsg string `json:"status_msg"`
			Devices   []struct {
				Device       string   `json:"device"`
				Capabilities []string `json:"capabilities"`
			} `json:"devices"`
		}
		for _, api := range []API{AdminAPI, AuthAPI} {
			if err := decode(api, status, body, &out); err != nil {
				checkSentence(t, err.Error())
			}
		}
	})
}

// checkSentence fails on what must never reach a terminal from a vendor's answer.
func checkSentence(t *testing.T, s string) {
	t.Helper()
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > 1000 {
		t.Fatalf("error sentence is empty, invalid UTF-8 or too long: %q", s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("error sentence holds %U: %q", r, s)
		}
	}
}
