package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRatesDefaultToTheVendorsPublishedLimits(t *testing.T) {
	r := Default().Limits.Rate
	for vendor, want := range map[string]float64{
		RateDuo: 5, RateGraph: 10, RateTwilio: 10, RateAutotask: 1, RateConnectWise: 2, RateTeams: 1, RateSlack: 1,
	} {
		if got := r.PerSecond(vendor); got != want {
			t.Errorf("default rate of %s = %v/s, want %v/s", vendor, got, want)
		}
	}
}

func TestRatesAreReadInTheUnitsTheyAreWrittenIn(t *testing.T) {
	tests := []struct {
		name, yaml string
		vendor     string
		want       float64
		wantErr    string
	}{
		{name: "per second", yaml: "duo: 8/s", vendor: RateDuo, want: 8},
		{name: "a bare number is per second", yaml: "graph: 4", vendor: RateGraph, want: 4},
		{name: "per minute", yaml: "twilio: 120/min", vendor: RateTwilio, want: 2},
		{name: "per hour", yaml: "autotask: 3600/h", vendor: RateAutotask, want: 1},
		{name: "a fraction", yaml: "connectwise: 0.5/s", vendor: RateConnectWise, want: 0.5},
		{name: "others keep their default", yaml: "duo: 8/s", vendor: RateSlack, want: 1},
		{name: "zero", yaml: "duo: 0/s", wantErr: `line 3: limits.rate "0/s" must be more than 0`},
		{name: "not a rate", yaml: "duo: fast", wantErr: `line 3: limits.rate "fast" is not a rate like 10/s, 600/min or 3600/h`},
		{name: "unknown unit", yaml: "duo: 10/day", wantErr: "is not a rate like 10/s"},
		{name: "far too fast", yaml: "graph: 5000/s", wantErr: "at most 1000/s"},
		{name: "unknown vendor", yaml: "pagerduty: 1/s", wantErr: "field pagerduty not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(p, []byte("limits:\n  rate:\n    "+tt.yaml+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(p, true)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load = %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Limits.Rate.PerSecond(tt.vendor); got != tt.want {
				t.Errorf("rate of %s = %v/s, want %v/s", tt.vendor, got, tt.want)
			}
		})
	}
}
