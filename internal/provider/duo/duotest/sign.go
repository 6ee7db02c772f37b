package duotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/url"
	"slices"
	"strings"
)

// This file is Duo's v2 request signing written from Duo's description (API-NOTES §1),
// deliberately not calling the client library: the server recomputes every signature
// with it, so a signing bug on either side shows up as a 40103.

// canonicalize joins the five lines of Duo's v2 canonical string.
func canonicalize(date, method, host, path string, params url.Values) string {
	return strings.Join([]string{date, strings.ToUpper(method), strings.ToLower(host), path, canonParams(params)}, "\n")
}

// canonParams sorts by key, then by value within a key, and percent-encodes both
// per RFC 3986.
func canonParams(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		vals := slices.Clone(params[k])
		slices.Sort(vals)
		for _, v := range vals {
			pairs = append(pairs, percentEncode(k)+"="+percentEncode(v))
		}
	}
	return strings.Join(pairs, "&")
}

// percentEncode leaves RFC 3986's unreserved characters and writes every other byte
// as %XX in upper-case hex (a space is %20, never +).
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// signature is the lower-case hex HMAC of the canonical string.
func signature(h func() hash.Hash, skey, canon string) string {
	mac := hmac.New(h, []byte(skey))
	mac.Write([]byte(canon))
	return hex.EncodeToString(mac.Sum(nil))
}

// authorization is the Authorization header a client sends, with HMAC-SHA512.
func authorization(ikey, skey, canon string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(ikey+":"+signature(sha512.New, skey, canon)))
}

// parseAuthorization splits "Basic base64(ikey:hexsig)".
func parseAuthorization(header string) (ikey, sig string, ok bool) {
	enc, found := strings.CutPrefix(header, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// validSignature accepts HMAC-SHA512 (what duo_api_golang sends) or the legacy
// HMAC-SHA1 that Duo still accepts, told apart by length.
func validSignature(skey, canon, sig string) bool {
	h := sha512.New
	if len(sig) == 2*sha1.Size {
		h = sha1.New
	}
	return hmac.Equal([]byte(strings.ToLower(sig)), []byte(signature(h, skey, canon)))
}
