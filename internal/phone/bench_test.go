package phone

import "testing"

// BenchmarkParse is checking one typed number against libphonenumber's metadata.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("(201) 555-0100", "US"); err != nil {
			b.Fatal(err)
		}
	}
}
