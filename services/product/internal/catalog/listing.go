package catalog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/text"
)

// Sort orders a product listing.
type Sort string

const (
	SortNewest    Sort = "newest"     // created_at desc, id desc
	SortPriceAsc  Sort = "price_asc"  // lowest active SKU price, ties by id
	SortPriceDesc Sort = "price_desc" // highest first, ties by id
)

// Listing limits, as the API documents them.
const (
	MaxQueryLen     = 100
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListRequest is a page of the catalog as the client asks for it.
type ListRequest struct {
	Query      string
	CategoryID string
	Sort       string // "" means newest
	PageSize   int    // 0 means DefaultPageSize
	PageToken  string
}

// ListQuery is a validated ListRequest: what the store selects, from where.
type ListQuery struct {
	Text       string // matched case-insensitively in name or description; "" matches all
	CategoryID string // "" means every category
	Sort       Sort
	Limit      int
	Offset     int
}

// pageToken is what the opaque page token carries. The fingerprint ties it to the
// query that produced it, so a token replayed against another query is refused instead
// of silently skipping or repeating products.
type pageToken struct {
	Offset      int    `json:"o"`
	Fingerprint string `json:"f"`
}

// NewListQuery validates r, reporting every invalid field at once.
func NewListQuery(r ListRequest) (ListQuery, error) {
	var l errs.Violations
	q := ListQuery{
		Text:       strings.TrimSpace(r.Query),
		CategoryID: r.CategoryID,
		Sort:       Sort(r.Sort),
		Limit:      r.PageSize,
	}
	text.Check(&l, "query", q.Text, 0, MaxQueryLen)
	switch q.Sort {
	case "":
		q.Sort = SortNewest
	case SortNewest, SortPriceAsc, SortPriceDesc:
	default:
		l.Add("sort", "must be newest, price_asc or price_desc")
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultPageSize
	case q.Limit < 1 || q.Limit > MaxPageSize:
		l.Add("page_size", fmt.Sprintf("must be 1 to %d", MaxPageSize))
	}
	if r.PageToken != "" {
		offset, ok := q.decodeToken(r.PageToken)
		if !ok {
			l.Add("page_token", "is not a token of this query; start again without it")
		}
		q.Offset = offset
	}
	if err := l.Err(); err != nil {
		return ListQuery{}, err
	}
	return q, nil
}

// NextToken is the token of the page after this one.
func (q ListQuery) NextToken() string {
	b, _ := json.Marshal(pageToken{Offset: q.Offset + q.Limit, Fingerprint: q.fingerprint()}) // two plain fields always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

func (q ListQuery) decodeToken(token string) (offset int, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	var t pageToken
	if err := json.Unmarshal(raw, &t); err != nil || t.Offset < 0 || t.Fingerprint != q.fingerprint() {
		return 0, false
	}
	return t.Offset, true
}

// fingerprint identifies the filter and order of a query, not its page size: a client
// may change how many items it wants per page without starting over.
func (q ListQuery) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"v1", q.Text, q.CategoryID, string(q.Sort)}, "\x00")))
	return hex.EncodeToString(sum[:8])
}
