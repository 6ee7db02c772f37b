package phonenumbers

import (
	"regexp"
	"sync"
)

// mfa-onboard: the package's fixed regular expressions are compiled the first time
// one is used, not in init, where all of them together cost every start of the
// program about 1 ms and 290 KB before it had looked at a phone number. The shape
// follows Go's own internal/lazyregexp. See README.mfa-onboard.md.

// lazyRegexp is a regular expression that is compiled on first use.
type lazyRegexp struct {
	str  string
	once sync.Once
	rx   *regexp.Regexp
}

// lazy returns a lazyRegexp for str without compiling it. A pattern that does not
// compile panics on first use, with the message regexp.MustCompile gives.
func lazy(str string) *lazyRegexp {
	return &lazyRegexp{str: str}
}

// re returns the compiled expression, compiling it if this is the first use.
func (r *lazyRegexp) re() *regexp.Regexp {
	r.once.Do(r.build)
	return r.rx
}

func (r *lazyRegexp) build() {
	r.rx = regexp.MustCompile(r.str)
}

// The methods below are the ones of regexp.Regexp that the package calls; each
// compiles the expression first if this is its first use.

// FindAllString is regexp.Regexp's FindAllString.
func (r *lazyRegexp) FindAllString(s string, n int) []string {
	return r.re().FindAllString(s, n)
}

// FindIndex is regexp.Regexp's FindIndex.
func (r *lazyRegexp) FindIndex(b []byte) []int {
	return r.re().FindIndex(b)
}

// FindStringIndex is regexp.Regexp's FindStringIndex.
func (r *lazyRegexp) FindStringIndex(s string) []int {
	return r.re().FindStringIndex(s)
}

// FindStringSubmatch is regexp.Regexp's FindStringSubmatch.
func (r *lazyRegexp) FindStringSubmatch(s string) []string {
	return r.re().FindStringSubmatch(s)
}

// MatchString is regexp.Regexp's MatchString.
func (r *lazyRegexp) MatchString(s string) bool {
	return r.re().MatchString(s)
}

// ReplaceAllString is regexp.Regexp's ReplaceAllString.
func (r *lazyRegexp) ReplaceAllString(src, repl string) string {
	return r.re().ReplaceAllString(src, repl)
}

// ReplaceAllStringFunc is regexp.Regexp's ReplaceAllStringFunc.
func (r *lazyRegexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.re().ReplaceAllStringFunc(src, repl)
}

// Split is regexp.Regexp's Split.
func (r *lazyRegexp) Split(s string, n int) []string {
	return r.re().Split(s, n)
}
