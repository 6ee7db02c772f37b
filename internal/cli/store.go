package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/pgstore"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

func newStoreCmd(f *Factory) *cobra.Command {
	p := f.Text
	cmd := &cobra.Command{
		Use:     "store",
		Short:   p.T("cli.store.short"),
		Long:    p.T("cli.store.long"),
		Example: p.T("cli.store.example"),
		Args:    unknownSubcommand,
		RunE:    showHelp,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "migrate",
		Short:   p.T("cli.store.migrate.short"),
		Long:    p.T("cli.store.migrate.long"),
		Example: p.T("cli.store.migrate.example"),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runStoreMigrate(cmd.Context(), f) },
	}, &cobra.Command{
		Use:     "import",
		Short:   p.T("cli.store.import.short"),
		Long:    p.T("cli.store.import.long"),
		Example: p.T("cli.store.import.example"),
		Args:    cobra.NoArgs,
		RunE:    func(*cobra.Command, []string) error { return runStoreImport(f) },
	})
	return cmd
}

// runStoreImport copies the progress kept in the customer's state folder into the
// team's database: each person not there yet, as the files have them. A person the
// database has already is left as it is there, since a colleague may have carried
// on since; the files are left too, for the technician to move aside once checked.
func runStoreImport(f *Factory) error {
	dir, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	if !cfg.Store.Shared() {
		return usage(catalog.NewError("cli.store.files"))
	}
	db, err := f.Store(dir)
	if err != nil {
		return err
	}
	files := state.NewFiles(filepath.Join(dir, profile.StateDir))
	people, listErr := files.List()
	imported, kept := 0, 0
	var errs []error
	for _, st := range people {
		if _, err := db.Load(st.User); err == nil {
			kept++
			continue
		} else if !errors.Is(err, state.ErrNotFound) {
			errs = append(errs, err)
			continue
		}
		// A new row: the files' version means nothing to the database.
		st.Revision = 0
		if err := db.SaveAsLastRun(st); err != nil {
			errs = append(errs, err)
			continue
		}
		imported++
	}
	p := f.Text
	fmt.Fprintln(f.IO.ErrOut, p.T("cli.store.imported", "Count", imported, "Kept", kept, "Folder", files.Dir()))
	if err := errors.Join(append([]error{listErr}, errs...)...); err != nil {
		return catalog.Wrap(err, "cli.store.import-incomplete")
	}
	return nil
}

// runStoreMigrate sets up, or brings up to date, the database the customer's
// config.yaml names under store.
func runStoreMigrate(ctx context.Context, f *Factory) error {
	_, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	if !cfg.Store.Shared() {
		return usage(catalog.NewError("cli.store.files"))
	}
	dsn, err := f.storeDSN(cfg.Store)
	if err != nil {
		return err
	}
	applied, err := pgstore.Migrate(ctx, dsn)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(f.IO.ErrOut, f.Text.T("cli.store.up-to-date", "Schema", pgstore.Latest()))
		return nil
	}
	var versions []string
	for _, v := range applied {
		versions = append(versions, strconv.FormatInt(v, 10))
	}
	fmt.Fprintln(f.IO.ErrOut, f.Text.T("cli.store.migrated", "Count", len(applied), "Versions", strings.Join(versions, ", "), "Schema", pgstore.Latest()))
	return nil
}
