package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/remind"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// AuditSchema versions the JSON document of "audit --output json"; add fields
// freely, but renaming or removing one needs a new version.
const AuditSchema = 1

// stepAuditor writes an entry to the customer's audit for every step of a run that
// changed something, naming the backend config has serve the step's roles.
type stepAuditor struct {
	log *audit.Log
	cfg *config.Config
	// set is the run's providers, which know each notify channel's name.
	set provider.Set
	// text is the run's language, which the reasons it adds are written in.
	text *catalog.Printer
}

// Record is wizard.Auditor's: one entry, written as the step finishes.
func (a *stepAuditor) Record(r wizard.StepResult) error {
	id, st := r.Step.ID(), r.State
	e := audit.Entry{
		Action:   id,
		User:     st.User,
		Provider: backends(a.cfg, r.Roles),
		Result:   string(r.Status),
		Reason:   st.Step(id).Reason,
	}
	if r.Interrupted {
		e.Result = audit.ResultInterrupted
	}
	stepFacts(&e, a.text, a.cfg, st, a.channelKey)
	if r.SaveErr != nil {
		e.Reason = strings.TrimSpace(a.text.T("audit.unsaved", "Reason", e.Reason, "Err", r.SaveErr))
	}
	return a.log.Append(e)
}

// backends names what serves roles, as config.yaml's providers section does
// ("fake" is the demo), each once, in the order of the roles.
func backends(cfg *config.Config, roles []provider.Role) string {
	var names []string
	add := func(n ...string) {
		for _, one := range n {
			if one != "" && !slices.Contains(names, one) {
				names = append(names, one)
			}
		}
	}
	p := cfg.Providers
	for _, r := range roles {
		switch r {
		case provider.RoleSMS:
			add(p.SMS)
		case provider.RolePhoneRegistration:
			add(p.PhoneRegistration)
		case provider.RoleDuo:
			add(p.Duo)
		case provider.RoleNotify:
			add(p.Notify...)
		}
	}
	return strings.Join(names, ",")
}

// stepFacts adds what the step's records say: the number it is about (masked by the
// audit), the vendors' ids it saved, and what a finished step did that its status
// does not say.
func stepFacts(e *audit.Entry, text *catalog.Printer, cfg *config.Config, st *state.State, channelKey func(string) string) {
	ids := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			ids[k] = v
		}
	}
	phoneNumber := ""
	if st.Phone != nil {
		phoneNumber = st.Phone.E164
	}
	switch e.Action {
	case steps.Phone{}.ID():
		e.Phone = phoneNumber
	case steps.Verify{}.ID():
		e.Phone = phoneNumber
		if v := st.Verify; v != nil {
			set("method_id", v.MethodID)
			if v.KeptExisting && e.Reason == "" {
				e.Reason = text.T("audit.kept-number")
			}
		}
	case steps.NotifySupport{}.ID():
		if n := st.Notice; n != nil {
			set("notice_id", n.ID)
			for ch, receipt := range n.Channels {
				set("receipt."+channelKey(ch), receipt)
			}
			if len(n.Channels) == 0 {
				set("receipt", n.Receipt)
			}
			if n.Enforcement != "" {
				// Making MFA required is done through Graph, as a technician.
				if cfg.Providers.PhoneRegistration == config.GraphName && !strings.Contains(","+e.Provider+",", ",graph,") {
					e.Provider = strings.TrimPrefix(e.Provider+",graph", ",")
				}
				if e.Reason == "" {
					e.Reason = text.T("audit.enforcement", "Enforcement", n.Enforcement)
					if n.EnforcementReason != "" {
						e.Reason = text.T("audit.enforcement-why", "Enforcement", n.Enforcement, "Why", n.EnforcementReason)
					}
				}
			}
		}
	case steps.DuoEnroll{}.ID():
		e.Phone = phoneNumber
		if d := st.Duo; d != nil {
			set("duo_user_id", d.UserID)
			set("duo_phone_id", d.PhoneID)
		}
	case steps.DuoTest{}.ID():
		if d := st.Duo; d != nil {
			set("duo_user_id", d.UserID)
		}
		if t := st.DuoTest; t != nil {
			set("duo_push_id", t.PushID)
		}
	}
	if len(ids) > 0 {
		e.IDs = ids
	}
}

