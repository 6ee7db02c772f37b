// Package answers reads the answers file: what a run without a person (a new-hire
// pipeline, a CI job) answers to each step's questions. Its top-level keys are the
// step ids, plus user; each answer is used when its step runs, so one file can be
// extended and reused across the runs of a procedure.
package answers

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// maxSize bounds the file: an answers file is a few lines, and a huge one is a mistake.
const maxSize = 64 << 10

// File is the answers file.
type File struct {
	// lines is where each answer was written, by question key, for error messages.
	lines map[string]int

	User       string     `yaml:"user"`
	Phone      Phone      `yaml:"phone"`
	Verify     Verify     `yaml:"verify"`
	MobileMail MobileMail `yaml:"mobile-mail"`
	DuoInstall DuoInstall `yaml:"duo-install"`
	DuoEnroll  Code       `yaml:"duo-enroll"`
	DuoTest    DuoTest    `yaml:"duo-test"`
}

// Phone answers the phone step.
type Phone struct {
	Number Text `yaml:"number"`
	// Country is the two-letter country of a number given without +.
	Country Text `yaml:"country"`
}

// Verify answers the verify step.
type Verify struct {
	Code Text `yaml:"code"`
	// Replace allows replacing a different mobile number already registered.
	Replace Text `yaml:"replace"`
	// PortalDone says the person added the phone on Microsoft's page (portal route).
	PortalDone Text `yaml:"portal-done"`
}

// MobileMail answers the mobile-mail step.
type MobileMail struct {
	Client Text `yaml:"client"`
}

// DuoInstall answers the duo-install step.
type DuoInstall struct {
	Platform Text `yaml:"platform"`
}

// Code answers a step that asks for a code.
type Code struct {
	Code Text `yaml:"code"`
}

// DuoTest answers the duo-test step.
type DuoTest struct {
	Code Text `yaml:"code"`
	// Retry "yes" sends another test push after one that was denied or not answered;
	// without it a run without a person never pushes again.
	Retry Text `yaml:"retry"`
}

// Text is a scalar taken exactly as written, so that a code such as 012345 keeps its
// leading zero instead of being read as a number.
type Text string

// UnmarshalYAML takes the scalar's literal text and refuses lists and maps.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return catalog.NewError("answers.line.not-single", "Line", n.Line)
	}
	*t = Text(n.Value)
	return nil
}

// Error is a problem with the answers file; the run stops with exit code 2.
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return e.Localize(nil) }

// Localize is the problem in p's language.
func (e *Error) Localize(p *catalog.Printer) string {
	return p.T("answers.error", "File", e.File, "Err", e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads the answers file at path (its values are checked by Check).
func Load(path string) (*File, error) {
	fail := func(err error) (*File, error) { return nil, &Error{File: path, Err: err} }
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	if fi.IsDir() {
		return fail(catalog.NewError("answers.folder"))
	}
	if fi.Size() > maxSize {
		return fail(catalog.NewError("answers.too-large", "Size", fi.Size(), "Max", maxSize))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	f, err := Parse(data)
	if err != nil {
		return fail(err)
	}
	return f, nil
}

// Parse reads an answers document; unknown keys and wrong shapes are errors naming the
// line and our key, never a Go type.
func Parse(data []byte) (*File, error) {
	f := &File{lines: map[string]int{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, explain(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) == 1 {
		recordLines(doc.Content[0], "", f.lines)
	}
	return f, nil
}

// recordLines notes the line of every scalar answer under n, by its dotted key.
func recordLines(n *yaml.Node, prefix string, lines map[string]int) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := prefix + n.Content[i].Value
		if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
			recordLines(v, key+".", lines)
		} else {
			lines[key] = v.Line
		}
	}
}

// sections names each Go type of the file by the key it is found under; the top
// level (File) has none.
var sections = map[string]string{
	"Phone": `"phone"`, "Verify": `"verify"`, "MobileMail": `"mobile-mail"`,
	"DuoInstall": `"duo-install"`, "Code": `"duo-enroll"`, "DuoTest": `"duo-test"`,
}

// The YAML library's own messages, which explain reads.
var (
	unknownField = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^line (\d+): field (.+) not found in type answers\.(\w+)$`) // untranslated: the YAML library's words
	})
	wrongShape = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^line (\d+): cannot unmarshal !!(\w+)(?: ` + "`" + `.*` + "`" + `)? into answers\.(\w+)$`) // untranslated: the YAML library's words
	})
)

