package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
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
	return &cobra.Command{
		Use:   "report FILE.html",
		Short: "Write one HTML page of everyone's progress, for the customer",
		Long: `Write one HTML page of everyone's progress, for the customer: a chart of who is
done, waiting, failed or not started, and who is waiting on what. The page is one
file that loads nothing and runs no scripts; mobile numbers on it are masked.`,
		Example: `  mfa-onboard report contoso.html
  mfa-onboard --profile contoso report contoso.html`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("report needs the file to write, such as: report contoso.html")
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
	all, listErr := everyone(o.F.Store(dir), keep{notes: true})
	r := report.Report{Organisation: cfg.Organisation, Generated: o.F.Clock.Now(), Problems: problems(listErr)}
	list := steps.All()
	for _, p := range all {
		r.People = append(r.People, reportPerson(p, list))
	}
	var page bytes.Buffer
	if err := report.Write(&page, r); err != nil {
		return err
	}
	path, err := filepath.Abs(o.File)
	if err != nil {
		return fmt.Errorf("cannot find where %s is (%v); give the report's file another way", o.File, err)
	}
	// Written whole or not at all: an earlier report is never left half replaced.
	if err := atomicfile.WriteFile(path, page.Bytes()); err != nil {
		return fmt.Errorf("cannot write the report to %s: %w; check that its folder exists and that you may write there", path, err)
	}
	who := fmt.Sprintf("%d people", len(r.People))
	if len(r.People) == 1 {
		who = "1 person"
	}
	fmt.Fprintf(o.F.IO.ErrOut, "Wrote the report of %s to %s.\n", who, path)
	if listErr != nil {
		return fmt.Errorf("some state files could not be read, so their people are not in the report:\n%w", listErr)
	}
	return nil
}

// reportPerson is a person as the report shows them: for one who is waiting, what
// they must do (the step's guidance) before the reason it gives.
func reportPerson(p person, list []steps.Step) report.Person {
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
	for _, s := range p.summary(list).Steps {
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
