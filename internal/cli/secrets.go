package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

func newSecretsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Keep the providers' secrets in this computer's keychain",
		Long: `Keep the providers' secrets in the OS keychain (macOS Keychain, Windows Credential
Manager, GNOME Keyring or KWallet on Linux) instead of environment variables or files.
In config.yaml, name the entry with the *_keychain key beside *_env and *_file, e.g.

  duo:
    admin_skey_keychain: contoso-duo-admin

The secrets are never printed; list shows only which entries exist.`,
		Example: `  mfa-onboard secrets set contoso-duo-admin        # asks for the secret, without showing it
  printf %s "$SKEY" | mfa-onboard secrets set contoso-duo-admin
  mfa-onboard secrets list
  mfa-onboard secrets delete contoso-duo-admin`,
		Args: unknownSubcommand,
		RunE: showHelp,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "set NAME",
			Short: "Keep a secret under NAME (read from the terminal without echo, or from standard input)",
			Long: `Keep a secret under NAME in the OS keychain. It is read from the terminal without
echo, or as the first line of standard input when that is not a terminal (a pipe
from a password manager). Name the entry in config.yaml with a *_keychain key.`,
			Example: `  mfa-onboard secrets set contoso-duo-admin        # asks for the secret, without showing it
  printf %s "$SKEY" | mfa-onboard secrets set contoso-duo-admin`,
			Args: exactlyOne("set", "the name of the keychain entry"),
			RunE: func(_ *cobra.Command, args []string) error { return runSecretsSet(f, args[0]) },
		},
		&cobra.Command{
			Use:   "delete NAME",
			Short: "Remove the secret kept under NAME",
			Example: `  mfa-onboard secrets delete contoso-duo-admin
  mfa-onboard --profile contoso secrets delete contoso-duo-admin`,
			Args: exactlyOne("delete", "the name of the keychain entry"),
			RunE: func(_ *cobra.Command, args []string) error {
				kc, err := keychainOf(f)
				if err != nil {
					return err
				}
				if err := kc.Delete(args[0]); err != nil {
					return fmt.Errorf("delete the keychain entry %q: %w", args[0], err)
				}
				fmt.Fprintf(f.IO.ErrOut, "The keychain entry %q was deleted.\n", args[0])
				return nil
			},
		},
		&cobra.Command{
			Use:   "list",
			Short: "List the keychain entries config.yaml names, and whether each is there",
			Example: `  mfa-onboard secrets list
  mfa-onboard --profile contoso secrets list`,
			Args: cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error { return runSecretsList(f) },
		},
	)
	return cmd
}

func exactlyOne(verb, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("secrets %s takes one argument, %s", verb, what)
		}
		return nil
	}
}

func keychainOf(f *Factory) (secret.Keychain, error) {
	if f.Keychain == nil {
		return nil, fmt.Errorf("%w; use the *_env or *_file config keys instead", secret.ErrNoKeychain)
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
		return fmt.Errorf("keep the secret under %q: %w", name, err)
	}
	fmt.Fprintf(f.IO.ErrOut, "The secret is in the keychain as %q; name it in config.yaml with a *_keychain key.\n", name)
	return nil
}

// readSecret takes the secret without showing it: from the terminal with echo off, or
// the first line of standard input (a pipe from a password manager).
func readSecret(f *Factory, name string) (string, error) {
	var raw string
	if f.IO.InTTY && f.IO.InFile != nil {
		fmt.Fprintf(f.IO.ErrOut, "Secret for %q (not shown): ", name)
		b, err := term.ReadPassword(int(f.IO.InFile.Fd()))
		fmt.Fprintln(f.IO.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read the secret from the terminal: %w", err)
		}
		raw = string(b)
	} else {
		line, err := bufio.NewReader(io.LimitReader(f.IO.In, 64<<10)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the secret from standard input: %w", err)
		}
		raw = line
	}
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", usagef("no secret was given for %q: type it, or pipe it to standard input", name)
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
		fmt.Fprintln(f.IO.Out, "config.yaml names no keychain entries (no *_keychain key is set).")
		return nil
	}
	kc, kerr := keychainOf(f)
	for _, n := range named {
		status := "missing: add it with mfa-onboard secrets set " + n.entry
		if kerr != nil {
			status = "cannot tell: " + kerr.Error()
		} else if _, err := kc.Get(n.entry); err == nil {
			status = "present"
		} else if !errors.Is(err, secret.ErrNotInKeychain) {
			status = "cannot tell: " + err.Error()
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
