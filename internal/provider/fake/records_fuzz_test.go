package fake

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// FuzzRecords reads any demo-services.json a person (or a crash) could leave: every
// service call ends in an answer or an error, never a panic.
func FuzzRecords(f *testing.F) {
	f.Add([]byte(`{"seq":3,"codes":{"+12015550100":{"hash":"x","salt":"zz","sent_at":"2026-12-01T10:00:00Z","expires_at":"2026-12-01T10:10:00Z"}}}`))
	f.Add([]byte(`{"duo_users":{"a@b.c":{"id":"DU1","phones":["DP9"]}},"duo_phones":{"DP9":null},"pushes":{"TX1":null}}`))
	f.Add([]byte(`{"push_times":{"a@b.c":["not a time"]}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "demo-services.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s := NewServices(path, OptionsFrom(config.Default()), outbox.New(filepath.Join(dir, "outbox.jsonl"), nil), clock.NewFake(time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)))
		ctx := context.Background()
		d := s.Duo()
		_, _ = d.FindUser(ctx, "a@b.c")
		_, _ = d.FindPhone(ctx, "+12015550100")
		_, _ = d.Activated(ctx, "DP9")
		_, _, _ = d.Ready(ctx, "a@b.c", "DP9")
		_, _ = d.Status(ctx, "TX1")
		_, _ = s.Codes().CheckCode(ctx, "+12015550100", "123456")
		_, _ = s.Codes().Accepted(ctx, "+12015550100", time.Time{})
	})
}
