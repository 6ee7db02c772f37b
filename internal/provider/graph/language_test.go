package graph_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

// TestErrorsSpeakThePersonsLanguage: a missing permission is said in Spanish to a
// Spanish run, is still a *graph.Error with Graph's status, and keeps its English.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	c, srv, _ := setup(t, good)
	srv.SetPermission(graphtest.PermMethods, false)
	_, err := c.MobileMethod(context.Background(), alice)
	var ge *graph.Error
	if !errors.As(err, &ge) || ge.Status != 403 {
		t.Fatalf("MobileMethod without the permission = %v; want Graph's 403", err)
	}
	es := catalog.New(language.Spanish)
	if got, want := es.Error(err), "al registro de aplicación le falta el permiso de Graph UserAuthenticationMethod.ReadWrite.All (de aplicación, con consentimiento de administrador)"; got != want {
		t.Errorf("in Spanish:\n%s\nwant\n%s", got, want)
	}
	if got, want := err.Error(), "the app registration lacks the Graph permission UserAuthenticationMethod.ReadWrite.All (application, with admin consent)"; got != want {
		t.Errorf("in English:\n%s\nwant\n%s", got, want)
	}
}

// TestEnforcementReasonInSpanish: why MFA was made required is said in the person's
// language, the Conditional Access policy's own name kept, while Reason, which the
// person's state keeps, stays English.
func TestEnforcementReasonInSpanish(t *testing.T) {
	c, srv, _ := setupWith(t, good, func(g *graph.Config) { g.Enforcement, g.EnforcementGroup = graph.EnforceAuto, mfaGroup })
	srv.AddConditionalAccessPolicy(requireMFA)
	srv.AddGroup(mfaGroup, "MFA required")
	e, err := c.Enforce(context.Background(), alice)
	if err != nil || e.How != provider.EnforcedGroup {
		t.Fatalf("Enforce = %+v, %v; want the group", e, err)
	}
	want := "añadido a graph.enforcement_group " + mfaGroup + ": la directiva de acceso condicional «Require MFA for all users» exige MFA en este inquilino, así que no se configura MFA por usuario junto a ella"
	if got := e.Say(catalog.New(language.Spanish)); got != want {
		t.Errorf("in Spanish:\n%s\nwant\n%s", got, want)
	}
	if want := "added to graph.enforcement_group " + mfaGroup + ": the Conditional Access policy “Require MFA for all users” requires MFA in this tenant, so per-user MFA is not set beside it"; e.Reason != want {
		t.Errorf("Reason:\n%s\nwant\n%s", e.Reason, want)
	}
}

// TestPermissionListInSpanish: the list of missing permissions, with what each is
// for, is joined as Spanish joins a list.
func TestPermissionListInSpanish(t *testing.T) {
	c, srv, _ := setupWith(t, good, func(g *graph.Config) {
		g.Needs = append([]graph.Need{graph.RegisterPhonesNeed()}, graph.EnforcementNeeds(graph.EnforcePerUser, "")...)
		g.Enforcement = graph.EnforcePerUser
	})
	srv.SetPermission(graph.PermissionReadPolicies, false)
	srv.SetPermission(graph.PermissionPerUserMFA, false)
	want := "al registro de aplicación le faltan los permisos de aplicación de Graph " +
		"Policy.Read.All (para leer los valores predeterminados de seguridad y las directivas de acceso condicional antes de configurar MFA por usuario) y " +
		"Policy.ReadWrite.AuthenticationMethod (para configurar MFA por usuario como obligatorio): añádalos y conceda el consentimiento de administrador"
	for _, ck := range c.Check(context.Background()) {
		if ck.Name != "graph permissions" {
			continue
		}
		if got := ck.Say(catalog.New(language.Spanish)); got != want {
			t.Errorf("in Spanish:\n%s\nwant\n%s", got, want)
		}
		return
	}
	t.Fatal("no permissions check")
}
