// Command smtp-dev is a mail server for trying the support notice by hand: it listens
// on loopback only, accepts any message without TLS or login, and prints each one.
//
//	go run ./scripts/smtp-dev            (or: make smtp-dev)
//
// Then use testdata/config/smtp-dev.yaml as config.yaml (see the README).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "loopback address to listen on")
	flag.Parse()
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{}, nil }))
	s.Addr, s.Domain = *addr, "localhost"
	fmt.Fprintf(os.Stderr, "smtp-dev: listening on %s; every message received is printed here (Ctrl-C to stop)\n", *addr)
	if err := s.ListenAndServe(); err != nil {
		log.Fatalf("smtp-dev: %v", err)
	}
}

// session prints one connection's messages.
type session struct {
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                      { s.from, s.to = "", nil }
func (s *session) Logout() error                               { return nil }

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return errors.New("could not read the message")
	}
	fmt.Printf("──── message from %s to %v ────\n%s\n", s.from, s.to, data)
	return nil
}
