package autotask

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

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
			return zoneInfo{}, fmt.Errorf("autotask does not know the API user %s (HTTP %d): check the username, or set the zone URL in the config", a.cfg.APIUser, ans.Status)
		}
		return zoneInfo{}, a.failure(ans, "look up the zone of "+a.cfg.APIUser)
	}
	var z zoneInfo
	if err := ans.Decode(&z); err != nil {
		return zoneInfo{}, err
	}
	if err := checkRoot(z.URL, "zone URL"); err != nil {
		return zoneInfo{}, fmt.Errorf("autotask's zone lookup gave no usable URL (%w)", err)
	}
	return z, nil
}
