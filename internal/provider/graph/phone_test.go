package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

const methodsPath = "/v1.0/users/" + alice + "/authentication/phoneMethods"

func TestMobileMethod(t *testing.T) {
	tests := []struct {
		name    string
		methods [][2]string // type, Graph number
		want    string
	}{
		{"none", nil, ""},
		{"mobile", [][2]string{{"mobile", "+1 2065550100"}}, "+12065550100"},
		{"mobile with extension", [][2]string{{"mobile", "+44 7400123456x12"}}, "+447400123456"},
		{"only other types", [][2]string{{"office", "+1 2065550101"}}, ""},
		{"mobile among others", [][2]string{{"office", "+1 2065550101"}, {"mobile", "+49 15123456789"}, {"alternateMobile", "+1 2065550102"}}, "+4915123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setup(t, good)
			for _, m := range tt.methods {
				srv.AddMethod(alice, m[0], m[1])
			}
			got, err := c.MobileMethod(context.Background(), alice)
			if err != nil || got != tt.want {
				t.Fatalf("MobileMethod = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestRegisterMobileAdds(t *testing.T) {
	c, srv, _ := setup(t, good)
	id, err := c.RegisterMobile(context.Background(), alice, "+12065550100")
	if err != nil || id != graphtest.MobileID {
		t.Fatalf("RegisterMobile = %q, %v; want %s", id, err, graphtest.MobileID)
	}
	post := calls(srv, http.MethodPost, methodsPath)
	if len(post) != 1 || post[0].Status != http.StatusCreated {
		t.Fatalf("POSTs = %+v; want one answered 201", post)
	}
	if post[0].Body != `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}` || post[0].ContentType != "application/json" {
		t.Errorf("body %s (%s); want exactly the documented JSON", post[0].Body, post[0].ContentType)
	}
	if got := srv.Methods(alice); len(got) != 1 || got[0] != (graphtest.Method{ID: graphtest.MobileID, PhoneNumber: "+1 2065550100", PhoneType: "mobile"}) {
		t.Errorf("methods = %+v; want the one mobile", got)
	}
}

func TestRegisterMobileUpdatesTheExistingOne(t *testing.T) {
	c, srv, _ := setup(t, good)
	srv.AddMethod(alice, "mobile", "+1 2065550199")
	srv.AddMethod(alice, "office", "+1 2065550101")
	id, err := c.RegisterMobile(context.Background(), alice, "+12065550100")
	if err != nil || id != graphtest.MobileID {
		t.Fatalf("RegisterMobile = %q, %v", id, err)
	}
	if n := len(calls(srv, http.MethodPost, methodsPath)); n != 0 {
		t.Errorf("%d POSTs; want an update, not an add", n)
	}
	patch := calls(srv, http.MethodPatch, methodsPath+"/"+graphtest.MobileID)
	if len(patch) != 1 || patch[0].Status != http.StatusNoContent || patch[0].Body != `{"phoneNumber":"+1 2065550100","phoneType":"mobile"}` {
		t.Fatalf("PATCHes = %+v; want one, answered 204", patch)
	}
	want := []graphtest.Method{{ID: graphtest.MobileID, PhoneNumber: "+1 2065550100", PhoneType: "mobile"}, {ID: graphtest.OfficeID, PhoneNumber: "+1 2065550101", PhoneType: "office"}}
	if got := srv.Methods(alice); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("methods = %+v; want %+v", got, want)
	}
}

func TestRegisterSameNumberTwiceKeepsOneMethod(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := setup(t, good)
	for i := 0; i < 2; i++ {
		if _, err := c.RegisterMobile(ctx, alice, "+12065550100"); err != nil {
			t.Fatalf("RegisterMobile %d: %v", i+1, err)
		}
	}
	if got := srv.Methods(alice); len(got) != 1 {
		t.Errorf("methods = %+v; want one", got)
	}
	if w := len(calls(srv, http.MethodPost, methodsPath)) + len(calls(srv, http.MethodPatch, methodsPath+"/"+graphtest.MobileID)); w != 1 {
		t.Errorf("%d writes; want only the first call to write", w)
	}
}

func TestGuestUPNIsEscaped(t *testing.T) {
	const guest = "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"
	c, srv, _ := setup(t, good)
	srv.AddMethod(guest, "mobile", "+1 2065550100")
	got, err := c.MobileMethod(context.Background(), guest)
	if err != nil || got != "+12065550100" {
		t.Fatalf("MobileMethod(guest) = %q, %v", got, err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if !strings.Contains(last.RawPath, "bob_fabrikam.com%23EXT%23@contoso.onmicrosoft.com") {
		t.Errorf("path sent %s; want the # escaped", last.RawPath)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter time.Duration
		fails      int
		wantPosts  int
		wantWait   time.Duration
		wantErr    string
	}{
		{"429 with Retry-After", http.StatusTooManyRequests, 7 * time.Second, 1, 2, 7 * time.Second, ""},
		{"503 without Retry-After backs off", http.StatusServiceUnavailable, 0, 2, 3, 3 * time.Second, ""},
		{"504 every time gives up", http.StatusGatewayTimeout, 0, 9, 4, 7 * time.Second, "Microsoft Graph is throttling this app or is busy (HTTP 504); wait 1 minute and try again"},
		{"Retry-After too long to sit out", http.StatusTooManyRequests, 10 * time.Minute, 1, 1, 0, "wait 10 minutes and try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, fc := setup(t, good)
			for range tt.fails {
				srv.FailNext("POST "+methodsPath, tt.status, tt.retryAfter)
			}
			_, err := c.RegisterMobile(context.Background(), alice, "+12065550100")
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("RegisterMobile = %v; want error %q", err, tt.wantErr)
			}
			post := calls(srv, http.MethodPost, methodsPath)
			if len(post) != tt.wantPosts {
				t.Fatalf("%d POSTs; want %d", len(post), tt.wantPosts)
			}
			for _, p := range post[1:] {
				if p.Body != post[0].Body {
					t.Errorf("retry body %s; want %s again", p.Body, post[0].Body)
				}
			}
			if waited := fc.Now().Sub(start); waited != tt.wantWait {
				t.Errorf("waited %s; want %s", waited, tt.wantWait)
			}
		})
	}
}

func TestRefusalsAreSentences(t *testing.T) {
	tests := []struct {
		name   string
		revoke string
		call   func(*graph.Client) error
		want   string
	}{
		{"phone methods without permission", graphtest.PermMethods,
			func(c *graph.Client) error { _, err := c.MobileMethod(context.Background(), alice); return err },
			"the app registration lacks the Graph permission UserAuthenticationMethod.ReadWrite.All (application, with admin consent)"},
		{"registering without permission", graphtest.PermMethods,
			func(c *graph.Client) error {
				_, err := c.RegisterMobile(context.Background(), alice, "+12065550100")
				return err
			},
			"the app registration lacks the Graph permission UserAuthenticationMethod.ReadWrite.All (application, with admin consent)"},
		{"reading MFA state without permission", graphtest.PermPolicyRead,
			func(c *graph.Client) error { _, err := c.MFAState(context.Background(), alice); return err },
			"the app registration lacks the Graph permission Policy.Read.All (application, with admin consent)"},
		{"setting MFA state without permission", graphtest.PermPolicyWrite,
			func(c *graph.Client) error { return c.SetMFAState(context.Background(), alice, graph.MFAEnabled) },
			"the app registration lacks the Graph permission Policy.ReadWrite.AuthenticationMethod (application, with admin consent)"},
		{"unknown user", "",
			func(c *graph.Client) error {
				_, err := c.MobileMethod(context.Background(), "bob@contoso.com")
				return err
			},
			"Microsoft 365 has no user bob@contoso.com"},
		{"number Graph refuses", "",
			func(c *graph.Client) error {
				_, err := c.RegisterMobile(context.Background(), alice, "2065550100")
				return err
			},
			"Microsoft Graph refused the request: Invalid phone number format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setup(t, good)
			if tt.revoke != "" {
				srv.SetPermission(tt.revoke, false)
				if tt.revoke == graphtest.PermPolicyRead {
					srv.SetPermission(graphtest.PermPolicyWrite, false)
				}
			}
			err := tt.call(c)
			var ge *graph.Error
			if !errors.As(err, &ge) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v; want a *graph.Error saying %q", err, tt.want)
			}
		})
	}
}