// explain rewrites the YAML library's messages in terms of the file's own keys.
func explain(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	var out problems
	for _, msg := range te.Errors {
		if m := unknownField().FindStringSubmatch(msg); m != nil {
			line, key := m[1], strconv.Quote(m[2])
			if section, ok := sections[m[3]]; ok {
				out = append(out, catalog.NewError("answers.key.unknown", "Line", line, "Key", key, "Section", section))
			} else {
				out = append(out, catalog.NewError("answers.key.unknown.top", "Line", line, "Key", key))
			}
			continue
		}
		if m := wrongShape().FindStringSubmatch(msg); m != nil {
			line, what := m[1], shape(m[2])
			if section, ok := sections[m[3]]; ok {
				out = append(out, catalog.NewError("answers.shape.wrong", "Line", line, "What", what, "Section", section))
			} else {
				out = append(out, catalog.NewError("answers.shape.wrong.top", "Line", line, "What", what))
			}
			continue
		}
		out = append(out, errors.New(msg))
	}
	return out
}

// shape says what a YAML tag holds, for a person: "seq" is a list. A tag without
// words of its own is said as YAML writes it.
func shape(tag string) any {
	switch tag {
	case "seq":
		return catalog.NewError("answers.shape.list")
	case "str":
		return catalog.NewError("answers.shape.single")
	case "int":
		return catalog.NewError("answers.shape.number")
	case "bool":
		return catalog.NewError("answers.shape.yes-no")
	case "map":
		return catalog.NewError("answers.shape.map")
	}
	return tag
}

// problems are several problems with the file, said one after the other.
type problems []error

func (ps problems) Error() string { return ps.Localize(nil) }

// Localize says each problem in p's language.
func (ps problems) Localize(p *catalog.Printer) string {
	said := make([]string, len(ps))
	for i, e := range ps {
		said[i] = p.Error(e)
	}
	return strings.Join(said, "; ")
}

// Unwrap is the problems, for errors.Is and errors.As.
func (ps problems) Unwrap() []error { return ps }

// Check refuses every answer that is not valid for its question, naming the key and
// its line, so a pipeline learns of a typo before anything is sent. country is the
// default country of numbers given without + (phone.country wins).
func (f *File) Check(country string) error {
	values := f.Values()
	if c := values[steps.KeyPhoneCountry]; c != "" && phone.KnownRegion(c) {
		country = c
	}
	var found problems
	keys := slices.Sorted(maps.Keys(values))
	// Said in the order of the file, as a person reads it.
	slices.SortStableFunc(keys, func(a, b string) int { return f.lines[a] - f.lines[b] })
	for _, key := range keys {
		if err := steps.CheckAnswer(key, values[key], country); err != nil {
			if line := f.lines[key]; line > 0 {
				found = append(found, catalog.Wrap(err, "answers.check.line", "Line", line, "Key", key))
			} else {
				found = append(found, catalog.Wrap(err, "answers.check", "Key", key))
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return found
}

// Values returns the answers by question key ("phone.number"), leaving out the empty ones.
func (f *File) Values() map[string]string {
	all := map[string]Text{
		steps.KeyUser:             Text(f.User),
		steps.KeyPhoneNumber:      f.Phone.Number,
		steps.KeyPhoneCountry:     f.Phone.Country,
		steps.KeyVerifyCode:       f.Verify.Code,
		steps.KeyVerifyReplace:    f.Verify.Replace,
		steps.KeyVerifyPortalDone: f.Verify.PortalDone,
		steps.KeyMailClient:       f.MobileMail.Client,
		steps.KeyDuoPlatform:      f.DuoInstall.Platform,
		steps.KeyDuoEnrollCode:    f.DuoEnroll.Code,
		steps.KeyDuoTestCode:      f.DuoTest.Code,
		steps.KeyDuoTestRetry:     f.DuoTest.Retry,
	}
	out := map[string]string{}
	for k, v := range all {
		if v != "" {
			out[k] = string(v)
		}
	}
	return out
}
