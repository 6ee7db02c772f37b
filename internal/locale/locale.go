// Package locale finds the language a person wants mfa-onboard to speak: --lang,
// then MFA_ONBOARD_LANG, then the POSIX locale (LC_ALL, LC_MESSAGES, LANG), then
// the language of the Windows or macOS user.
package locale

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Env is the environment variable that chooses the language when --lang does not.
const Env = "MFA_ONBOARD_LANG"

// ChoiceError is a --lang or MFA_ONBOARD_LANG the catalogue cannot speak: asked
// for by name, a language should not be silently replaced by another.
type ChoiceError struct {
	// From is where the choice was made: "--lang" or "MFA_ONBOARD_LANG".
	From string
	// Value is what it said.
	Value string
}

func (e *ChoiceError) Error() string { return e.Localize(catalog.English()) }

// Localize says the error in p's language.
func (e *ChoiceError) Localize(p *catalog.Printer) string {
	return p.T("locale.unknown", "From", e.From, "Value", e.Value)
}

// Choose is the language to speak. flag is --lang ("" when not given); getenv reads
// the environment; system lists the operating system user's preferred languages,
// best first (nil where there is no such setting). An explicit choice the catalogue
// does not speak is a ChoiceError, returned with the language the rest would choose,
// so that the error itself can be said in it.
func Choose(flag string, getenv func(string) string, system func() []string) (language.Tag, error) {
	for _, c := range []struct{ from, value string }{{"--lang", flag}, {Env, getenv(Env)}} {
		if c.value == "" {
			continue
		}
		tag, ok := Spoken(c.value)
		if !ok {
			return fromSystem(getenv, system), &ChoiceError{From: c.from, Value: c.value}
		}
		return tag, nil // the system is not asked: on macOS that starts a process
	}
	return fromSystem(getenv, system), nil
}

// Spoken is the catalogue language that value (a BCP 47 tag such as "es" or "es-MX",
// or a POSIX locale such as "es_ES.UTF-8") names, and whether it names one at all.
func Spoken(value string) (language.Tag, bool) {
	tag, err := language.Parse(posixToBCP47(value))
	if err != nil {
		return language.English, false
	}
	if spoken, ok := catalog.Match(tag); ok {
		return spoken, true
	}
	return language.English, false
}

// fromSystem is the language of the POSIX locale, else of the OS user, else
// English. The first of LC_ALL, LC_MESSAGES and LANG that is set decides, as in
// every POSIX program: LANG=es_ES with LC_ALL=C speaks English.
func fromSystem(getenv func(string) string, system func() []string) language.Tag {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			tag, _ := Spoken(v) // English for a locale the catalogue does not speak
			return tag
		}
	}
	if system == nil {
		return language.English
	}
	for _, v := range system() {
		if tag, ok := Spoken(v); ok {
			return tag
		}
	}
	return language.English
}

// posixToBCP47 turns "es_ES.UTF-8@euro" into "es-ES"; "C" and "POSIX" are English.
func posixToBCP47(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, ".@"); i >= 0 {
		v = v[:i]
	}
	if v == "C" || v == "POSIX" {
		return "en"
	}
	return strings.ReplaceAll(v, "_", "-")
}
