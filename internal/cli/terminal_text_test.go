package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
)

// raw are the bytes of characters a terminal acts on that the attack on the build got
// through: ESC, BEL, C1 CSI (U+009B), NEL (U+0085) and the bidi override U+202E.
var raw = map[string]string{"ESC": "\x1b", "BEL": "\x07", "U+009B": "\xc2\x9b", "U+0085": "\xc2\x85", "U+202E": "\xe2\x80\xae"}

func holdsRaw(t *testing.T, where, out string) {
	t.Helper()
	for name, b := range raw {
		if strings.Contains(out, b) {
			t.Errorf("%s holds a raw %s:\n%q", where, name, out)
		}
	}
}

// hostileSummary is a summary as a tampered state file gives it.
func hostileSummary() wizard.Summary {
	return wizard.Summary{
		User:      "eve\u202e@contoso.com",
		Outcome:   wizard.WaitingUser,
		WaitingOn: "verify",
		Updated:   time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Steps: []wizard.StepSummary{
			{ID: "phone", Title: "Your mobile number", Status: state.Done},
			{ID: "verify", Title: "Prove it", Status: state.Waiting, Reason: "code\u009b2J sent\x1b]52;c;aGk=\x07\u0085again\n\tlater",
				Guidance: []string{"type \u202ethe code\u2028\u200b"}},
		},
	}
}

func TestStatusTableWritesNoControlCharacters(t *testing.T) {
	var out bytes.Buffer
	if err := writeTable(&out, nil, hostileSummary(), "mfa-onboard start"); err != nil {
		t.Fatal(err)
	}
	holdsRaw(t, "the status table", out.String())
	if lines := strings.Count(out.String(), "\n"); lines != 5 {
		t.Errorf("the table has %d lines; want 5 (a line break in a reason must not start a row):\n%s", lines, out.String())
	}
	if !strings.Contains(out.String(), "code2J sent]52;c;aGk=again later") {
		t.Errorf("the reason's harmless text is not in the table:\n%s", out.String())
	}
}

func TestJSONResultEscapesWhatATerminalActsOnAndLosesNothing(t *testing.T) {
	sum := hostileSummary()
	var out bytes.Buffer
	if err := writeJSON(&out, sum); err != nil {
		t.Fatal(err)
	}
	holdsRaw(t, "the JSON result", out.String())
	for _, esc := range []string{`eve\u202e@contoso.com`, `\u009b`, `\u0085`, `\u2028`, `\u200b`} {
		if !strings.Contains(out.String(), esc) {
			t.Errorf("the JSON result lacks %s:\n%s", esc, out.String())
		}
	}
	var back Result
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&back); err != nil || dec.More() {
		t.Fatalf("not one JSON document: %v", err)
	}
	if back.User != sum.User || back.Steps[1].Reason != sum.Steps[1].Reason || back.Steps[1].Guidance[0] != sum.Steps[1].Guidance[0] {
		t.Errorf("the round trip changed the text: %+v", back)
	}
}

func TestErrorMessagesWriteNoControlCharacters(t *testing.T) {
	var out bytes.Buffer
	printError(&out, nil, 0, usage(errors.New("bad value \x1b]52;c;aGk=\x07\u009b\u202e")), ExitUsage)
	holdsRaw(t, "the error", out.String())
	if !strings.HasPrefix(out.String(), "Error: bad value ]52;c;aGk=\n") {
		t.Errorf("error = %q", out.String())
	}
	out.Reset()
	printError(&out, nil, 0, errors.New("first line\nsecond line"), ExitFailed)
	if out.String() != "Error: first line\nsecond line\n" {
		t.Errorf("a two-line error = %q; want its lines kept", out.String())
	}
}

// On a terminal of 40 columns an error breaks between words, not where the
// terminal would cut a word in two.
func TestErrorMessagesBreakBetweenWordsOnATerminal(t *testing.T) {
	var out bytes.Buffer
	printError(&out, nil, 40, errors.New("0 people failed and 1 row was skipped, each named above with why; everyone else is recorded"), ExitFailed)
	want := "Error: 0 people failed and 1 row was\nskipped, each named above with why;\neveryone else is recorded\n"
	if out.String() != want {
		t.Errorf("error =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestAHiddenCharacterInTheUserIsRefusedBeforeAnythingIsSaved(t *testing.T) {
	for _, user := range []string{"eve\u202e@contoso.com", "eve\u0085@contoso.com", "eve\u009b@contoso.com", "\u212aate@contoso.com"} {
		home := t.TempDir()
		code, stdout, stderr := run(t, nil, "start", "--home", home, "--user", user, "--output", "json")
		if code != ExitUsage {
			t.Errorf("start --user %q: exit %d; want 2\n%s", user, code, stderr)
		}
		holdsRaw(t, "stdout", stdout)
		holdsRaw(t, "stderr", stderr)
		if !strings.Contains(stderr, "U+") {
			t.Errorf("start --user %q: the refusal does not name the character:\n%s", user, stderr)
		}
	}
}

func TestStatusOfATamperedStateFileWritesNoControlCharacters(t *testing.T) {
	home := t.TempDir()
	// JSON escapes in the file: what is loaded holds the raw characters.
	writeState(t, home, "alice@example.com.json", `{"schema": 1, "user": "alice@example.com", "steps": {"phone": {"status": "done"},
		"verify": {"status": "waiting", "reason": "code\u009b2J \u001b]52;c;aGk=\u0007 \u202eevil", "guidance": ["\u0085x\u001b[2J"]}}}`)
	code, stdout, stderr := run(t, nil, "status", "--home", home)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	holdsRaw(t, "status", stdout+stderr)
	res, out := statusJSON(t, "--home", home)
	holdsRaw(t, "status --output json", out)
	if got := res.Steps[1].Reason; got != "code\u009b2J \x1b]52;c;aGk=\x07 \u202eevil" {
		t.Errorf("the JSON reason = %q; want the saved text exactly", got)
	}
}

func TestStatusAndResetNeverEchoAHostileUser(t *testing.T) {
	for _, cmd := range [][]string{{"status"}, {"reset", "--yes"}} {
		args := append(append([]string{"--home", t.TempDir()}, cmd...), "--user", "ev\u202eil@contoso.com")
		code, out, errOut := run(t, nil, args...)
		if code != ExitUsage || strings.Contains(out+errOut, "\u202e") {
			t.Errorf("%v: exit %d, output %q; want 2 and no raw bidi override", cmd, code, out+errOut)
		}
	}
}
