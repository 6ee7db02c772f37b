package duo

import (
	"context"
	"maps"
	"net/url"
	"strconv"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Paging of Admin API lists (https://duo.com/docs/adminapi "Response paging"): ask
// for limit records from offset, and carry on from metadata.next_offset until an
// answer has none. Duo may give fewer than limit, so only next_offset says whether
// there is more.
const (
	// pageLimit is Duo's default page size, which duo_api_golang asks for too.
	pageLimit = 100
	// maxPages bounds a listing, so that an answer whose pages never end cannot hold
	// the run: 100 pages of 100 is far more phones than any one user or number has.
	maxPages = 100
)

// listAll reads every page of the Admin API list at path.
func listAll[T any](ctx context.Context, c *Client, path string, params url.Values) ([]T, error) {
	var all []T
	offset := 0
	for range maxPages {
		q := maps.Clone(params)
		if q == nil {
			q = url.Values{}
		}
		q.Set("limit", strconv.Itoa(pageLimit))
		q.Set("offset", strconv.Itoa(offset))
		var page []T
		next, err := c.callPage(ctx, path, q, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next < 0 {
			return all, nil
		}
		if next <= offset {
			return nil, catalog.NewError("duo.list-backwards", "Path", path, "From", offset, "To", next)
		}
		offset = next
	}
	return nil, catalog.NewError("duo.list-endless", "Path", path, "Pages", maxPages)
}
