package state_test

import (
	"path/filepath"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/state/storetest"
)

func TestFilesKeepTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (state.Store, func() state.Store) {
		dir := filepath.Join(t.TempDir(), "state")
		return state.NewFiles(dir), func() state.Store { return state.NewFiles(dir) }
	})
}
