package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// companyInfo is the answer of login/companyinfo/{companyId}.
type companyInfo struct {
	CompanyName string `json:"CompanyName"`
	Codebase    string `json:"Codebase"`
	VersionCode string `json:"VersionCode"`
}

// apiRoot returns <base><codebase>apis/3.0/, asking the site for the codebase once.
func (c *Notifier) apiRoot(ctx context.Context) (string, error) {
	c.mu.Lock()
	cb := c.codebase
	c.mu.Unlock()
	if cb == "" {
		info, err := c.discover(ctx)
		if err != nil {
			return "", err
		}
		cb = httpcall.WithSlash(info.Codebase)
		c.mu.Lock()
		c.codebase = cb
		c.mu.Unlock()
	}
	return c.base + cb + "apis/3.0/", nil
}

// discover asks the site which codebase (release path) serves the company: a cloud
// company is on its PSA version's path, an on-premise one on v4_6_release/ (developer
// guide, Calling Company Info).
func (c *Notifier) discover(ctx context.Context) (companyInfo, error) {
	ans, err := c.lookup(ctx, c.base+"login/companyinfo/"+url.PathEscape(c.cfg.CompanyID))
	if err != nil {
		return companyInfo{}, err
	}
	if !ans.OK() && ans.Status != http.StatusNotFound {
		return companyInfo{}, c.failure(ans, catalog.NewError("connectwise.doing.find-codebase", "Company", c.clean(c.cfg.CompanyID)))
	}
	var info companyInfo
	if ans.OK() {
		if err := ans.Decode(&info); err != nil {
			return companyInfo{}, err
		}
	}
	// The guide does not say what an unknown company gets; a 404 or an answer without
	// a codebase is read as that.
	if !ans.OK() || info.Codebase == "" {
		return companyInfo{}, catalog.NewError("connectwise.company-unknown", "Host", c.host(), "Company", c.clean(c.cfg.CompanyID), "Status", ans.Status)
	}
	if !codebase().MatchString(info.Codebase) {
		return companyInfo{}, catalog.NewError("connectwise.codebase-bad", "Host", c.host(), "Codebase", strconv.Quote(c.clean(info.Codebase)),
			"Company", c.clean(c.cfg.CompanyID))
	}
	return info, nil
}

func (c *Notifier) host() string {
	u, err := url.Parse(c.base)
	if err != nil {
		// untranslated: New made base a URL, so no sentence ever names this stand-in.
		return "the configured site"
	}
	return u.Scheme + "://" + u.Host
}
