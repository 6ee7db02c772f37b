package graph

import (
	"testing"
	"unicode"
)

// FuzzPermissionsCheck reads the roles claim of any token an authority could hand back.
func FuzzPermissionsCheck(f *testing.F) {
	f.Add("eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJVc2VyQXV0aGVudGljYXRpb25NZXRob2QuUmVhZFdyaXRlLkFsbCJdfQ.")
	f.Add("not-a-jwt")
	f.Add("a.eyJyb2xlcyI6WyJcdTAwMWJbMkoiXX0.c")
	f.Fuzz(func(t *testing.T, token string) {
		c := permissionsCheck(token, []Need{RegisterPhonesNeed(), ReadPhonesNeed()})
		if c.Detail == "" {
			t.Fatalf("no detail for %q", token)
		}
		for _, r := range c.Detail {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("detail holds %U: %q", r, c.Detail)
			}
		}
	})
}