// channelKey is the providers.notify name ("smtp", "teams", "fake") of the channel
// the notice record calls name (its Name(), "email to support@contoso.com"), or name
// itself where the two cannot be matched. The channels are built in the order config
// names them, and were built by the time a notice went out.
func (a *stepAuditor) channelKey(name string) string {
	if a.set == nil {
		return name
	}
	built, err := a.set.Notifiers()
	if err != nil || len(built) != len(a.cfg.Providers.Notify) {
		return name
	}
	for i, n := range built {
		if n.Name() == name {
			return a.cfg.Providers.Notify[i]
		}
	}
	return name
}

// recordReset writes a reset into the audit; failed is the reason it failed, if it did.
func recordReset(log *audit.Log, who string, failed error) error {
	e := audit.Entry{Action: audit.ActionReset, User: who, Result: string(state.Done)}
	if failed != nil {
		e.Result, e.Reason = string(state.Failed), failed.Error()
	}
	if err := log.Append(e); err != nil {
		return catalog.Wrap(err, "audit.reset-unrecorded", "User", who)
	}
	return nil
}

// AuditOptions are the inputs of "audit".
type AuditOptions struct {
	F *Factory

	User   string
	Since  string
	Action string
	Output string
}

func newAuditCmd(f *Factory) *cobra.Command {
	o := &AuditOptions{F: f}
	t := f.Text
	cmd := &cobra.Command{
		Use:     "audit",
		Short:   t.T("audit.cmd.short"),
		Long:    t.T("audit.cmd.long"),
		Example: t.T("audit.cmd.example"),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runAudit(o) },
	}
	cmd.Flags().StringVar(&o.User, "user", "", t.T("audit.flag.user"))
	cmd.Flags().StringVar(&o.Since, "since", "", t.T("audit.flag.since"))
	cmd.Flags().StringVar(&o.Action, "action", "", t.T("audit.flag.action"))
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", t.T("audit.flag.output"))
	return cmd
}

// filter turns the flags into an audit.Filter, refusing what it cannot read.
func (o *AuditOptions) filter(now time.Time) (audit.Filter, error) {
	var fl audit.Filter
	switch o.Output {
	case "table", "text", "json":
	default:
		return fl, usage(catalog.NewError("audit.cmd.bad-output", "Output", strconv.Quote(sanitize.Inline(o.Output))))
	}
	if o.User != "" {
		u, err := account.Parse(o.User)
		if err != nil {
			return fl, usage(catalog.Wrap(err, "audit.cmd.bad-user"))
		}
		fl.User = u
	}
	fl.Action = o.Action
	if o.Since != "" {
		since, err := parseSince(o.Since, now)
		if err != nil {
			return fl, usage(catalog.Wrap(err, "audit.cmd.bad-since", "Since", strconv.Quote(sanitize.Inline(o.Since))))
		}
		fl.Since = since
	}
	return fl, nil
}

// parseSince reads a duration back from now (Go's, plus whole days "7d"), a date
// (midnight local time) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, catalog.NewError("audit.since.negative")
		}
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, catalog.NewError("audit.since.unreadable")
}

func runAudit(o *AuditOptions) error {
	fl, err := o.filter(o.F.Clock.Now())
	if err != nil {
		return err
	}
	dir, err := o.F.Dir()
	if err != nil {
		return err
	}
	log, err := o.F.Audit(dir)
	if err != nil {
		return err
	}
	path := log.Path()
	entries := []audit.Entry{}
	skipped, err := log.Each(func(e audit.Entry) error {
		if fl.Match(e) {
			entries = append(entries, e)
		}
		return nil
	})
	text := o.F.Text
	for _, s := range skipped {
		fmt.Fprintln(o.F.IO.ErrOut, text.T("audit.cmd.skipped", "Path", path, "Skip", s.Localize(text)))
	}
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return writeEscapedJSON(o.F.IO.Out, struct {
			Schema  int           `json:"schema"`
			Entries []audit.Entry `json:"entries"`
		}{AuditSchema, entries})
	}
	if len(entries) == 0 {
		if fl == (audit.Filter{}) {
			fmt.Fprintln(o.F.IO.Out, text.T("audit.cmd.empty", "Path", path))
		} else {
			fmt.Fprintln(o.F.IO.Out, text.T("audit.cmd.none-match"))
		}
		return nil
	}
	return writeAuditTable(o.F.IO.Out, text, entries, o.F.IO.Width(o.F.IO.OutTTY))
}

