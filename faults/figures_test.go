//go:build faults && unix

package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// The kinds of side effect counted. Each is "what" (the vendor's record or the
// message) and, for those counted as present at the end, the thing that must exist.
const (
	kDemoCode       = "demo: text with the verification code"
	kDemoCodeOK     = "demo: code approved (the person proved the phone)"
	kDemoMobile     = "demo: M365 mobile method registered"
	kDemoMail       = "demo: notice to support (mail in the outbox)"
	kDemoDuoUser    = "demo: Duo user"
	kDemoDuoPhone   = "demo: Duo phone"
	kDemoAttached   = "demo: phone attached to the Duo user"
	kDemoActivation = "demo: Duo activation text"
	kDemoActivated  = "demo: Duo phone activated"
	kDemoPush       = "demo: Duo push sent"
	kDemoApproved   = "demo: Duo push the person approved"

	kTwilioText        = "Twilio Verify text sent"
	kTwilioApproved    = "Twilio code approved (the person proved the phone)"
	kGraphWrite        = "Graph phone method created/updated"
	kGraphMobile       = "Graph mobile method present"
	kMFAWrite          = "Graph per-user MFA set to enforced (writes)"
	kMFAEnforced       = "Graph per-user MFA is enforced"
	kMail              = "support mail (SMTP)"
	kTeams             = "support Teams post"
	kSlack             = "support Slack post"
	kTicket            = "support Autotask ticket"
	kDuoUser           = "Duo user"
	kDuoPhone          = "Duo phone"
	kDuoAttached       = "Duo phone attached to the user"
	kDuoActivationText = "Duo activation texted (send_sms_activation)"
	kDuoActivationURL  = "Duo activation link made (activation_url)"
	kDuoActivated      = "Duo phone activated"
	kDuoOpened         = "Duo activation link the person had to open"
	kDuoPush           = "Duo push sent (auth)"
	kDuoApproved       = "Duo push the person approved"
)

// kind says what may happen to a side effect after a crash.
type kind struct {
	name string
	// again, when not "", is why a crash between doing it and recording it may do it
	// once more: the vendor gives no way to ask whether it was done.
	again string
	// window, for a kind with again, is what the kill point's name contains when the
	// kill fell between the vendor doing it and the program recording it: the only
	// place a second copy is allowed. Anywhere else the program could have known.
	window string
	// idempotent: doing it again sets the same value and changes nothing anyone sees.
	idempotent bool
}

// inWindow says whether a duplicate of k at the kill point named point is one the
// vendor gave no way to avoid.
func (k kind) inWindow(point string) bool {
	return k.again != "" && strings.Contains(point, k.window)
}

const (
	whyText = "texts: a sent SMS cannot be asked about"
	whyPush = "pushes: Duo's Auth API cannot list pushes in flight"
	whyMail = "mail: SMTP cannot be asked what it accepted"
	whyHook = "webhooks: a webhook cannot be asked what it received"
)

var kinds = []kind{
	{name: kDemoCode, again: whyText, window: "appended (sms)"},
	{name: kDemoCodeOK},
	{name: kDemoMobile},
	{name: kDemoMail, again: whyMail, window: "appended (email)"},
	{name: kDemoDuoUser},
	{name: kDemoDuoPhone},
	{name: kDemoAttached},
	{name: kDemoActivation, again: whyText, window: "appended (sms with the activation link)"},
	{name: kDemoActivated},
	{name: kDemoPush, again: whyPush, window: "appended (push)"},
	{name: kDemoApproved},

	{name: kTwilioText, again: whyText, window: "/Verifications, "},
	{name: kTwilioApproved},
	{name: kGraphWrite},
	{name: kGraphMobile},
	{name: kMFAWrite, idempotent: true},
	{name: kMFAEnforced},
	{name: kMail, again: whyMail, window: "smtp request"},
	{name: kTeams, again: whyHook, window: "POST /workflows/"},
	{name: kSlack, again: whyHook, window: "POST /services/"},
	{name: kTicket},
	{name: kDuoUser},
	{name: kDuoPhone},
	{name: kDuoAttached},
	{name: kDuoActivationText, again: whyText, window: "/send_sms_activation, "},
	{name: kDuoActivationURL},
	{name: kDuoActivated},
	{name: kDuoOpened},
	{name: kDuoPush, again: whyPush, window: "POST /auth/v2/auth, "},
	{name: kDuoApproved},
}

