package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/pgstore"
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
	})
	return cmd
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
