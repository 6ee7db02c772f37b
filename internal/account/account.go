// Package account checks the work email address a procedure is for (the Microsoft 365
// sign-in name), before anything is created or saved for it.
package account

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// maxLength is RFC 5321's limit for a forward path, which every mail system (and
// Microsoft 365 sign-in names) stays within.
const maxLength = 254

// Parse returns the address in the form state and providers use (trimmed, lower-cased)
// or an error that says what a person should type instead.
func Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("type your work email address, such as alice@contoso.com")
	}
	if len(s) > maxLength {
		return "", fmt.Errorf("an email address has at most %d characters (this one has %d)", maxLength, len(s))
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", errors.New("type an email address such as alice@contoso.com (just the address, no name or <>)")
	}
	_, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(strings.Trim(domain, "."), ".") || strings.HasPrefix(domain, "[") {
		return "", fmt.Errorf("%q is not a mail domain: type the full address, such as alice@contoso.com", domain)
	}
	return strings.ToLower(s), nil
}

// Check is Parse for validators, which only need to know whether s is acceptable.
func Check(s string) error {
	_, err := Parse(s)
	return err
}