func kindOf(name string) kind {
	for _, k := range kinds {
		if k.name == name {
			return k
		}
	}
	return kind{name: name}
}

// knownDefects are the findings other changes in flight are fixing, by what the
// suite sees: "lost <kind>", "dup <kind>", "repair <step>", "corrupt outbox". A
// finding listed here still fails the suite; the note says which change should make
// it pass, so that the entry can be deleted (and the suite tightened) once it lands.
var knownDefects = map[string]string{
	"dup " + kTwilioApproved: "a right code refused after a kill between \"approved\" and \"saved\": the person must prove the phone again with a new code " +
		"(the verify change in flight asks Twilio's Verification Attempts first; twiliotest now serves them)",
	"dup " + kDemoCodeOK: "a right code refused after a kill between \"approved\" and \"saved\": the demo code service cannot say it accepted the code, " +
		"so the person must prove the phone again with a new code (fix in progress)",
	"lost " + kDemoMail: "the fake notifier records the notice as sent before the outbox write (fix in progress)",
	"repair verify":     "a right code refused after a kill between \"approved\" and \"saved\" (fix in progress)",
	"repair duo-test":   "a right code refused after a kill between \"approved\" and \"saved\" (fix in progress)",
	"dup " + kDemoApproved: "a push approved before the kill is not recognised, so a second one is sent and must be approved " +
		"(same defect as a right code refused after a kill between \"approved\" and \"saved\"; fix in progress)",
	"dup " + kDuoApproved: "a push approved before the kill is not recognised, so a second one is sent and must be approved " +
		"(same defect as a right code refused after a kill between \"approved\" and \"saved\"; fix in progress)",
	"corrupt outbox": "torn outbox lines (fix in progress)",
	// Found by this suite in the verify change in flight (the "checking" mark saved
	// before a code is checked): killed after the mark and before the check reached the
	// service, the next run texts a new code although the code was never checked.
	// Twilio could say so (its Verification Attempts list the text as unconverted and
	// the verification is still pending), and so could the demo service.
	"dup " + kTwilioText + " where the program could have known": "a kill between the verify step's \"checking\" mark and the check itself texts a new code that was not needed (verify change in flight)",
	"dup " + kDemoCode + " where the program could have known":   "a kill between the verify step's \"checking\" mark and the check itself texts a new code that was not needed (verify change in flight)",
}

// outcome is what one kill point led to.
type outcome struct {
	suite string
	// point says where the kill was, for people.
	point string
	// boundary names the step(s) whose status the killed write saved, if any.
	boundary string
	// reached: the run was killed there (false: it ended before the point).
	reached   bool
	completed bool
	// runs is how many runs it took after the kill.
	runs int
	// dups and lost are by kind, against the run with no fault; repeats are the
	// idempotent writes done again.
	dups, lost, repeats counts
	corrupt             []string
	// repair is why the pipeline alone could not finish, "" when it could.
	repair string
	// decisions are the questions the person had to answer after the kill that a run
	// with no fault never asks (duo-test.retry).
	decisions []string
	notes     []string
}

// figures collects the outcomes of every kill point, safe for parallel subtests.
type figures struct {
	mu       sync.Mutex
	started  time.Time
	baseline map[string]counts
	outcomes []outcome
	timing   map[string]time.Duration
}

func newFigures() *figures {
	return &figures{started: time.Now(), baseline: map[string]counts{}, timing: map[string]time.Duration{}}
}

func (f *figures) add(o outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outcomes = append(f.outcomes, o)
}

func (f *figures) setBaseline(suite string, c counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.baseline[suite] = c
}

func (f *figures) base(suite string) counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.baseline[suite]
}

// compare fills o's duplicates, losses and repeats from the counts at the end.
func compare(o *outcome, base, got counts) {
	o.dups, o.lost, o.repeats = counts{}, counts{}, counts{}
	names := map[string]bool{}
	for k := range base {
		names[k] = true
	}
	for k := range got {
		names[k] = true
	}
	for k := range names {
		d := got[k] - base[k]
		switch {
		case d > 0 && kindOf(k).idempotent:
			o.repeats[k] = d
		case d > 0:
			o.dups[k] = d
		case d < 0 && o.completed:
			o.lost[k] = -d
		}
	}
}

