package catalog

// Error is an error whose sentence is a catalogue message: Error() says it in
// English, and a Printer says it in the person's language. It is how packages that
// never print (providers, stores, config) still speak the person's language.
type Error struct {
	// ID is the message.
	ID string
	// Args are its values, as name, value pairs (see Printer.T).
	Args []any
	// Err is the error this one explains, if any: the value named Err.
	Err error
}

// NewError is the error whose sentence is message id with its values.
func NewError(id string, args ...any) *Error { return &Error{ID: id, Args: args} }

// Wrap is the error whose sentence is message id, explaining err: the message says
// err where it names {{.Err}}, and errors.Is and errors.As see err.
func Wrap(err error, id string, args ...any) *Error {
	return &Error{ID: id, Args: append([]any{"Err", err}, args...), Err: err}
}

// Error is the message in English.
func (e *Error) Error() string { return e.Localize(English()) }

// Localize is the message in p's language; the errors among its values are said in
// it too.
func (e *Error) Localize(p *Printer) string { return p.T(e.ID, e.Args...) }

// Unwrap is the error this one explains.
func (e *Error) Unwrap() error { return e.Err }
