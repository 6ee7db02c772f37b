//go:build !unix

package state

import (
	"errors"
	"io"
	"os"
)

// readPlain reads the file at path whole into buf. false, for a file that does not
// fit in buf or cannot be read, leaves it to readFile.
func readPlain(path string, buf []byte) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	n, err := io.ReadFull(f, buf)
	if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false
	}
	return buf[:n], true
}
