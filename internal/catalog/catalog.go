// Package catalog is the one place every sentence a person reads comes from: the
// message catalogue, in English and Spanish, and the Printer that says a message in
// the language the person chose.
//
// Messages are found by ID (area.thing, as "steps.phone.ask"). Their text lives in
// messages/LANG/*.yaml, one file per area, with the same file names and IDs in every
// language, compiled into messages_gen.go by "go test ./internal/catalog -run
// Compiled -update". Tests fail when an English message has no translation, when a
// translation names other values than its English, when code asks for an ID the
// English files lack, and when messages_gen.go is older than the files.
package catalog

import (
	"sort"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the languages the catalogue speaks, English first: it is the one
// every message exists in, and the one chosen when nothing else matches.
var Languages = []language.Tag{language.English, language.Spanish}

// Printer says catalogue messages in one language, falling back to English for a
// message its language lacks (which the catalogue's tests forbid, but a person should
// never see an ID). A nil Printer speaks English, so that code built without a
// language (a test, a tool) still reads.
type Printer struct {
	tag language.Tag
	cat *messages
}

// New is a Printer for the catalogue language nearest to tag: Spanish for es-MX,
// English for a language the catalogue does not speak.
func New(tag language.Tag) *Printer { return newPrinter(compiledCatalogue(), tag) }

func newPrinter(c *messages, tag language.Tag) *Printer {
	lang, _ := Match(tag)
	return &Printer{tag: lang, cat: c}
}

// Match is the catalogue language nearest to tag, and whether tag is near enough
// to any of them to be called that language (es-MX is Spanish; fr is none, and
// English is what it gets).
func Match(tag language.Tag) (language.Tag, bool) {
	_, i, conf := matcher().Match(tag)
	return Languages[i], conf != language.No
}

// matcher is made once: making one parses every language's tags again, which was
// the dearest part of choosing the language at start-up.
var matcher = sync.OnceValue(func() language.Matcher { return language.NewMatcher(Languages) })

// English is the Printer of the catalogue's first language; errors say themselves in
// it when nobody asked for another (Error() has no Printer to hand).
func English() *Printer { return english() }

var english = sync.OnceValue(func() *Printer { return New(language.English) })

// compiledCatalogue is the catalogue compiled into the program (messages_gen.go),
// made ready once per process: it is constant data, so one copy serves every Printer.
var compiledCatalogue = sync.OnceValue(func() *messages { return newMessages(compiled) })

// Tag is the language this Printer speaks.
func (p *Printer) Tag() language.Tag {
	if p == nil {
		return language.English
	}
	return p.tag
}

// T is the message id said with its values, given as name, value pairs:
// T("steps.verify.sent", "Phone", masked). A value named Count also chooses the
// plural form ("one", "other"). An error value is said in this Printer's language.
func (p *Printer) T(id string, args ...any) string {
	if p == nil {
		p = English()
	}
	data, count := p.values(args)
	s, err := p.cat.localize(p.tag.String(), &i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}

// values turns name, value pairs into template data, saying errors in p's language.
func (p *Printer) values(args []any) (map[string]any, any) {
	if len(args) == 0 {
		return nil, nil
	}
	data := make(map[string]any, len(args)/2)
	var count any
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		v := args[i+1]
		if err, ok := v.(error); ok && err != nil {
			v = p.Error(err)
		}
		if name == "Count" {
			count = v
		}
		data[name] = v
	}
	return data, count
}

// Region is how a sentence in p's language names a country given by its ISO code
// ("US"): English sentences use the code itself, as the config writes it ("a US
// number"); other languages their own name for the country ("Estados Unidos"),
// where a code would read as foreign. The names are CLDR's, compiled into
// regions_gen.go: x/text's display package, which has them, costs a program 2.3 MB
// and a language matcher built at every start.
func (p *Printer) Region(code string) string {
	if p.Tag() == language.English {
		return code
	}
	lang := p.tag.String()
	i := sort.Search(len(regionNames), func(i int) bool {
		r := regionNames[i]
		return r.lang > lang || r.lang == lang && r.code >= code
	})
	if i < len(regionNames) && regionNames[i].lang == lang && regionNames[i].code == code {
		return regionNames[i].name
	}
	return code
}

// regionName is a country's name in one of the catalogue's languages.
type regionName struct{ lang, code, name string }

// Localized is an error that can say itself in a Printer's language: a catalogue
// Error, and the program's own error types that wrap one.
type Localized interface {
	error
	Localize(p *Printer) string
}

// Error says err in p's language: catalogue errors and the errors that wrap them
// are translated, errors from elsewhere (the operating system, a library) keep their
// own words.
func (p *Printer) Error(err error) string {
	if err == nil {
		return ""
	}
	if p == nil {
		p = English()
	}
	if l, ok := err.(Localized); ok {
		return l.Localize(p)
	}
	// errors.Join's errors are said one by one; another error with several inside
	// says itself in its own words.
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var en, said []string
		for _, e := range j.Unwrap() {
			if e != nil {
				en = append(en, e.Error())
				said = append(said, p.Error(e))
			}
		}
		if strings.Join(en, "\n") == err.Error() {
			return strings.Join(said, "\n")
		}
	}
	return err.Error()
}
