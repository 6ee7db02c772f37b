package prompt

import (
	"strings"
	"testing"

	"github.com/AlecAivazis/survey/v2"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Not parallel: it changes survey's template, and the parallel tests start only
// once it has put it back.
func TestSurveyLanguagePutsTheMenuHintInSpanish(t *testing.T) {
	was := survey.SelectQuestionTemplate
	t.Cleanup(func() { survey.SelectQuestionTemplate = was })
	SurveyLanguage(catalog.New(language.Spanish))
	got := survey.SelectQuestionTemplate
	if strings.Contains(got, "Use arrows") || !strings.Contains(got, "[flechas: mover; escriba: filtrar]") || !strings.Contains(got, "{{ .Config.HelpInput }}: ayuda]") {
		t.Errorf("the menu hint is not Spanish:\n%s", got)
	}
}
