package fake

import (
	"io"
	"os"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
)

// files is the file system the records are kept on: the operating system's, but
// tests count through it what one call reads and writes, and fill a folder with
// thousands of people's records without waiting for the disk.
type files interface {
	// ReadFile reads a whole record.
	ReadFile(path string) ([]byte, error)
	// WriteFile replaces a record atomically (internal/atomicfile).
	WriteFile(path string, data []byte) error
	// ReadDir lists a folder.
	ReadDir(path string) ([]os.DirEntry, error)
	// Open opens a file to read parts of it (the end of the outbox).
	Open(path string) (readerAtCloser, error)
}

type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

// osFiles is the operating system's file system.
type osFiles struct{}

func (osFiles) ReadFile(path string) ([]byte, error)       { return os.ReadFile(path) }
func (osFiles) WriteFile(path string, data []byte) error   { return atomicfile.WriteFile(path, data) }
func (osFiles) ReadDir(path string) ([]os.DirEntry, error) { return os.ReadDir(path) }
func (osFiles) Open(path string) (readerAtCloser, error)   { return os.Open(path) }
