package pgstore

import "errors"

// AppendLine keeps one entry of the customer's audit, an encoded audit.Entry.
func (s *Store) AppendLine(line []byte) error {
	for tries := 0; ; tries++ {
		// Once: an entry is never kept twice. One whose connection was lost while it
		// was written is looked for (an entry holds its time to the nanosecond, so
		// the same one is this one), and written again only if it is not there.
		_, err := s.doOnce(`INSERT INTO audit_entry (profile, entry) VALUES ($1, $2)`, s.profile, line)
		if !errors.Is(err, errInDoubt) || tries == 2 {
			return err
		}
		out, ferr := s.do(`SELECT count(*) FROM audit_entry WHERE profile = $1 AND entry = $2::jsonb`, s.profile, line)
		switch {
		case ferr != nil:
			return err
		case int64Of(out[0][0]) > 0:
			return nil
		}
	}
}

// EachLine calls fn with each of the customer's audit entries in the order they
// were kept, and stops at fn's first error.
func (s *Store) EachLine(fn func(line []byte) error) error {
	out, err := s.do(`SELECT entry FROM audit_entry WHERE profile = $1 ORDER BY id`, s.profile)
	if err != nil {
		return err
	}
	for _, r := range out {
		if err := fn(r[0]); err != nil {
			return err
		}
	}
	return nil
}

// AuditWhere names the customer's audit in the database, for messages.
func (s *Store) AuditWhere() string { return s.where + "/" + s.profile + "/audit" }
