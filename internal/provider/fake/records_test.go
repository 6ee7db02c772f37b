package fake

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recordFiles are the files of a records folder, by path.
type recordFiles map[string]recordFile

type recordFile struct {
	data string
	info os.FileInfo
}

// records is every file the demo services keep, as they are now.
func (d demo) records(t *testing.T) recordFiles {
	t.Helper()
	return folderFiles(t, d.services.dir)
}

func folderFiles(t *testing.T, dir string) recordFiles {
	t.Helper()
	out := recordFiles{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = recordFile{string(data), info}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// String is every file's path and content, in order.
func (r recordFiles) String() string {
	var b strings.Builder
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range r {
			if !yield(p) {
				return
			}
		}
	}) {
		b.WriteString(p + ":\n" + r[p].data + "\n")
	}
	return b.String()
}

// replacedBy names the files of after that are not those of r: new, or replaced.
func (r recordFiles) replacedBy(after recordFiles) []string {
	var changed []string
	for p, f := range after {
		if old, ok := r[p]; !ok || !os.SameFile(old.info, f.info) {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return changed
}

// pushedTo is the phone the demo Duo sent the push to.
func (d demo) pushedTo(t *testing.T, pushID string) string {
	t.Helper()
	at, err := d.services.Duo().phonesOf(pushID, pushPrefix)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := view[numberPhones](d.services, at)
	if err != nil || rec == nil || rec.push(pushID) == nil {
		t.Fatalf("push %s: %v, %+v", pushID, err, rec)
	}
	return rec.push(pushID).PhoneID
}
