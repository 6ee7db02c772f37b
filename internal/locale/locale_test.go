package locale

import (
	"errors"
	"testing"

	"golang.org/x/text/language"
)

func TestChooseTakesTheFirstThatIsSet(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flag   string
		env    map[string]string
		system []string
		want   language.Tag
	}{
		{"nothing set", "", nil, nil, language.English},
		{"flag", "es", map[string]string{Env: "en", "LANG": "en_US.UTF-8"}, nil, language.Spanish},
		{"flag regional", "es-MX", nil, nil, language.Spanish},
		{"own variable", "", map[string]string{Env: "es", "LANG": "en_US.UTF-8"}, nil, language.Spanish},
		{"LC_ALL over LANG", "", map[string]string{"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, nil, language.Spanish},
		{"LC_ALL=C over LANG", "", map[string]string{"LC_ALL": "C", "LANG": "es_ES.UTF-8"}, nil, language.English},
		{"LC_MESSAGES over LANG", "", map[string]string{"LC_MESSAGES": "es_AR.UTF-8@euro", "LANG": "en_GB"}, nil, language.Spanish},
		{"LANG", "", map[string]string{"LANG": "es_MX.UTF-8"}, nil, language.Spanish},
		{"LANG not spoken", "", map[string]string{"LANG": "fr_FR.UTF-8"}, []string{"es-ES"}, language.English},
		{"system", "", nil, []string{"fr-FR", "es-419", "en-US"}, language.Spanish},
		{"system not spoken", "", nil, []string{"de-DE"}, language.English},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.flag, func(k string) string { return tc.env[k] }, func() []string { return tc.system })
			if err != nil || got != tc.want {
				t.Errorf("Choose = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestAChoiceByNameMustBeSpoken(t *testing.T) {
	env := map[string]string{"LANG": "es_ES.UTF-8", Env: "klingon!"}
	got, err := Choose("fr", func(k string) string { return env[k] }, nil)
	var choice *ChoiceError
	if !errors.As(err, &choice) || choice.From != "--lang" || choice.Value != "fr" {
		t.Fatalf("Choose(--lang fr) = %v, %v; want a ChoiceError for --lang", got, err)
	}
	if got != language.Spanish {
		t.Errorf("the error is said in %v, want Spanish from LANG", got)
	}
	if _, err := Choose("", func(k string) string { return env[k] }, nil); !errors.As(err, &choice) || choice.From != Env {
		t.Errorf("a bad %s = %v, want a ChoiceError", Env, err)
	}
}

func TestParseAppleLanguages(t *testing.T) {
	got := parseAppleLanguages("(\n    \"es-ES\",\n    \"en-US\"\n)\n")
	if len(got) != 2 || got[0] != "es-ES" || got[1] != "en-US" {
		t.Errorf("parseAppleLanguages = %q", got)
	}
}

func TestAChoiceByNameDoesNotAskTheSystem(t *testing.T) {
	asked := false
	system := func() []string { asked = true; return []string{"es-ES"} }
	if got, err := Choose("en", func(string) string { return "" }, system); err != nil || got != language.English || asked {
		t.Errorf("Choose(--lang en) = %v, %v; the system was asked: %v", got, err, asked)
	}
}
