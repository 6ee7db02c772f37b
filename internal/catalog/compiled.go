package catalog

import (
	"sort"
	"strings"
	"sync"

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
	bundle *i18n.Bundle
	tables []table
	added  map[string]bool
}

func newMessages(tables []table) *messages {
	return &messages{bundle: i18n.NewBundle(language.English), tables: tables, added: map[string]bool{}}
}

// localize says lc with loc (a localizer on m.bundle), adding its message in every
// language to the bundle first. A bundle is not safe for concurrent use, and a
// batch's runs print from several goroutines, hence the lock.
func (m *messages) localize(lang string, loc *i18n.Localizer, lc *i18n.LocalizeConfig) (string, error) {
	// Most messages (the help's, for one) are plain text: said as they are, without
	// a template to parse or a lock to take.
	if lc.PluralCount == nil {
		if s, ok := m.plain(lang, lc.MessageID); ok {
			return s, nil
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
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

// plain is message id in lang (else in English) when it has no plural forms and
// no values to fill in.
func (m *messages) plain(lang, id string) (string, bool) {
	for _, t := range m.tables {
		if t.lang != lang {
			continue
		}
		e, ok := t.entry(id)
		if !ok {
			break
		}
		return e.other, e.one == "" && !strings.Contains(e.other, "{{")
	}
	if lang != m.tables[0].lang {
		return m.plain(m.tables[0].lang, id)
	}
	return "", false
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
	_, i, _ := language.NewMatcher(Languages).Match(tag)
	out := map[string]*i18n.Message{}
	for _, t := range compiled {
		if t.lang != Languages[i].String() {
			continue
		}
		for _, e := range t.entries {
			out[e.id] = t.find(e.id)
		}
	}
	return out
}
