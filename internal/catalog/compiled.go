package catalog

import (
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// entry is one compiled message: its text for the plural form "one" (only for a
// message with plural forms) and for every other case.
type entry struct{ id, one, other string }

// table is one language's compiled messages, sorted by id.
type table struct {
	lang    string
	entries []entry
}

// messages is the catalogue a program speaks from. Parsing the YAML files at every
// start took longer than all the rest of a start (about 60 ms for 3,100 messages), and
// completion runs the program on every Tab; compiled into messages_gen.go, they are
// constant data the linker lays out, and a message becomes a go-i18n message (for
// its plural rules and templates) the first time a run says it.
type messages struct {
	mu     sync.Mutex
	tables []table
	// bundle and the localizers on it are made the first time a message with values
	// is said: a bundle reads the plural rules of every language, which a run that
	// only prints its help never needs.
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	added      map[string]bool
	// templates are the messages with values but no plural forms, parsed, by
	// language and id.
	templates map[string]*template.Template
}

func newMessages(tables []table) *messages {
	return &messages{tables: tables, localizers: map[string]*i18n.Localizer{}, added: map[string]bool{}, templates: map[string]*template.Template{}}
}

// localize says lc in lang, falling back to English for a message lang lacks.
//
// A message without plural forms is its text, or its text as a Go template: what
// go-i18n would do with it, without building a bundle (the plural rules of every
// language, and a language matcher per language added), which cost a start-up
// about as much as all of cobra. Messages with plural forms go through go-i18n,
// for CLDR's rules; they are added to its bundle the first time one is said.
func (m *messages) localize(lang string, lc *i18n.LocalizeConfig) (string, error) {
	if lc.PluralCount == nil {
		if e, from, ok := m.entry(lang, lc.MessageID); ok && e.one == "" {
			if !strings.Contains(e.other, "{{") {
				return e.other, nil
			}
			t, err := m.template(from, e)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			err = t.Execute(&b, lc.TemplateData)
			return b.String(), err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bundle == nil {
		m.bundle = i18n.NewBundle(language.English)
	}
	loc := m.localizers[lang]
	if loc == nil {
		loc = i18n.NewLocalizer(m.bundle, lang, language.English.String())
		m.localizers[lang] = loc
	}
	if !m.added[lc.MessageID] {
		m.added[lc.MessageID] = true
		for _, t := range m.tables {
			if msg := t.find(lc.MessageID); msg != nil {
				if err := m.bundle.AddMessages(language.Make(t.lang), msg); err != nil {
					return "", err
				}
			}
		}
	}
	return loc.Localize(lc)
}

// entry is message id in lang, else in English, and the language it was found in.
func (m *messages) entry(lang, id string) (entry, string, bool) {
	for _, t := range m.tables {
		if t.lang == lang {
			if e, ok := t.entry(id); ok {
				return e, lang, true
			}
		}
	}
	if e, ok := m.tables[0].entry(id); ok {
		return e, m.tables[0].lang, true
	}
	return entry{}, "", false
}

// template is e's text in lang parsed, once per process.
func (m *messages) template(lang string, e entry) (*template.Template, error) {
	key := lang + " " + e.id
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.templates[key]; ok {
		return t, nil
	}
	t, err := template.New(e.id).Parse(e.other)
	if err != nil {
		return nil, err
	}
	m.templates[key] = t
	return t, nil
}

// entry is the entry of id in t.
func (t table) entry(id string) (entry, bool) {
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].id >= id })
	if i == len(t.entries) || t.entries[i].id != id {
		return entry{}, false
	}
	return t.entries[i], true
}

// find is the message id in t as go-i18n's, nil when t lacks it. Spanish also has
// a "many" form (for millions); a message written with one and other uses other
// for it, as a reader would.
func (t table) find(id string) *i18n.Message {
	e, ok := t.entry(id)
	if !ok {
		return nil
	}
	m := &i18n.Message{ID: e.id, Other: e.other}
	if e.one != "" {
		m.One, m.Many = e.one, e.other
	}
	return m
}

// Messages are the compiled catalogue's messages in one of Languages, by id (English
// for a language it does not speak). Tests read them to know what a screen must, or
// must not, say.
func Messages(tag language.Tag) map[string]*i18n.Message {
	lang, _ := Match(tag)
	out := map[string]*i18n.Message{}
	for _, t := range compiled {
		if t.lang != lang.String() {
			continue
		}
		for _, e := range t.entries {
			out[e.id] = t.find(e.id)
		}
	}
	return out
}
