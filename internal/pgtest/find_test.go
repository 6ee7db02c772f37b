package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindProgramsTakesTheNewestVersionFolder(t *testing.T) {
	root := t.TempDir()
	t.Setenv("PATH", t.TempDir()) // no pg_config, initdb or pg_ctl on PATH
	for _, version := range []string{"9.6", "15", "10", "16"} {
		bin := filepath.Join(root, version, "bin")
		if version == "16" {
			bin = filepath.Join(root, version, "client-only")
		}
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "pg_ctl"} {
			if err := os.WriteFile(filepath.Join(bin, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}

	got, err := findPrograms(filepath.Join(root, "*", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin", "initdb"); got.initdb != want {
		t.Errorf("initdb is %s, want %s", got.initdb, want)
	}
}

func TestFindProgramsNamesWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findPrograms(filepath.Join(t.TempDir(), "*", "bin"))
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Errorf("with no server anywhere: %v, want a message naming apt-get install postgresql", err)
	}
}
