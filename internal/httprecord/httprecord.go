// Package httprecord keeps what a test server answered, so the fake vendors can
// show a test each request together with its answer.
package httprecord

import (
	"bytes"
	"net/http"
)

// Recorder passes an answer through to the client and keeps a copy of it.
type Recorder struct {
	http.ResponseWriter
	Status int
	Body   bytes.Buffer
}

// WriteHeader notes the status.
func (r *Recorder) WriteHeader(status int) {
	r.Status = status
	r.ResponseWriter.WriteHeader(status)
}

// Write keeps a copy of the body; a body written without a status is a 200.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	r.Body.Write(b)
	return r.ResponseWriter.Write(b)
}
