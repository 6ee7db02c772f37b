package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

func newSecretsCmd(f *Factory) *cobra.Command {
	p := f.Text
	cmd := &cobra.Command{
		Use:     "secrets",
		Short:   p.T("cli.secrets.short"),
		Long:    p.T("cli.secrets.long"),
		Example: p.T("cli.secrets.example"),
		Args:    unknownSubcommand,
		RunE:    showHelp,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:     "set NAME", // untranslated: a command line, with its placeholder
			Short:   p.T("cli.secrets.set.short"),
			Long:    p.T("cli.secrets.set.long"),
			Example: p.T("cli.secrets.set.example"),
			Args:    exactlyOne(catalog.NewError("cli.secrets.set.one")),
			RunE:    func(_ *cobra.Command, args []string) error { return runSecretsSet(f, args[0]) },
		},
		&cobra.Command{
			Use:     "delete NAME", // untranslated: a command line, with its placeholder
			Short:   p.T("cli.secrets.delete.short"),
			Example: p.T("cli.secrets.delete.example"),
			Args:    exactlyOne(catalog.NewError("cli.secrets.delete.one")),
			RunE: func(_ *cobra.Command, args []string) error {
				kc, err := keychainOf(f)
				if err != nil {
					return err
				}
				if err := kc.Delete(args[0]); err != nil {
					return catalog.Wrap(err, "cli.secrets.delete.failed", "Name", strconv.Quote(args[0]))
				}
				fmt.Fprintln(f.IO.ErrOut, p.T("cli.secrets.deleted", "Name", strconv.Quote(args[0])))
				return nil
			},
		},
		&cobra.Command{
			Use:     "list",
			Short:   p.T("cli.secrets.list.short"),
			Example: p.T("cli.secrets.list.example"),
			Args:    cobra.NoArgs,
			RunE:    func(*cobra.Command, []string) error { return runSecretsList(f) },
		},
	)
	return cmd
}

// exactlyOne refuses any number of arguments but one, saying why.
func exactlyOne(why error) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usage(why)
		}
		return nil
	}
}

func keychainOf(f *Factory) (secret.Keychain, error) {
	if f.Keychain == nil {
		return nil, catalog.Wrap(secret.ErrNoKeychain, "cli.secrets.no-keychain")
	}
	return f.Keychain, nil
}

func runSecretsSet(f *Factory, name string) error {
	kc, err := keychainOf(f)
	if err != nil {
		return err
	}
	value, err := readSecret(f, name)
	if err != nil {
		return err
	}
	if err := kc.Set(name, value); err != nil {
		return catalog.Wrap(err, "cli.secrets.set.failed", "Name", strconv.Quote(name))
	}
	fmt.Fprintln(f.IO.ErrOut, f.Text.T("cli.secrets.set.done", "Name", strconv.Quote(name)))
	return nil
}

// readSecret takes the secret without showing it: from the terminal with echo off, or
// the first line of standard input (a pipe from a password manager).
func readSecret(f *Factory, name string) (string, error) {
	var raw string
	if f.IO.InTTY && f.IO.InFile != nil {
		fmt.Fprint(f.IO.ErrOut, f.Text.T("cli.secrets.ask", "Name", strconv.Quote(name))+" ")
		b, err := term.ReadPassword(int(f.IO.InFile.Fd()))
		fmt.Fprintln(f.IO.ErrOut)
		if err != nil {
			return "", catalog.Wrap(err, "cli.secrets.read-terminal")
		}
		raw = string(b)
	} else {
		line, err := bufio.NewReader(io.LimitReader(f.IO.In, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", catalog.Wrap(err, "cli.secrets.read-stdin")
		}
		raw = line
	}
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", usage(catalog.NewError("cli.secrets.empty", "Name", strconv.Quote(name)))
	}
	return v, nil
}

func runSecretsList(f *Factory) error {
	_, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	named := keychainNames(cfg)
	if len(named) == 0 {
		fmt.Fprintln(f.IO.Out, f.Text.T("cli.secrets.list.none"))
		return nil
	}
	kc, kerr := keychainOf(f)
	for _, n := range named {
		var status string
		if kerr != nil {
			status = f.Text.T("cli.secrets.list.unknown", "Err", kerr)
		} else if _, err := kc.Get(n.entry); err == nil {
			status = f.Text.T("cli.secrets.list.present")
		} else if !errors.Is(err, secret.ErrNotInKeychain) {
			status = f.Text.T("cli.secrets.list.unknown", "Err", err)
		} else {
			status = f.Text.T("cli.secrets.list.missing", "Entry", n.entry)
		}
		fmt.Fprintf(f.IO.Out, "%s_keychain = %s: %s\n", n.key, n.entry, status)
	}
	return nil
}

type keychainName struct{ key, entry string }

// keychainNames lists the *_keychain keys config sets, in the order of the file.
func keychainNames(cfg *config.Config) []keychainName {
	all := []keychainName{
		{"duo.admin_skey", cfg.Duo.AdminSKeyKeychain},
		{"duo.auth_skey", cfg.Duo.AuthSKeyKeychain},
		{"twilio.auth_token", cfg.Twilio.AuthTokenKeychain},
		{"graph.client_secret", cfg.Graph.ClientSecretKeychain},
		{"notify.smtp.password", cfg.Notify.SMTP.PasswordKeychain},
		{"notify.teams.url", cfg.Notify.Teams.URLKeychain},
		{"notify.slack.url", cfg.Notify.Slack.URLKeychain},
		{"notify.autotask.secret", cfg.Notify.Autotask.SecretKeychain},
		{"notify.connectwise.private_key", cfg.Notify.ConnectWise.PrivateKeyKeychain},
	}
	var out []keychainName
	for _, n := range all {
		if n.entry != "" {
			out = append(out, n)
		}
	}
	return out
}
