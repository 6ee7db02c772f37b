package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Every client of a vendor is handed the process's one limiter for it, and the
// requests each makes wait there: the token requests of the app registration do not
// (they go to the authority, not to Graph).
func TestEachVendorsClientsWaitAtTheProcesssOneLimiter(t *testing.T) {
	// The notify desk files tickets in Autotask; the technician's registers phones
	// through Graph.
	psa := providerSet(t, newDesk(t))
	if c, err := psa.Checkers()["autotask"](); err != nil {
		t.Fatal(err)
	} else {
		c.Check(context.Background())
	}
	if n := psa.rateLimits().autotask.Requests(); n == 0 {
		t.Error("no Autotask request waited at the Autotask limiter")
	}

	d, _ := technicianDesk(t, "")
	r := providerSet(t, d)
	lim := r.rateLimits()
	if c, err := r.Checkers()["graph"](); err != nil {
		t.Fatal(err)
	} else {
		c.Check(context.Background())
	}
	if lim.graph.Requests() == 0 {
		t.Error("no Graph request waited at the Graph limiter")
	}
	if lim.twilio.Requests() != 0 || lim.duoAdmin.Requests() != 0 || lim.autotask.Requests() != 0 {
		t.Error("a vendor this configuration does not use was counted")
	}
	if r.rateLimits() != lim {
		t.Error("the limiters were built twice in one provider set")
	}
	g, err := r.graphClient()
	if err != nil {
		t.Fatal(err)
	}
	before := lim.graph.Requests()
	if _, err := g.MobileMethod(context.Background(), "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if lim.graph.Requests() <= before {
		t.Error("a Graph call made after the checks did not wait at the same limiter")
	}
}

// providerSet is the provider set a run in d's home gets.
func providerSet(t *testing.T, d *desk) *roles {
	t.Helper()
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Getenv: func(k string) string { return d.env[k] }, Clock: d.now, HomeFlag: d.home}
	dir, cfg, err := f.DirAndConfig()
	if err != nil {
		t.Fatal(err)
	}
	set, err := f.Providers(dir, cfg, f.Screen())
	if err != nil {
		t.Fatal(err)
	}
	return set.(*roles)
}
