package secret

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/zalando/go-keyring"
)

// Service is the name the tool's secrets are kept under in the OS keychain (macOS
// Keychain, Windows Credential Manager, a Secret Service such as GNOME Keyring).
const Service = "mfa-onboard"

// Keychain keeps secrets by name. System is the OS's; tests give a map.
type Keychain interface {
	Get(name string) (string, error)
	Set(name, value string) error
	Delete(name string) error
}

// ErrNotInKeychain means the keychain has no secret by that name.
var ErrNotInKeychain = errors.New("not in the keychain")

// ErrNoKeychain means this computer has no keychain the tool can reach (a Linux server
// without a Secret Service, say): the environment or a file must hold the secret.
var ErrNoKeychain = errors.New("no OS keychain is available here")

// System is the operating system's keychain.
type System struct{}

// Get returns the secret called name.
func (System) Get(name string) (string, error) {
	v, err := keyring.Get(Service, name)
	return v, keychainError(name, err)
}

// Set keeps value as the secret called name, replacing any before it.
func (System) Set(name, value string) error {
	return keychainError(name, keyring.Set(Service, name, value))
}

// Delete removes the secret called name.
func (System) Delete(name string) error {
	return keychainError(name, keyring.Delete(Service, name))
}

// keychainError turns the library's errors into ours; every other failure (no D-Bus,
// no Secret Service, a locked keychain) means there is no keychain to use here.
func keychainError(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("%q: %w", name, ErrNotInKeychain)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("the secret %q is too long for this keychain", name)
	}
	where := "the OS keychain"
	if runtime.GOOS == "linux" {
		where = "a Secret Service (GNOME Keyring, KWallet) on the session bus"
	}
	return fmt.Errorf("%w (%s could not be reached: %v)", ErrNoKeychain, where, err)
}

// Map is a keychain in memory, for tests and for runs that must not touch the OS's.
type Map map[string]string

// Get returns the secret called name.
func (m Map) Get(name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("%q: %w", name, ErrNotInKeychain)
	}
	return v, nil
}

// Set keeps value as the secret called name.
func (m Map) Set(name, value string) error { m[name] = value; return nil }

// Delete removes the secret called name.
func (m Map) Delete(name string) error {
	if _, ok := m[name]; !ok {
		return fmt.Errorf("%q: %w", name, ErrNotInKeychain)
	}
	delete(m, name)
	return nil
}
