// Package answers reads the answers file: what a run without a person (a new-hire
// pipeline, a CI job) answers to each step's questions. Its top-level keys are the
// step ids, plus user; each answer is used when its step runs, so one file can be
// extended and reused across the runs of a procedure.
package answers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/mfa-onboard/mfa-onboard/steps"
)

// maxSize bounds the file: an answers file is a few lines, and a huge one is a mistake.
const maxSize = 64 << 10

// File is the answers file.
type File struct {
	User       string     `yaml:"user"`
	Phone      Phone      `yaml:"phone"`
	Verify     Verify     `yaml:"verify"`
	MobileMail MobileMail `yaml:"mobile-mail"`
	DuoInstall DuoInstall `yaml:"duo-install"`
	DuoEnroll  Code       `yaml:"duo-enroll"`
	DuoTest    Code       `yaml:"duo-test"`
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

// Text is a scalar taken exactly as written, so that a code such as 012345 keeps its
// leading zero instead of being read as a number.
type Text string

// UnmarshalYAML takes the scalar's literal text and refuses lists and maps.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a single value, not a list or a map", n.Line)
	}
	*t = Text(n.Value)
	return nil
}

// Error is a problem with the answers file; the run stops with exit code 2.
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("answers file %s: %v", e.File, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Load reads the answers file at path.
func Load(path string) (*File, error) {
	fail := func(err error) (*File, error) { return nil, &Error{File: path, Err: err} }
	fi, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	if fi.IsDir() {
		return fail(errors.New("is a folder; give the YAML file inside it"))
	}
	if fi.Size() > maxSize {
		return fail(fmt.Errorf("is %d bytes; an answers file is at most %d", fi.Size(), maxSize))
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

// Parse reads an answers document; unknown keys and wrong shapes are errors naming the line.
func Parse(data []byte) (*File, error) {
	f := &File{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return f, nil
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
	}
	out := map[string]string{}
	for k, v := range all {
		if v != "" {
			out[k] = string(v)
		}
	}
	return out
}
