// Command demophone plays the person's phone for scripts that drive the demo: it
// reads the outbox, as the phone would read its messages, and prints what the person
// would type.
//
//	demophone sms-code          the code in the newest text message
//	demophone app-code [N]      the code the authenticator entry from the newest
//	                            activation link shows now (or N 30-second steps ahead)
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

func main() {
	code, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "demophone:", err)
		os.Exit(1)
	}
	fmt.Println(code)
}

func run(args []string) (string, error) {
	home := os.Getenv("MFA_ONBOARD_HOME")
	if home == "" || len(args) == 0 {
		return "", errors.New("usage: MFA_ONBOARD_HOME=DIR demophone sms-code | app-code [steps-ahead]")
	}
	msgs, err := outbox.Read(filepath.Join(home, "outbox.jsonl"))
	if err != nil {
		return "", err
	}
	switch args[0] {
	case "sms-code":
		for i := len(msgs) - 1; i >= 0; i-- {
			if c := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[i].Text); msgs[i].Channel == outbox.SMS && c != "" {
				return c, nil
			}
		}
		return "", errors.New("no text message with a code in the outbox")
	case "app-code":
		ahead := 0
		if len(args) > 1 {
			if ahead, err = strconv.Atoi(args[1]); err != nil {
				return "", fmt.Errorf("steps ahead %q is not a number", args[1])
			}
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Link == "" {
				continue
			}
			key, err := otp.NewKeyFromURL(msgs[i].Link)
			if err != nil {
				return "", err
			}
			return totp.GenerateCode(key.Secret(), time.Now().Add(time.Duration(ahead)*30*time.Second))
		}
		return "", errors.New("no activation link in the outbox")
	}
	return "", fmt.Errorf("unknown command %q", args[0])
}