// checkFiles returns every file of the home that is corrupt or unreadable: each
// state file must load, each demo services' record must parse, every outbox line must
// be a whole message.
func checkFiles(dir string) []string {
	var bad []string
	stateDir := filepath.Join(dir, "state")
	entries, _ := os.ReadDir(stateDir)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(stateDir, name))
		if err != nil || !json.Valid(data) {
			bad = append(bad, "state/"+name+" is not JSON")
		}
	}
	if len(entries) > 0 {
		if _, err := state.NewFiles(stateDir).Load(user); err != nil && !errors.Is(err, state.ErrNotFound) {
			bad = append(bad, "state of "+user+" does not load: "+err.Error())
		}
	}
	records := filepath.Join(dir, "demo-services")
	_ = filepath.WalkDir(records, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			return nil // locks, and temporary files no one reads
		}
		if data, err := os.ReadFile(path); err != nil || !json.Valid(data) {
			rel, _ := filepath.Rel(dir, path)
			bad = append(bad, rel+" is not JSON")
		}
		return nil
	})
	if data, err := os.ReadFile(filepath.Join(dir, "outbox.jsonl")); err == nil && len(data) > 0 {
		if data[len(data)-1] != '\n' {
			bad = append(bad, "outbox.jsonl ends in a torn line")
		}
		for i, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
			var m outbox.Message
			if err := json.Unmarshal(line, &m); err != nil || m.Channel == "" {
				bad = append(bad, fmt.Sprintf("outbox.jsonl line %d is not a whole message", i+1))
			}
		}
	}
	return bad
}

// totals are the figures of one suite (or all).
type totals struct {
	tried, boundaries, unreached, completed, repairs, corrupt, decisions int
	dupPoints, lostPoints                                                int
	dups, lost, repeats, outside                                         counts
	dupAt, lostAt                                                        map[string][]string
}

func (f *figures) totals(suite string) totals {
	tt := totals{dups: counts{}, lost: counts{}, repeats: counts{}, outside: counts{}, dupAt: map[string][]string{}, lostAt: map[string][]string{}}
	for _, o := range f.outcomes {
		if suite != "" && o.suite != suite {
			continue
		}
		if !o.reached {
			tt.unreached++
			continue
		}
		tt.tried++
		if o.boundary != "" {
			tt.boundaries++
		}
		if o.completed {
			tt.completed++
		}
		if o.repair != "" {
			tt.repairs++
		}
		if len(o.decisions) > 0 {
			tt.decisions++
		}
		if len(o.corrupt) > 0 {
			tt.corrupt++
		}
		if len(o.dups) > 0 {
			tt.dupPoints++
		}
		if len(o.lost) > 0 {
			tt.lostPoints++
		}
		for k, n := range o.dups {
			tt.dups[k] += n
			tt.dupAt[k] = append(tt.dupAt[k], o.point)
			if !kindOf(k).inWindow(o.point) {
				tt.outside[k] += n
			}
		}
		for k, n := range o.lost {
			tt.lost[k] += n
			tt.lostAt[k] = append(tt.lostAt[k], o.point)
		}
		for k, n := range o.repeats {
			tt.repeats[k] += n
		}
	}
	return tt
}

// suiteOrder is the order the suites are listed in.
var suiteOrder = map[string]int{"demo": 0, "contract": 1, "postgres": 2}

