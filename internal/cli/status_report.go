package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/report"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// ReportOptions are the inputs of "report".
type ReportOptions struct {
	F *Factory

	File string
}

func newReportCmd(f *Factory) *cobra.Command {
	o := &ReportOptions{F: f}
	t := f.Text
	return &cobra.Command{
		Use:     "report FILE.html", // untranslated: a command line, with its placeholder
		Short:   t.T("report.cmd.short"),
		Long:    t.T("report.cmd.long"),
		Example: t.T("report.cmd.example"),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usage(catalog.NewError("report.cmd.one-file"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			return runReport(cmd.Context(), o)
		},
	}
}

func runReport(_ context.Context, o *ReportOptions) error {
	dir, cfg, err := o.F.DirAndConfig()
	if err != nil {
		return err
	}
	text := o.F.Text
	store, err := o.F.Store(dir)
	if err != nil {
		return err
	}
	all, listErr := everyone(store, keep{notes: true, text: text})
	r := report.Report{Organisation: cfg.Organisation, Generated: o.F.Clock.Now(), Problems: problems(text, listErr), Text: text}
	list := steps.All()
	for _, p := range all {
		r.People = append(r.People, reportPerson(p, list, text))
	}
	var page bytes.Buffer
	if err := report.Write(&page, r); err != nil {
		return err
	}
	path, err := filepath.Abs(o.File)
	if err != nil {
		return catalog.Wrap(err, "report.cmd.no-path", "File", o.File)
	}
	// Written whole or not at all: an earlier report is never left half replaced.
	if err := atomicfile.WriteFile(path, page.Bytes()); err != nil {
		return catalog.Wrap(err, "report.cmd.cannot-write", "Path", path)
	}
	fmt.Fprintln(o.F.IO.ErrOut, text.T("report.cmd.wrote", "Count", len(r.People), "Path", path))
	if listErr != nil {
		return catalog.Wrap(listErr, "report.cmd.unreadable")
	}
	return nil
}

// reportPerson is a person as the report shows them: for one who is waiting, what
// they must do (the step's guidance) before the reason it gives.
func reportPerson(p person, list []steps.Step, text *catalog.Printer) report.Person {
	rp := report.Person{
		User:    p.user,
		Done:    p.done,
		Steps:   p.steps,
		StepID:  p.at,
		Changed: p.updated,
		Phone:   p.phone,
	}
	switch {
	case p.outcome == wizard.Completed:
		rp.Status = report.Done
	case p.outcome == wizard.Failed:
		rp.Status = report.Failed
	case !p.started:
		rp.Status = report.NotStarted
	default:
		rp.Status = report.Waiting
	}
	if who := ranBy(p.ran); who != "-" {
		rp.RanBy = who
	}
	for _, s := range p.summary(list, text).Steps {
		if s.ID != p.at {
			continue
		}
		rp.StepTitle = s.Title
		rp.Note = s.Reason
		if len(s.Guidance) > 0 && rp.Status != report.Failed {
			rp.Note = strings.Join(s.Guidance, " ")
		}
	}
	return rp
}
