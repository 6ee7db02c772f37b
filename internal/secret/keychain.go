package secret

import (
	"errors"
	"runtime"
	"strconv"

	"github.com/zalando/go-keyring"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
var ErrNotInKeychain error = catalog.NewError("secret.not-in-keychain")

// ErrNoKeychain means this computer has no keychain the tool can reach (a Linux server
// without a Secret Service, say): the environment or a file must hold the secret.
var ErrNoKeychain error = catalog.NewError("secret.no-keychain")

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
		return notInKeychain(name)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return catalog.NewError("secret.too-long", "Name", strconv.Quote(name))
	}
	if runtime.GOOS == "linux" {
		return catalog.Wrap(ErrNoKeychain, "secret.keychain.unreachable.linux", "Cause", err)
	}
	return catalog.Wrap(ErrNoKeychain, "secret.keychain.unreachable", "Cause", err)
}

// notInKeychain is the error for a name the keychain has no secret for.
func notInKeychain(name string) error {
	return catalog.Wrap(ErrNotInKeychain, "secret.named", "Name", strconv.Quote(name))
}

// Map is a keychain in memory, for tests and for runs that must not touch the OS's.
type Map map[string]string

// Get returns the secret called name.
func (m Map) Get(name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", notInKeychain(name)
	}
	return v, nil
}

// Set keeps value as the secret called name.
func (m Map) Set(name, value string) error { m[name] = value; return nil }

// Delete removes the secret called name.
func (m Map) Delete(name string) error {
	if _, ok := m[name]; !ok {
		return notInKeychain(name)
	}
	delete(m, name)
	return nil
}
