package pgstore

// AppendLine keeps one entry of the customer's audit, an encoded audit.Entry.
func (s *Store) AppendLine(line []byte) error {
	// Once: an entry is never kept twice, and one whose connection was lost is said.
	_, err := s.doOnce(`INSERT INTO audit_entry (profile, entry) VALUES ($1, $2)`, s.profile, line)
	return err
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
