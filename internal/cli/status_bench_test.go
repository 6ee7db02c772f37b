package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// generateCustomer writes n people's state files into home's state folder, spread
// over every step and outcome, each as big as a real run leaves it. They are written
// directly, without Save's fsync, so that making 10,000 takes seconds.
func generateCustomer(tb testing.TB, home string, n int) {
	tb.Helper()
	store := state.NewFiles(filepath.Join(home, "state"))
	if err := os.MkdirAll(store.Dir(), 0o700); err != nil {
		tb.Fatal(err)
	}
	list := steps.All()
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		user := fmt.Sprintf("user%05d.lastname@contoso.com", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		st := state.New(user, at)
		done := i % (len(list) + 1)
		for _, s := range list[:done] {
			st.Mark(s.ID(), state.Done, "", at)
		}
		if done < len(list) && done > 0 {
			status := state.Waiting
			if i%7 == 0 {
				status = state.Failed
			}
			st.Mark(list[done].ID(), status, "this step needs an answer: give \""+list[done].ID()+".code\" in the answers file or run interactively", at)
			st.Steps[list[done].ID()].Guidance = []string{"Give the 6-digit code texted to +1 ***-***-0100 (answers key verify.code, or --code) before 2026-11-01 08:10 UTC."}
		}
		st.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US", Source: state.FromAnswers}
		st.Verify = &state.VerifyRecord{SentTo: "+12015550100", SentAt: at, VerifiedAt: at, RegisteredAt: at, MethodID: "3179e48a-750b-4051-897c-87b9720928f7"}
		st.Duo = &state.DuoRecord{UserID: "DUJZ2U4L80HT45MQ4EOQ", PhoneID: "DPFZRS9FB0D46QFTM891", Associated: true}
		st.LastRun = &state.Runner{OSUser: "jo", Machine: "PC-7"}
		data, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(store.Path(user), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkStatusAll is status --all over a customer of 1,000 and of 10,000 people,
// as a technician runs it: the table, and the JSON a script reads.
func BenchmarkStatusAll(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		home := b.TempDir()
		generateCustomer(b, home, n)
		for _, output := range []string{"table", "json"} {
			b.Run(fmt.Sprintf("people=%d/output=%s", n, output), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					f := &Factory{
						IO:     &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
						Getenv: func(string) string { return "" },
						Clock:  clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
					}
					if code := Run(context.Background(), f, []string{"status", "--all", "--home", home, "--output", output}); code != 0 {
						b.Fatalf("exit %d", code)
					}
				}
			})
		}
	}
}

// BenchmarkStatusWithoutAUser is status without --user among 10,000 people: it
// says to choose one, having read no more than two files.
func BenchmarkStatusWithoutAUser(b *testing.B) {
	home := b.TempDir()
	generateCustomer(b, home, 10000)
	b.ReportAllocs()
	for b.Loop() {
		f := &Factory{
			IO:     &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
			Getenv: func(string) string { return "" },
			Clock:  clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		}
		if code := Run(context.Background(), f, []string{"status", "--home", home}); code != ExitUsage {
			b.Fatalf("exit %d", code)
		}
	}
}
