package report

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

var generated = time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// customer is a report with one person of each kind, and one whose every text is
// hostile.
func customer() Report {
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	return Report{
		Organisation: "Contoso & Sons <Ltd>",
		Generated:    generated,
		People: []Person{
			{User: "alice@contoso.com", Status: Done, Done: 8, Steps: 8, Changed: at, RanBy: "jo@PC-7", Phone: "+12015550100"},
			{User: "bob@contoso.com", Status: Waiting, Done: 1, Steps: 8, StepID: "verify", StepTitle: "Check the number with a texted code",
				Note: "Give the 6-digit code texted to +1 ***-***-0101", Changed: at, RanBy: "jo@PC-7", Phone: "+12015550101"},
			{User: "carol@contoso.com", Status: Failed, Done: 6, Steps: 8, StepID: "duo-enroll", StepTitle: "Add your phone to Duo",
				Note: "Duo refused +1 (201) 555-0199: not a mobile number", Changed: at, RanBy: "Sam Tech"},
			{User: "dave@contoso.com", Status: NotStarted, Done: 0, Steps: 8, StepID: "phone", StepTitle: "Your mobile number", Changed: at},
			{User: `<script>alert("x")</script>@contoso.com`, Status: Waiting, Done: 2, Steps: 8, StepID: "notify-support", StepTitle: "Tell support",
				Note: "\x1b[2J<img src=x onerror=alert(1)> +442079460958", Changed: at, RanBy: `"><b>jo</b>`},
		},
	}
}

func render(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestReportEscapesEverythingAndMasksNumbers(t *testing.T) {
	page := render(t, customer())
	for _, raw := range []string{"<script", "<img", "<b>jo", "\x1b", "Contoso & Sons <Ltd>",
		"2015550100", "2015550101", "555-0199", "2079460958", "7946 0958"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page holds %q raw", raw)
		}
	}
	for _, want := range []string{"Contoso &amp; Sons &lt;Ltd&gt;", "&lt;script&gt;", "***-***-0100", "***-***-0199", "0958"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not hold %q", want)
		}
	}
}

// The page loads nothing and runs nothing: it is one file that opens anywhere.
func TestReportIsSelfContained(t *testing.T) {
	page := render(t, customer())
	// In a tag, that is: the hostile texts above are on the page, escaped.
	for _, pattern := range []string{`(?i)<script`, `(?i)<link`, `(?i)<iframe`, `(?i)<object`, `(?i)<img`, `(?i)<[^>]*\s(src|href)\s*=`, `(?i)url\(`, `(?i)@import`, `(?i)https?://`} {
		if m := regexp.MustCompile(pattern).FindString(page); m != "" {
			t.Errorf("the page holds %q (%s)", m, pattern)
		}
	}
	if !strings.Contains(page, "<svg") || !strings.Contains(page, "<style>") {
		t.Error("the page has no inline chart or style")
	}
}

func TestReportSaysWhenAndForWhom(t *testing.T) {
	page := html.UnescapeString(render(t, customer()))
	for _, want := range []string{"Wednesday 25 November 2026 at 09:30 CET (UTC+01:00)", "2026-11-24</span> <span class=\"nw\">09:00", "5 people"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}

func TestReportOfNobody(t *testing.T) {
	page := render(t, Report{Organisation: "Contoso", Generated: generated})
	if !strings.Contains(page, "0 people") || strings.Count(page, "Nobody.") != 4 || strings.Contains(page, "NaN") {
		t.Errorf("an empty report:\n%s", page)
	}
}

// chromium is Debian's headless browser, or "" when it is not here; CI must have it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but chromium is not installed: .ci/run installs it with apt-get install -y --no-install-recommends chromium")
	}
	t.Skip("chromium is not installed, so the report is not checked in a browser: apt-get install -y chromium to run this test")
	return ""
}

// browse runs headless Chromium on file with args and returns what it printed.
func browse(t *testing.T, bin, file string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = t.TempDir() // headless Chromium may leave files where it runs
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestReportInChromium opens the page in a real browser: the rows it renders are the
// people, grouped, and the screenshot shows the chart in its colours. The
// screenshot is kept when MFA_ONBOARD_REPORT_SCREENSHOT names a file.
func TestReportInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(render(t, customer())), 0o600); err != nil {
		t.Fatal(err)
	}

	dom := strings.ReplaceAll(string(browse(t, bin, file, "--dump-dom")), "<wbr>", "")
	rows := regexp.MustCompile(`<tr class="person" data-status="([a-z-]+)"><td class="user">([^<]*)</td>`).FindAllStringSubmatch(dom, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2])
	}
	want := []string{
		"waiting bob@contoso.com",
		`waiting &lt;script&gt;alert("x")&lt;/script&gt;@contoso.com`,
		"failed carol@contoso.com",
		"not-started dave@contoso.com",
		"done alice@contoso.com",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rendered rows:\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(dom, "<script>") || strings.Contains(dom, "<img") {
		t.Error("the rendered page holds an element from a state file")
	}
	if n := strings.Count(dom, `class="segment"`); n != 4 {
		t.Errorf("the chart has %d segments; want 4", n)
	}

	shot := filepath.Join(dir, "report.png")
	if keep := os.Getenv("MFA_ONBOARD_REPORT_SCREENSHOT"); keep != "" {
		shot = keep
	}
	browse(t, bin, file, "--screenshot="+shot, "--window-size=1200,900", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 900 {
		t.Errorf("screenshot is %v; want 1200×900", b)
	}
	for _, c := range groups(nil) {
		if n := pixels(img, c.Colour); n < 200 {
			t.Errorf("the screenshot has %d pixels of %s's colour %s; want the chart to show it", n, c.Title, c.Colour)
		}
	}
}

// pixels counts the pixels of img within a small distance of the colour "#rrggbb".
func pixels(img image.Image, colour string) int {
	var want [3]int
	fmt.Sscanf(colour, "#%02x%02x%02x", &want[0], &want[1], &want[2])
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := abs(int(r>>8)-want[0]) + abs(int(g>>8)-want[1]) + abs(int(bl>>8)-want[2])
			if d <= 12 {
				n++
			}
		}
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// A Spanish report is Spanish throughout, <html lang> included; the people's data
// (addresses, step ids, notes) stays as saved, and the organisation as configured.
func TestReportInSpanish(t *testing.T) {
	r := customer()
	r.Text = catalog.New(language.Spanish)
	page := html.UnescapeString(render(t, r))
	for _, want := range []string{`<html lang="es">`, "<h1>Verificación en dos pasos en Contoso & Sons <Ltd></h1>",
		"Generado el <time>miércoles 25 de noviembre de 2026 a las 09:30 CET (UTC+01:00)</time> · 5 personas",
		">Sin empezar (1)</h2>", `<th scope="col">Qué hace falta</th>`, `<td class="progress">1 de 8</td>`, "duo-enroll"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Spanish page does not hold %q", want)
		}
	}
	for _, english := range []string{"Two-step", "Waiting on", "Generated", "people", "Nobody"} {
		if strings.Contains(page, english) {
			t.Errorf("the Spanish page still says %q", english)
		}
	}
	if en := render(t, customer()); !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "<time>Wednesday 25 November 2026 at 09:30 CET (UTC+01:00)</time> · 5 people") {
		t.Errorf("the English page lost its language or its date:\n%s", en)
	}
}
