package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRemindDefaults(t *testing.T) {
	r := Default().Remind
	if r.WaitAfter() != 72*time.Hour || r.Interval() != 24*time.Hour || r.Limit() != 3 || r.Via() != RemindAuto {
		t.Errorf("defaults after %v, every %v, max %d, channel %q; want 72h, 24h, 3, auto", r.WaitAfter(), r.Interval(), r.Limit(), r.Via())
	}
}

func TestRemindIsReadAndCheckedNamingTheKey(t *testing.T) {
	tests := []struct {
		name, yaml string
		after      time.Duration
		every      time.Duration
		max        int
		channel    string
		wantErr    string
	}{
		{name: "Go durations", yaml: "after: 48h\n  every: 12h\n  max: 2\n  channel: mail", after: 48 * time.Hour, every: 12 * time.Hour, max: 2, channel: RemindMail},
		{name: "days", yaml: "after: 3d\n  every: 1d", after: 72 * time.Hour, every: 24 * time.Hour, max: 3, channel: RemindAuto},
		{name: "left out keeps the default", yaml: "max: 5", after: 72 * time.Hour, every: 24 * time.Hour, max: 5, channel: RemindAuto},
		{name: "not a duration", yaml: "after: soon", wantErr: `line 3: remind.after "soon" is not a length of time like 72h or 3d`},
		{name: "a negative duration", yaml: "every: -1h", wantErr: `remind.every "-1h" is not a length of time`},
		{name: "fractional days", yaml: "after: 1.5d", wantErr: `remind.after "1.5d"`},
		{name: "too often", yaml: "every: 10m", wantErr: "line 3: remind.every 10m0s is too often: at least 1h"},
		{name: "too soon", yaml: "after: 30m", wantErr: "remind.after 30m0s is too soon: at least 1h"},
		{name: "a negative max", yaml: "max: -1", wantErr: "remind.max -1 must be between 1 and 20"},
		{name: "too many", yaml: "max: 50", wantErr: "remind.max 50 must be between 1 and 20"},
		{name: "an unknown channel", yaml: "channel: pigeon", wantErr: `remind.channel "pigeon" is not one of: auto, mail, sms`},
		{name: "sms cannot carry a reminder", yaml: "channel: sms", wantErr: "Twilio Verify texts verification codes only"},
		{name: "an unknown key", yaml: "often: 1h", wantErr: "field often not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(p, []byte("organisation: Contoso\nremind:\n  "+tt.yaml+"\n"), 0o600); err != nil {
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
			r := c.Remind
			if r.WaitAfter() != tt.after || r.Interval() != tt.every || r.Limit() != tt.max || r.Via() != tt.channel {
				t.Errorf("after %v, every %v, max %d, channel %q; want %v, %v, %d, %q", r.WaitAfter(), r.Interval(), r.Limit(), r.Via(), tt.after, tt.every, tt.max, tt.channel)
			}
		})
	}
}
