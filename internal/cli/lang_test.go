package cli

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/pflag"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// The help speaks the language chosen with --lang or MFA_ONBOARD_LANG: the
// descriptions, the flags, cobra's own headings and the exit codes.
func TestHelpSpeaksTheChosenLanguage(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"--lang es --help", nil, []string{"--lang", "es", "--help"}, []string{
			"mfa-onboard lleva a una persona de no tener un segundo factor", "Uso:\n  mfa-onboard [flags]\n  mfa-onboard [command]\n", "Ejemplos:\n",
			"Comandos disponibles:\n", "  help        Ayuda sobre cualquier comando\n", "  -h, --help                ayuda de mfa-onboard\n",
			"  -v, --version             versión de mfa-onboard\n", "Opciones:\n",
			`Use "mfa-onboard [command] --help" para obtener más información sobre un comando.`,
			"Códigos de salida:\n  0    hecho\n",
		}},
		{"MFA_ONBOARD_LANG=es start --help", map[string]string{"MFA_ONBOARD_LANG": "es"}, []string{"start", "--help"}, []string{
			"Empieza el procedimiento, o continúa donde se quedó", "Uso:\n  mfa-onboard start [flags]\n",
			"# el código que pide el paso en espera", "Opciones:\n", "Opciones globales:\n", "ayuda de start",
			`(json va a la salida estándar, solo) (por omisión: "text")`, "  130  interrumpido (Ctrl-C)",
		}},
		{"LANG=es_ES.UTF-8 help status", map[string]string{"LANG": "es_ES.UTF-8"}, []string{"help", "status"}, []string{
			"Muestra en qué punto está cada paso", "con --all: solo las personas que esperan en un paso",
		}},
		{"--lang=es completion bash --help", nil, []string{"--lang=es", "completion", "bash", "--help"}, []string{
			"Genera el script de autocompletado para el shell bash.", "no incluir las descripciones en el autocompletado",
			"# cada shell nuevo",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.env, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("the help lacks %q:\n%s", want, stdout)
				}
			}
			for _, english := range []string{"Usage:", "Flags:", "Global Flags:", "Examples:", "Available Commands:", "Exit codes:", "help for", "(default "} {
				if strings.Contains(stdout, english) {
					t.Errorf("the Spanish help says %q:\n%s", english, stdout)
				}
			}
		})
	}
}

// The English help is cobra's and pflag's own layout, word for word: the flags'
// lines are pflag's FlagUsages for every command.
func TestEnglishFlagLinesArePflags(t *testing.T) {
	for _, c := range commands(helpTree(t)) {
		for _, fs := range []*pflag.FlagSet{c.LocalFlags(), c.InheritedFlags()} {
			if got, want := flagUsages(nil, fs), fs.FlagUsages(); got != want {
				t.Errorf("%q: the flag lines are\n%s\npflag's are\n%s", c.CommandPath(), got, want)
			}
		}
	}
}

// A usage mistake is refused in the chosen language, whether the program or cobra
// and pflag found it, and still exits 2 and points at --help.
func TestUsageErrorsSpeakTheChosenLanguage(t *testing.T) {
	home := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"start", "--bogus"}, "Error: opción desconocida: --bogus\n"},
		{[]string{"start", "-x"}, "Error: opción corta desconocida: 'x' en -x\n"},
		{[]string{"start", "--user"}, "Error: la opción necesita un valor: --user\n"},
		{[]string{"reset", "--yes=maybe"}, `Error: valor no válido "maybe" para la opción "-y, --yes": "maybe" no es true ni false`},
		{[]string{"batch", "-j", "x", "users.csv"}, `Error: valor no válido "x" para la opción "-j, --jobs": "x" no es un número entero`},
		{[]string{"strat"}, "Error: comando desconocido \"strat\" para \"mfa-onboard\"\n\n¿Quería decir esto?\n\tstart\n"},
		{[]string{"status", "extra"}, `Error: comando desconocido "extra" para "mfa-onboard status"`},
		{[]string{"start", "--output", "yaml"}, `Error: --output "yaml": use text o json`},
		{[]string{"status", "--partial"}, "Error: --partial es para --receipt: añada --receipt, o quite --partial"},
		{[]string{"start", "--user", "not-an-email"}, "Error: --user \"not-an-email\": "},
		{[]string{"completion", "tcsh"}, `Error: completion "tcsh": los shells son bash, zsh, fish y powershell`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"--lang", "es", "--home", home}, tt.args...)...)
			if code != ExitUsage || stdout != "" || !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("exit %d, stderr\n%s\nwant 2 and stderr starting with %q", code, stderr, tt.want)
			}
			if !strings.HasSuffix(stderr, "Ejecute \"mfa-onboard --help\" para ver cómo se usa.\n") {
				t.Errorf("stderr does not end by pointing at --help, in Spanish:\n%s", stderr)
			}
		})
	}
}

