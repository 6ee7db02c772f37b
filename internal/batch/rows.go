// Package batch onboards every person of a CSV file: it reads the file as a stream,
// hands each good row to a run given by the caller on a few workers, keeps a journal
// of what each person's run ended as so that the same command carries on after a
// stop, and reports each person and a summary as text, JSON Lines or CSV.
package batch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// The columns a batch file names in its header; any others are kept as Row.Extra.
const (
	ColumnUser     = "user"
	ColumnPhone    = "phone"
	ColumnCountry  = "country"
	ColumnPlatform = "platform"
	ColumnManager  = "manager"
)

// required are the columns every batch file has, in the order messages name them.
var required = []string{ColumnUser, ColumnPhone, ColumnCountry, ColumnPlatform}

// Bounds of what one row may hold. A person's row is well under a kilobyte; these keep
// a file that is not one (a pasted log, a cell holding a whole document) from being
// held in memory: a row beyond them is reported and skipped, never read whole.
const (
	MaxCell = 4 << 10
	MaxLine = 64 << 10
)

// Row is one person of the batch, checked: User and Manager as account.Parse gives
// them, Phone in E.164, Country the two-letter region of the number, Platform ios or
// android. Extra holds every other column by its header name, for the notice.
type Row struct {
	// Line is where the row starts in the file, counting the header as line 1.
	Line     int
	User     string
	Phone    string
	Country  string
	Platform string
	Manager  string
	Extra    map[string]string
}

