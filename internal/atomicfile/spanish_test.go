package atomicfile

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestAFailedWriteIsSaidInSpanish(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "alice.json")
	err := WriteFile(path, []byte("{}"))
	if got := catalog.New(language.Spanish).Error(err); !strings.HasPrefix(got, "no se pudo escribir "+path+": ") {
		t.Errorf("in Spanish: %q", got)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v no longer wraps the missing folder", err)
	}
}
