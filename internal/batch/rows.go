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
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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

// Localize says what is wrong with the header in p's language.
func (e *HeaderError) Localize(p *catalog.Printer) string { return p.Error(e.Err) }

// RowError is one row that was skipped, and why.
type RowError struct {
	Line int
	// User is the row's person when that much could be read, else "".
	User   string
	Reason string
}

func (e *RowError) Error() string { return e.Localize(nil) }

// Localize is the row's line and reason in p's language (the reason is already in
// the language of the Reader that made it).
func (e *RowError) Localize(p *catalog.Printer) string {
	return p.T("batch.row-error", "Line", e.Line, "Reason", e.Reason)
}

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
	// text is the language rows' reasons are given in.
	text *catalog.Printer
}

// NewReader reads the header of r. defaultCountry is the region of numbers given
// without + when a row's country cell is empty. The error is a *HeaderError when the
// first line is not a header naming at least user, phone, country and platform.
func NewReader(r io.Reader, defaultCountry string) (*Reader, error) {
	src := &source{in: bufio.NewReaderSize(r, 64<<10), line: 1}
	if err := src.skipBOM(); err != nil {
		return nil, &HeaderError{Err: catalog.Wrap(err, "batch.header.unreadable")}
	}
	rec, err := src.record()
	switch {
	case errors.Is(err, io.EOF):
		return nil, &HeaderError{Err: catalog.NewError("batch.header.empty")}
	case err != nil:
		return nil, &HeaderError{Err: catalog.Wrap(err, "batch.header.line-unreadable")}
	case rec.problem == unclosedQuote:
		return nil, &HeaderError{Err: catalog.NewError("batch.header.unclosed-quote")}
	case rec.problem == longQuoted:
		return nil, &HeaderError{Err: catalog.NewError("batch.header.long-quoted")}
	case rec.problem == longLine:
		return nil, &HeaderError{Err: catalog.NewError("batch.header.long-line")}
	}
	cells, err := parseRecord(rec.data)
	if err != nil {
		return nil, &HeaderError{Err: catalog.Wrap(err, "batch.header.not-csv")}
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
			return catalog.NewError("batch.header.unnamed-column", "Column", i+1)
		case len(name) > MaxCell:
			return catalog.NewError("batch.header.long-name", "Column", i+1)
		case slices.Contains(required, key) || key == ColumnManager:
			name = key
		}
		if _, dup := b.index[strings.ToLower(name)]; dup {
			return catalog.NewError("batch.header.twice", "Column", strconv.Quote(sanitize.Line(name)))
		}
		b.index[strings.ToLower(name)] = i
		b.columns = append(b.columns, name)
	}
	for _, col := range required {
		if _, ok := b.index[col]; ok {
			continue
		}
		if looksLikeData(cells) {
			return catalog.NewError("batch.header.looks-like-a-row")
		}
		return catalog.NewError("batch.header.missing", "Column", strconv.Quote(col))
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

// WithText makes the reasons of the rows skipped speak p's language (nil: English).
func (b *Reader) WithText(p *catalog.Printer) *Reader {
	b.text = p
	return b
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
		if rec.problem != fine {
			return Row{}, &RowError{Line: rec.line, Reason: b.skipReason(rec.problem)}
		}
		if len(bytes.TrimSpace(rec.data)) == 0 {
			continue // a blank line, as encoding/csv skips
		}
		cells, err := parseRecord(rec.data)
		if err != nil {
			return Row{}, &RowError{Line: rec.line, Reason: b.text.Error(err)}
		}
		return b.row(rec.line, cells)
	}
}

// skipReason says why a record was not read, as a row's reason.
func (b *Reader) skipReason(p problem) string {
	switch p {
	case unclosedQuote:
		return b.text.T("batch.row.unclosed-quote")
	case longQuoted:
		return b.text.T("batch.row.long-quoted")
	}
	return b.text.T("batch.row.long-line")
}

// row checks one record's cells.
func (b *Reader) row(line int, cells []string) (Row, error) {
	if len(cells) != len(b.columns) {
		return Row{}, &RowError{Line: line, Reason: b.text.T("batch.row.cells", "Cells", len(cells), "Columns", len(b.columns))}
	}
	for i, c := range cells {
		if len(c) > MaxCell {
			return Row{}, &RowError{Line: line, Reason: b.text.T("batch.row.long-cell", "Column", strconv.Quote(sanitize.Line(b.columns[i])))}
		}
	}
	cell := func(col string) string { return strings.TrimSpace(cells[b.index[col]]) }
	bad := func(user, reason string) (Row, error) {
		return Row{}, &RowError{Line: line, User: user, Reason: reason}
	}
	raw := cell(ColumnUser)
	if raw == "" {
		return bad("", b.text.T("batch.row.no-user"))
	}
	user, err := account.Parse(raw)
	if err != nil {
		return bad("", b.text.T("batch.row.bad-user", "User", strconv.Quote(sanitize.Line(raw)), "Err", err))
	}
	if first, dup := b.seen[user]; dup {
		return bad(user, b.text.T("batch.row.twice", "User", user, "First", first))
	}
	b.seen[user] = line
	r := Row{Line: line, User: user}
	country := strings.ToUpper(cell(ColumnCountry))
	if country == "" {
		country = b.defaultCountry
	} else if !phone.KnownRegion(country) {
		return bad(user, b.text.T("batch.row.bad-country", "Country", strconv.Quote(sanitize.Line(country))))
	}
	number := cell(ColumnPhone)
	if number == "" {
		return bad(user, b.text.T("batch.row.no-phone", "User", user))
	}
	n, err := phone.Parse(number, country)
	if err != nil {
		return bad(user, b.text.T("batch.row.bad-phone", "User", user, "Err", err))
	}
	r.Phone, r.Country = n.E164, n.Region
	switch p := strings.ToLower(cell(ColumnPlatform)); p {
	case "ios", "android":
		r.Platform = p
	default:
		return bad(user, b.text.T("batch.row.bad-platform", "Platform", strconv.Quote(sanitize.Line(p)), "User", user))
	}
	if _, ok := b.index[ColumnManager]; ok {
		if m := cell(ColumnManager); m != "" {
			if r.Manager, err = account.Parse(m); err != nil {
				return bad(user, b.text.T("batch.row.bad-manager", "Manager", strconv.Quote(sanitize.Line(m)), "User", user, "Err", err))
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
		return nil, catalog.NewError("batch.row.stray-quote")
	case err != nil:
		return nil, catalog.Wrap(err, "batch.row.not-csv")
	}
	return cells, nil
}

// record is one CSV record as it is in the file, or why it was skipped.
type record struct {
	data []byte
	line int
	// problem is set for a record that is not read, and says why.
	problem problem
}

// problem is why a record was skipped unread.
type problem int

const (
	// fine: the record was read.
	fine problem = iota
	// unclosedQuote: a value that starts with a quote never ends with one.
	unclosedQuote
	// longQuoted: longer than MaxLine, in a value in quotes that spans lines.
	longQuoted
	// longLine: one line longer than MaxLine.
	longLine
)

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
				return s.giveBack(start, buf, unclosedQuote), nil
			}
			return end(), nil
		}
		if err != nil {
			return record{}, err
		}
		buf = append(buf, c)
		if len(buf) > MaxLine {
			if state == quoted && bytes.IndexByte(buf, '\n') >= 0 {
				return s.giveBack(start, buf, longQuoted), nil
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
func (s *source) giveBack(start int, buf []byte, why problem) record {
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
	return record{line: start, problem: longLine}
}