// Fingerprint identifies what the row says (not where it is): the journal keeps it,
// so that a person whose row was corrected since their run failed is run again.
func (r Row) Fingerprint() string {
	h := sha256.New()
	for _, v := range []string{r.User, r.Phone, r.Country, r.Platform, r.Manager} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(r.Extra[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// HeaderError is a file that cannot be read as a batch at all: no header, or one
// without the columns every row needs. Nothing was run.
type HeaderError struct{ Err error }

func (e *HeaderError) Error() string { return e.Err.Error() }
func (e *HeaderError) Unwrap() error { return e.Err }

// RowError is one row that was skipped, and why.
type RowError struct {
	Line int
	// User is the row's person when that much could be read, else "".
	User   string
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Reader reads a batch file one row at a time: at most one row (MaxLine bytes) is in
// memory, whatever the size of the file.
type Reader struct {
	src            *source
	defaultCountry string
	columns        []string
	index          map[string]int
	// seen maps each person read so far to their line, so a second row for them is
	// refused: two runs for one person would race for their state.
	seen map[string]int
}

// NewReader reads the header of r. defaultCountry is the region of numbers given
// without + when a row's country cell is empty. The error is a *HeaderError when the
// first line is not a header naming at least user, phone, country and platform.
func NewReader(r io.Reader, defaultCountry string) (*Reader, error) {
	src := &source{in: bufio.NewReaderSize(r, 64<<10), line: 1}
	if err := src.skipBOM(); err != nil {
		return nil, &HeaderError{Err: fmt.Errorf("the file could not be read (%w)", err)}
	}
	rec, err := src.record()
	switch {
	case errors.Is(err, io.EOF):
		return nil, &HeaderError{Err: errors.New("the file is empty: its first line must name the columns, at least user,phone,country,platform")}
	case err != nil:
		return nil, &HeaderError{Err: fmt.Errorf("the first line %w", err)}
	case rec.problem != "":
		return nil, &HeaderError{Err: fmt.Errorf("the first line %s; it must name the columns, at least user,phone,country,platform", rec.problem)}
	}
	cells, err := parseRecord(rec.data)
	if err != nil {
		return nil, &HeaderError{Err: fmt.Errorf("the first line is not CSV (%w): it must name the columns, at least user,phone,country,platform", err)}
	}
	b := &Reader{src: src, defaultCountry: defaultCountry, index: map[string]int{}, seen: map[string]int{}}
	if err := b.readHeader(cells); err != nil {
		return nil, &HeaderError{Err: err}
	}
	return b, nil
}

func (b *Reader) readHeader(cells []string) error {
	for i, c := range cells {
		name := strings.TrimSpace(c)
		key := strings.ToLower(name)
		switch {
		case name == "":
			return fmt.Errorf("column %d has no name: every column of the first line needs one (at least user,phone,country,platform)", i+1)
		case len(name) > MaxCell:
			return fmt.Errorf("column %d's name is longer than 4 KiB: the first line must name the columns", i+1)
		case slices.Contains(required, key) || key == ColumnManager:
			name = key
		}
		if _, dup := b.index[strings.ToLower(name)]; dup {
			return fmt.Errorf("the first line names the column %q twice: keep one", sanitize.Line(name))
		}
		b.index[strings.ToLower(name)] = i
		b.columns = append(b.columns, name)
	}
	for _, col := range required {
		if _, ok := b.index[col]; ok {
			continue
		}
		if looksLikeData(cells) {
			return errors.New("the first line must name the columns, at least user,phone,country,platform, but it looks like a person's row: add that header line above it")
		}
		return fmt.Errorf("the header has no %q column: the first line must name at least user,phone,country,platform (optional: manager, and any others for the notice)", col)
	}
	return nil
}

// looksLikeData is true for a first line that holds an address or a number: a file
// whose header line was left out.
func looksLikeData(cells []string) bool {
	for _, c := range cells {
		if strings.Contains(c, "@") || strings.HasPrefix(strings.TrimSpace(c), "+") {
			return true
		}
	}
	return false
}

// Columns are the header's column names, required ones in lower case.
func (b *Reader) Columns() []string { return slices.Clone(b.columns) }

// Next returns the next good row, a *RowError for a row that is skipped (read on
// after it), io.EOF at the end, or another error when the file cannot be read on.
func (b *Reader) Next() (Row, error) {
	for {
		rec, err := b.src.record()
		if err != nil {
			return Row{}, err
		}
		if rec.problem != "" {
			return Row{}, &RowError{Line: rec.line, Reason: rec.problem}
		}
		if len(bytes.TrimSpace(rec.data)) == 0 {
			continue // a blank line, as encoding/csv skips
		}
		cells, err := parseRecord(rec.data)
		if err != nil {
			return Row{}, &RowError{Line: rec.line, Reason: err.Error()}
		}
		return b.row(rec.line, cells)
	}
}

// row checks one record's cells.
func (b *Reader) row(line int, cells []string) (Row, error) {
	if len(cells) != len(b.columns) {
		return Row{}, &RowError{Line: line, Reason: fmt.Sprintf("has %d cells, the header has %d: a missing cell needs its comma, and a comma inside a value needs quotes", len(cells), len(b.columns))}
	}
	for i, c := range cells {
		if len(c) > MaxCell {
			return Row{}, &RowError{Line: line, Reason: fmt.Sprintf("the cell under %q is longer than 4 KiB, far more than any person's details", sanitize.Line(b.columns[i]))}
		}
	}
	cell := func(col string) string { return strings.TrimSpace(cells[b.index[col]]) }
	bad := func(user, format string, a ...any) (Row, error) {
		return Row{}, &RowError{Line: line, User: user, Reason: fmt.Sprintf(format, a...)}
	}
	raw := cell(ColumnUser)
	if raw == "" {
		return bad("", "no user: the user cell is empty, and it must be the person's work email address")
	}
	user, err := account.Parse(raw)
	if err != nil {
		return bad("", "user %q: %v", sanitize.Line(raw), err)
	}
	if first, dup := b.seen[user]; dup {
		return bad(user, "%s is already on line %d: each person can be in the file once", user, first)
	}
	b.seen[user] = line
	r := Row{Line: line, User: user}
	country := strings.ToUpper(cell(ColumnCountry))
	if country == "" {
		country = b.defaultCountry
	} else if !phone.KnownRegion(country) {
		return bad(user, "country %q is not a two-letter country code such as US or GB", sanitize.Line(country))
	}
	number := cell(ColumnPhone)
	if number == "" {
		return bad(user, "no phone for %s: the phone cell is empty, and it must be their mobile number", user)
	}
	n, err := phone.Parse(number, country)
	if err != nil {
		return bad(user, "the phone for %s: %v", user, err)
	}
	r.Phone, r.Country = n.E164, n.Region
	switch p := strings.ToLower(cell(ColumnPlatform)); p {
	case "ios", "android":
		r.Platform = p
	default:
		return bad(user, "platform %q for %s: use ios or android (the kind of phone, for Duo Mobile)", sanitize.Line(p), user)
	}
	if _, ok := b.index[ColumnManager]; ok {
		if m := cell(ColumnManager); m != "" {
			if r.Manager, err = account.Parse(m); err != nil {
				return bad(user, "manager %q of %s: %v", sanitize.Line(m), user, err)
			}
		}
	}
	for i, name := range b.columns {
		if slices.Contains(required, name) || name == ColumnManager {
			continue
		}
		if r.Extra == nil {
			r.Extra = map[string]string{}
		}
		r.Extra[name] = cells[i]
	}
	return r, nil
}

// parseRecord splits one record (a whole row, its line end included) into cells with
// encoding/csv, and says what is wrong with one it cannot read.
func parseRecord(data []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cells, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return []string{""}, nil
	case errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote)):
		return nil, errors.New(`has a stray quote: a value with a quote (") in it must be in quotes itself, with each quote inside doubled ("")`)
	case err != nil:
		return nil, fmt.Errorf("is not CSV (%w)", err)
	}
	return cells, nil
}

// record is one CSV record as it is in the file, or why it was skipped.
type record struct {
	data []byte
	line int
	// problem is set for a record that is not read, and says why.
	problem string
}

// source splits the file into records the way encoding/csv reads them (a line end
// inside quotes belongs to the value), holding at most MaxLine bytes of one record:
// encoding/csv alone reads a record whole, however long, so it is handed one record
// at a time. Bytes given back after a record that cannot be read are read again first.
type source struct {
	in      *bufio.Reader
	pending []byte
	line    int
}

func (s *source) skipBOM() error {
	b, err := s.in.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	if bytes.HasPrefix(b, []byte("\ufeff")) {
		_, _ = s.in.Discard(3)
	}
	return nil
}

func (s *source) readByte() (byte, error) {
	if len(s.pending) > 0 {
		c := s.pending[0]
		s.pending = s.pending[1:]
		return c, nil
	}
	return s.in.ReadByte()
}

// record reads the next record. A record longer than MaxLine, or one whose quote is
// never closed, is returned with its problem: reading goes on at the next line (one
// line of a record that spans lines, or the end of the long line), so one such row
// costs only itself.
func (s *source) record() (record, error) {
	start := s.line
	var buf []byte
	const (
		fieldStart = iota
		unquoted
		quoted
		quoteInQuoted
	)
	state := fieldStart
	end := func() record {
		s.line += bytes.Count(buf, []byte("\n"))
		return record{data: buf, line: start}
	}
	for {
		c, err := s.readByte()
		if errors.Is(err, io.EOF) {
			switch {
			case len(buf) == 0:
				return record{}, io.EOF
			case state == quoted:
				return s.giveBack(start, buf, "has a quote that is never closed: a value that starts with a quote (\") must end with one"), nil
			}
			return end(), nil
		}
		if err != nil {
			return record{}, fmt.Errorf("could not be read (%w)", err)
		}
		buf = append(buf, c)
		if len(buf) > MaxLine {
			if state == quoted && bytes.IndexByte(buf, '\n') >= 0 {
				return s.giveBack(start, buf, "is longer than 64 KiB (a value in quotes that does not end, or a file that holds more than people's details)"), nil
			}
			return s.skipLine(start, buf, c), nil
		}
		switch state {
		case fieldStart, unquoted:
			switch {
			case c == '\n':
				return end(), nil
			case c == ',':
				state = fieldStart
			case c == '"' && state == fieldStart:
				state = quoted
			default:
				state = unquoted
			}
		case quoted:
			if c == '"' {
				state = quoteInQuoted
			}
		case quoteInQuoted:
			switch c {
			case '"':
				state = quoted // "" is a quote inside the value
			case ',':
				state = fieldStart
			case '\n':
				return end(), nil
			case '\r':
				// "\r\n" ends the record; the '\n' comes next.
			default:
				state = unquoted // encoding/csv refuses this record, and says so
			}
		}
	}
}

// giveBack reports the record starting at line start as skipped and hands back what
// was read after its first line, to be read again as the rows it probably is.
func (s *source) giveBack(start int, buf []byte, why string) record {
	first := bytes.IndexByte(buf, '\n')
	if first < 0 {
		s.line = start
		return record{line: start, problem: why}
	}
	s.pending = append(slices.Clone(buf[first+1:]), s.pending...)
	s.line = start + 1
	return record{line: start, problem: why}
}

// skipLine reports an over-long line and throws away the rest of it, unread.
func (s *source) skipLine(start int, buf []byte, last byte) record {
	s.line = start + bytes.Count(buf, []byte("\n"))
	for c, err := last, error(nil); c != '\n'; c, err = s.readByte() {
		if err != nil {
			break
		}
	}
	s.line++
	return record{line: start, problem: "is longer than 64 KiB, far more than any person's details: it was skipped unread"}
}