// writeAuditTable prints one line an entry, or, where that is wider than the
// terminal's width (0: no terminal), two: the time, person, action and result, then
// indented who did it, where, through what, and the details, broken between words.
// Every cell may hold anything a file held, so each is sanitised and made one line.
func writeAuditTable(w io.Writer, text *catalog.Printer, entries []audit.Entry, width int) error {
	header := []string{text.T("audit.head.time"), text.T("audit.head.user"), text.T("audit.head.action"), text.T("audit.head.result"),
		text.T("audit.head.provider"), text.T("audit.head.technician"), text.T("audit.head.machine"), text.T("audit.head.details")}
	rows := make([][]string, len(entries))
	for n, e := range entries {
		var ids []string
		for _, k := range slices.Sorted(maps.Keys(e.IDs)) {
			ids = append(ids, k+"="+e.IDs[k])
		}
		var details []string
		for _, d := range []string{e.Phone, strings.Join(ids, " "), e.Reason} {
			if d != "" {
				details = append(details, d)
			}
		}
		cells := []string{e.Time.UTC().Format(time.DateTime), e.User, e.Action, resultWord(text, e.Result), e.Provider, e.Who(), e.Machine, strings.Join(details, "; ")}
		for i, c := range cells {
			if cells[i] = sanitize.Inline(c); cells[i] == "" {
				cells[i] = "-"
			}
		}
		rows[n] = cells
	}
	var wide bytes.Buffer
	tw := tabwriter.NewWriter(&wide, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, cells := range rows {
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if width == 0 || !slices.ContainsFunc(strings.Split(wide.String(), "\n"), func(l string) bool { return len([]rune(l)) > width }) {
		_, err := w.Write(wide.Bytes())
		return err
	}
	var narrow bytes.Buffer
	tw = tabwriter.NewWriter(&narrow, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header[:4], "\t"))
	for _, cells := range rows {
		fmt.Fprintln(tw, strings.Join(cells[:4], "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(narrow.String(), "\n"), "\n")
	if _, err := fmt.Fprintln(w, lines[0]); err != nil {
		return err
	}
	for n, cells := range rows {
		var more string
		switch by, on, through, details := cells[5], cells[6], cells[4], cells[7]; {
		case through != "-" && details != "-":
			more = text.T("audit.line.through-details", "By", by, "On", on, "Through", through, "Details", details)
		case through != "-":
			more = text.T("audit.line.through", "By", by, "On", on, "Through", through)
		case details != "-":
			more = text.T("audit.line.details", "By", by, "On", on, "Details", details)
		default:
			more = text.T("audit.line", "By", by, "On", on)
		}
		text := append([]string{lines[n+1]}, screen.Wrap(more, width, "    ", "    ")...)
		if _, err := fmt.Fprintln(w, strings.Join(text, "\n")); err != nil {
			return err
		}
	}
	return nil
}

// resultWord is how the table says an entry's result, in t's language; a result
// this version does not know is shown as the file has it.
func resultWord(t *catalog.Printer, result string) string {
	switch result {
	case string(state.Done):
		return t.T("audit.result.done")
	case string(state.Waiting):
		return t.T("audit.result.waiting")
	case string(state.Failed):
		return t.T("audit.result.failed")
	case string(state.Skipped):
		return t.T("audit.result.skipped")
	case audit.ResultInterrupted:
		return t.T("audit.result.interrupted")
	case audit.ResultTrusted:
		return t.T("audit.result.trusted")
	case remind.Sent:
		return t.T("audit.result.sent")
	}
	return result
}

// writeEscapedJSON prints v as one indented JSON document, with every character a
// terminal would act on written as a \u escape (see writeJSON).
func writeEscapedJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return catalog.Wrap(err, "audit.write-json")
	}
	if _, err := w.Write(sanitize.EscapeJSON(buf.Bytes())); err != nil {
		return catalog.Wrap(err, "audit.write-json")
	}
	return nil
}
