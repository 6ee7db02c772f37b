package cli

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/csvsafe"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// writeAllCSV prints a header and one row a person: their address, status, steps
// done, the step they are at and its note, the last change (RFC 3339, UTC), who ran
// the last run, then each step's status under its id. The header, the statuses and
// the live cell's first word are for scripts, the same in every language; the notes
// and the vendors' differences are sentences, in text's. Every cell is one line, and
// one a spreadsheet would take for a formula is quoted (csvsafe). With live, a last
// column says what the vendors said: ok, differs (and every difference), or cannot
// check (and why).
func writeAllCSV(w io.Writer, people []person, live bool, text *catalog.Printer) error {
	cw := csv.NewWriter(w)
	list := steps.All()
	header := []string{"user", "status", "steps_done", "waiting_on", "note", "updated", "os_user", "machine", "technician"}
	for _, s := range list {
		header = append(header, s.ID())
	}
	if live {
		header = append(header, "live")
	}
	if err := cw.Write(header); err != nil {
		return catalog.Wrap(err, "status-all.write-csv")
	}
	for _, p := range people {
		sum := p.summary(list, text)
		res := newResult(sum)
		note := ""
		for _, s := range sum.Steps {
			if s.ID == p.at {
				note = s.Reason
			}
		}
		updated := ""
		if !p.updated.IsZero() {
			updated = p.updated.UTC().Format(time.RFC3339)
		}
		var osUser, machine, technician string
		if p.ran != nil {
			osUser, machine, technician = p.ran.OSUser, p.ran.Machine, p.ran.Technician
		}
		row := []string{p.user, res.Status, strconv.Itoa(p.done), p.at, note, updated, osUser, machine, technician}
		for _, s := range sum.Steps {
			row = append(row, string(s.Status))
		}
		if live {
			row = append(row, p.live.cell())
		}
		for i, c := range row {
			row[i] = csvsafe.Cell(sanitize.Inline(c))
		}
		if err := cw.Write(row); err != nil {
			return catalog.Wrap(err, "status-all.write-csv")
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return catalog.Wrap(err, "status-all.write-csv")
	}
	return nil
}
