package autotask

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// zoneInfo is the answer of zoneInformation.
type zoneInfo struct {
	ZoneName string `json:"zoneName"`
	URL      string `json:"url"`
	WebURL   string `json:"webUrl"`
}

// zoneRoot returns the zone's REST root (ending in "/"), discovering it once.
func (a *Notifier) zoneRoot(ctx context.Context) (string, error) {
	a.mu.Lock()
	zone := a.zone
	a.mu.Unlock()
	if zone != "" {
		return zone, nil
	}
	z, err := a.discover(ctx)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.zone = httpcall.WithSlash(z.URL)
	zone = a.zone
	a.mu.Unlock()
	return zone, nil
}

// discover asks which zone (data centre) holds the API user's database.
func (a *Notifier) discover(ctx context.Context) (zoneInfo, error) {
	u := httpcall.WithSlash(a.cfg.BaseURL) + "v1.0/zoneInformation?user=" + url.QueryEscape(a.cfg.APIUser)
	ans, err := a.call(ctx, http.MethodGet, u, nil)
	if err != nil {
		return zoneInfo{}, err
	}
	if !ans.OK() {
		if ans.Status == http.StatusNotFound || ans.Status == http.StatusInternalServerError {
			return zoneInfo{}, catalog.NewError("autotask.user-unknown", "User", a.cfg.APIUser, "Status", ans.Status)
		}
		return zoneInfo{}, a.failure(ans, catalog.NewError("autotask.doing.find-zone", "User", a.cfg.APIUser))
	}
	var z zoneInfo
	if err := ans.Decode(&z); err != nil {
		return zoneInfo{}, err
	}
	if err := checkRoot(z.URL, "autotask.zone-url-not-https"); err != nil {
		return zoneInfo{}, catalog.Wrap(err, "autotask.zone-url-unusable")
	}
	return z, nil
}
