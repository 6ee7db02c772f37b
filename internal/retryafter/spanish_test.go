package retryafter

import (
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestDescribeInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	for wait, want := range map[time.Duration]string{
		time.Second: "1 segundo", 45 * time.Second: "45 segundos", 90 * time.Second: "2 minutos",
		time.Hour: "1 hora", Longest: "un día o más", 0: "un momento",
	} {
		if got := Describe(es, wait); got != want {
			t.Errorf("Describe(es, %s) = %q; want %q", wait, got, want)
		}
	}
}
