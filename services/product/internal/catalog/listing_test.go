package catalog

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

func TestNewListQueryDefaults(t *testing.T) {
	q, err := NewListQuery(ListRequest{Query: "  kettle "})
	if err != nil {
		t.Fatal(err)
	}
	want := ListQuery{Text: "kettle", Sort: SortNewest, Limit: DefaultPageSize}
	if q != want {
		t.Errorf("query = %+v, want %+v", q, want)
	}
}

func TestNewListQueryReportsEveryInvalidField(t *testing.T) {
	cases := []struct {
		name   string
		req    ListRequest
		fields []string
	}{
		{"query too long", ListRequest{Query: strings.Repeat("q", MaxQueryLen+1)}, []string{"query"}},
		{"query of exactly the limit", ListRequest{Query: strings.Repeat("ü", MaxQueryLen)}, nil},
		{"unknown sort", ListRequest{Sort: "cheapest"}, []string{"sort"}},
		{"page size too big", ListRequest{PageSize: MaxPageSize + 1}, []string{"page_size"}},
		{"negative page size", ListRequest{PageSize: -1}, []string{"page_size"}},
		{"largest page", ListRequest{PageSize: MaxPageSize}, nil},
		{"garbage token", ListRequest{PageToken: "not a token!"}, []string{"page_token"}},
		{"base64 of garbage", ListRequest{PageToken: base64.RawURLEncoding.EncodeToString([]byte("{]"))}, []string{"page_token"}},
		{"all at once", ListRequest{Query: strings.Repeat("q", MaxQueryLen+1), Sort: "up", PageSize: 1000, PageToken: "x"},
			[]string{"query", "sort", "page_size", "page_token"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewListQuery(c.req)
			if c.fields == nil {
				if err != nil {
					t.Fatalf("NewListQuery: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, c.fields) {
				t.Errorf("invalid fields = %q, want %q", got, c.fields)
			}
		})
	}
}

func TestPageTokens(t *testing.T) {
	first, err := NewListQuery(ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	token := first.NextToken()
	cases := []struct {
		name       string
		req        ListRequest
		wantOffset int  // when accepted
		refused    bool // page_token reported invalid
	}{
		{"same query", ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageSize: 5, PageToken: token}, 5, false},
		{"same query, other page size", ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageSize: 50, PageToken: token}, 5, false},
		{"same query, padded text", ListRequest{Query: " tea ", CategoryID: "c1", Sort: "price_asc", PageToken: token}, 5, false},
		{"other text", ListRequest{Query: "coffee", CategoryID: "c1", Sort: "price_asc", PageToken: token}, 0, true},
		{"other category", ListRequest{Query: "tea", CategoryID: "c2", Sort: "price_asc", PageToken: token}, 0, true},
		{"other sort", ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_desc", PageToken: token}, 0, true},
		{"negative offset", ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageToken: forgeToken(t, first, -5)}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := NewListQuery(c.req)
			if c.refused {
				if got := fieldsOf(t, err); !slices.Equal(got, []string{"page_token"}) {
					t.Errorf("invalid fields = %q, want page_token", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewListQuery: %v", err)
			}
			if q.Offset != c.wantOffset {
				t.Errorf("offset = %d, want %d", q.Offset, c.wantOffset)
			}
		})
	}
	second, _ := NewListQuery(ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageSize: 5, PageToken: token})
	third, err := NewListQuery(ListRequest{Query: "tea", CategoryID: "c1", Sort: "price_asc", PageSize: 5, PageToken: second.NextToken()})
	if err != nil || third.Offset != 10 {
		t.Errorf("third page offset = %d, %v; want 10", third.Offset, err)
	}
}

// forgeToken makes a token of q's fingerprint with an arbitrary offset, as a client
// tampering with the opaque token could.
func forgeToken(t *testing.T, q ListQuery, offset int) string {
	t.Helper()
	q.Offset = offset - q.Limit
	return q.NextToken()
}
