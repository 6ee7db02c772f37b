package wizard

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// TestASpanishRunIsHeadedAndRecordedInSpanish: the step's heading is Spanish, and
// the reason a waiting step keeps for status is said in the run's language too, as
// its guidance is.
func TestASpanishRunIsHeadedAndRecordedInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	st := state.New("alice@example.com", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	env, _ := stubEnv(st)
	var out bytes.Buffer
	env.Text, env.Screen = es, screen.New(&out, screen.Options{Text: es})
	runs := 0
	r := &Runner{Steps: []steps.Step{stub{id: "verify", err: &prompt.NeedsAnswerError{Key: "verify.code"}, runs: &runs}}, Env: env}
	if got, _ := r.Run(context.Background()); got != WaitingUser {
		t.Fatalf("outcome %s; want waiting", got)
	}
	if !strings.Contains(out.String(), "Paso 1 de 1: verify") {
		t.Errorf("the heading is not Spanish:\n%s", out.String())
	}
	want := `este paso necesita una respuesta: indique "verify.code" en el archivo de respuestas o ejecute el programa de forma interactiva`
	if got := st.Step("verify").Reason; got != want {
		t.Errorf("reason = %q; want %q", got, want)
	}
}

func TestAnAuditErrorIsSaidInSpanish(t *testing.T) {
	err := &AuditError{StepID: "verify", Err: &prompt.NeedsAnswerError{Key: "x"}}
	got := catalog.New(language.Spanish).Error(err)
	if !strings.HasPrefix(got, `el paso "verify" está guardado, pero no se pudo registrar en la auditoría`) || !strings.Contains(got, "este paso necesita una respuesta") {
		t.Errorf("AuditError says %q; want Spanish, what it wraps too", got)
	}
	if !errors.As(err, new(*prompt.NeedsAnswerError)) {
		t.Error("the audit's error is no longer seen inside")
	}
}
