package config

import (
	"fmt"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// singleLine are the values people read on screen that are one line of text: a
// control or invisible character in one can only be a mistake (a pasted escape
// sequence, a YAML block scalar's line break) or an attack on whoever reads the
// screen. Whatever else reaches the screen is made safe there (internal/screen);
// these are refused at load, naming the key, so that the organisation learns of it
// rather than seeing a name shown differently from what it wrote.
func (c *Config) singleLine() []struct{ key, value string } {
	return []struct{ key, value string }{
		{"organisation", c.Organisation},
		{"user_domain", c.UserDomain},
		{"support.name", c.Support.Name},
		{"support.email", c.Support.Email},
		{"links.office_portal", c.Links.OfficePortal},
		{"links.security_info", c.Links.SecurityInfo},
		{"links.app_store", c.Links.AppStore},
		{"links.google_play", c.Links.GooglePlay},
	}
}

// checkSingleLine refuses the first single-line value holding a character the screen
// would drop (sanitize.Unsafe: controls, line breaks and tabs included, format
// characters such as bidi overrides and zero-width spaces, U+FFFD) or a line or
// paragraph separator.
func (c *Config) checkSingleLine() error {
	for _, v := range c.singleLine() {
		for _, r := range v.value {
			if sanitize.Unsafe(r) || r == '\u2028' || r == '\u2029' {
				return bad(catalog.NewError("config.value.unsafe-char", "Key", v.key, "Char", fmt.Sprintf("%U", r)))
			}
		}
	}
	return nil
}