// A person's status reads in Spanish: the sentence above the table, its headings,
// its status words and the steps' titles in the JSON document.
func TestStatusSpeaksTheChosenLanguage(t *testing.T) {
	home := t.TempDir()
	if code, _, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home, "--user", "alice@example.com"); code != ExitWaiting {
		t.Fatalf("start: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := run(t, map[string]string{"MFA_ONBOARD_LANG": "es"}, "status", "--home", home)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		`alice@example.com: el siguiente paso es "phone"; ejecute mfa-onboard start --user alice@example.com para continuar`,
		"#  PASO            ESTADO     CAMBIO            NOTA\n", "1  phone           en espera  ", "2  verify          pendiente  -",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the Spanish status lacks %q:\n%s", want, stdout)
		}
	}
	_, stdout, _ = run(t, nil, "--lang", "es", "status", "--home", home, "--output", "json")
	if res := decodeResult(t, stdout); res.Steps[0].Title != catalog.New(language.Spanish).T("steps.phone.title") {
		t.Errorf("the JSON's first title is %q; want the Spanish one", res.Steps[0].Title)
	}
	code, stdout, _ = run(t, nil, "--lang", "es", "status", "--home", home, "--receipt", "--partial")
	if code != 0 || !strings.Contains(stdout, "Comprobante de incorporación a MFA (PARCIAL: sin terminar)\nPersona:       alice@example.com\n") {
		t.Errorf("the Spanish receipt (exit %d):\n%s", code, stdout)
	}
}

// What --output json gives a script is the same in every language: the keys, the
// machine values (schema, user, status, the step ids and statuses, the step waited
// on) and the exit code. Only what a person reads (titles, reasons, guidance) is
// translated.
func TestJSONMachineValuesAreTheSameInEveryLanguage(t *testing.T) {
	type outcome struct {
		code int
		keys []string
		vals map[string]any
	}
	runIn := func(lang string, args ...string) outcome {
		home := t.TempDir()
		env := map[string]string{"CI": "true", "MFA_ONBOARD_LANG": lang}
		run(t, env, "start", "--home", home, "--user", "alice@example.com", "--phone", "+1 201 555 0100")
		code, stdout, stderr := run(t, env, append(args, "--home", home, "--output", "json")...)
		var doc map[string]any
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%s %v: not JSON (%v):\n%s\n%s", lang, args, err, stdout, stderr)
		}
		o := outcome{code: code, vals: map[string]any{}}
		for k, v := range doc {
			o.keys = append(o.keys, k)
			if k == "schema" || k == "user" || k == "status" || k == "waiting_on" {
				o.vals[k] = v
			}
		}
		for i, s := range doc["steps"].([]any) {
			step := s.(map[string]any)
			var keys []string
			for k := range step {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			o.vals[step["id"].(string)] = []any{i, step["status"], strings.Join(keys, ",")}
		}
		sort.Strings(o.keys)
		return o
	}
	for _, args := range [][]string{
		{"start", "--user", "alice@example.com"},
		{"status", "--user", "alice@example.com"},
		{"start", "--user", "alice@example.com", "--code", "000000"},
		{"start", "--user", "alice@example.com", "--answers", "no-such-answers.yaml"},
	} {
		en, es := runIn("en", args...), runIn("es", args...)
		if !reflect.DeepEqual(en, es) {
			t.Errorf("%v: English gives %+v\nSpanish gives %+v", args, en, es)
		}
	}
}

// The receipt's labels fit its column in every language, and the column holds
// characters, not bytes: "Organización:" is padded as far as "Person:".
func TestReceiptLabelsFitTheirColumn(t *testing.T) {
	labels := []string{"cli.receipt.person", "cli.receipt.organisation", "cli.receipt.outcome", "cli.receipt.mobile",
		"cli.receipt.proof", "cli.receipt.m365", "cli.receipt.duo", "cli.receipt.notice", "cli.receipt.enforcement",
		"cli.receipt.steps", "cli.receipt.last-run.label", "cli.receipt.made.label"}
	for _, lang := range languages {
		r := receipt{text: lang.text}
		for _, id := range labels {
			label := lang.text.T(id)
			if n := utf8.RuneCountInString(label); n >= receiptLabel {
				t.Errorf("%s: %s is %q, %d characters; the column has %d", lang.name, id, label, n, receiptLabel)
			}
			r.safeField(label, "x", 1)
		}
		for _, line := range r.lines {
			if at := strings.LastIndex(line, "x"); utf8.RuneCountInString(line[:at]) != receiptLabel {
				t.Errorf("%s: %q does not start its value at column %d", lang.name, line, receiptLabel+1)
			}
		}
	}
}