// table is the figures as text.
func (f *figures) table(mode string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	sort.SliceStable(f.outcomes, func(i, j int) bool {
		if f.outcomes[i].suite != f.outcomes[j].suite {
			return suiteOrder[f.outcomes[i].suite] < suiteOrder[f.outcomes[j].suite]
		}
		return false
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "Fault suite figures (%s run), %s, %s/%s, %s, took %s\n\n", mode,
		time.Now().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Since(f.started).Round(time.Second))
	demo, contract, pg, all := f.totals("demo"), f.totals("contract"), f.totals("postgres"), f.totals("")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tdemo\tcontract servers\tthe same, progress in PostgreSQL\tall\t\n")
	row := func(name string, get func(totals) int) {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t\n", name, get(demo), get(contract), get(pg), get(all))
	}
	row("kill points tried", func(t totals) int { return t.tried })
	row("  of which at a step boundary", func(t totals) int { return t.boundaries })
	row("resumed to completion", func(t totals) int { return t.completed })
	row("manual repairs needed", func(t totals) int { return t.repairs })
	row("a question for the person (duo-test.retry)", func(t totals) int { return t.decisions })
	row("kill points with a corrupt or unreadable file", func(t totals) int { return t.corrupt })
	row("kill points with a side effect lost", func(t totals) int { return t.lostPoints })
	row("kill points with a side effect doubled", func(t totals) int { return t.dupPoints })
	row("(runs that ended before their Nth write)", func(t totals) int { return t.unreached })
	w.Flush()

	fmt.Fprintf(&b, "\nSide effects by kind (one run with no fault makes \"per run\"; duplicates and losses are extra or missing copies summed over all kill points):\n\n")
	w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "kind\tper run\tduplicates\tlost\tallowed to double after a crash?\n")
	for _, k := range kinds {
		suite := "contract"
		if strings.HasPrefix(k.name, "demo: ") {
			suite = "demo"
		}
		base, ok := f.baseline[suite]
		if !ok {
			continue
		}
		allowed := "no"
		switch {
		case k.again != "":
			allowed = "yes, " + k.again
		case k.idempotent:
			allowed = "repeats are harmless (same value set again)"
		}
		dups := all.dups[k.name]
		dupCol := fmt.Sprint(dups)
		if n := all.outside[k.name]; n > 0 && k.again != "" {
			dupCol = fmt.Sprintf("%d (%d avoidable)", dups, n)
		}
		if k.idempotent {
			dupCol = fmt.Sprintf("0 (%d repeats)", all.repeats[k.name])
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%s\n", k.name, base[k.name], dupCol, all.lost[k.name], allowed)
	}
	w.Flush()

	var details []string
	for _, o := range f.outcomes {
		if !o.reached {
			continue
		}
		var what []string
		for _, k := range sortedKeys(o.dups) {
			what = append(what, fmt.Sprintf("%d more %q", o.dups[k], k))
		}
		for _, k := range sortedKeys(o.lost) {
			what = append(what, fmt.Sprintf("%d %q lost", o.lost[k], k))
		}
		if o.repair != "" {
			what = append(what, "manual repair: "+o.repair)
		}
		for _, q := range o.decisions {
			what = append(what, "the person was asked "+q)
		}
		for _, c := range o.corrupt {
			what = append(what, "corrupt: "+c)
		}
		if len(what) > 0 {
			details = append(details, fmt.Sprintf("  [%s] %s: %s", o.suite, o.point, strings.Join(what, "; ")))
		}
	}
	if len(details) > 0 {
		fmt.Fprintf(&b, "\nKill points with a finding:\n%s\n", strings.Join(details, "\n"))
	}
	return b.String()
}

// check fails t for every target missed: anything lost, corrupt or in need of a
// repair, and any duplicate of a kind that must not double (or of one that may, by
// more than one copy per crash).
func (f *figures) check(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	byKey := map[string][]string{}
	var order []string
	note := func(key, point string) {
		if _, ok := byKey[key]; !ok {
			order = append(order, key)
		}
		byKey[key] = append(byKey[key], point)
	}
	for _, o := range f.outcomes {
		if !o.reached {
			continue
		}
		where := "[" + o.suite + "] " + o.point
		for k := range o.lost {
			note("lost "+k, where)
		}
		for k, n := range o.dups {
			switch kd := kindOf(k); {
			case kd.again == "":
				note("dup "+k, where)
			case !kd.inWindow(o.point):
				note("dup "+k+" where the program could have known", where)
			case n > 1:
				note("dup "+k+" more than once", where)
			}
		}
		if o.repair != "" {
			step, _, _ := strings.Cut(strings.TrimPrefix(o.repair, "stuck at "), ":")
			note("repair "+step, where+" ("+o.repair+")")
		}
		for _, c := range o.corrupt {
			key := "corrupt " + c
			if strings.HasPrefix(c, "outbox") {
				key = "corrupt outbox"
			}
			note(key, where)
		}
	}
	for _, key := range order {
		points := byKey[key]
		msg := fmt.Sprintf("target missed: %s at %d kill point(s):\n    %s", key, len(points), strings.Join(points, "\n    "))
		if d, ok := knownDefects[key]; ok {
			msg += "\n  known defect: " + d + "; delete its entry in knownDefects once fixed"
		}
		t.Error(msg)
	}
	for suite := range f.baseline {
		tt := f.totals(suite)
		if tt.tried == 0 {
			t.Errorf("[%s] no kill point was reached", suite)
		}
	}
}

func sortedKeys(c counts) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
