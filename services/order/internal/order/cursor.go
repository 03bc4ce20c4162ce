package order

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Cursor is a position in a list of orders sorted newest first: the page after it starts
// with the first order older than (CreatedAt, ID). Keyset paging stays fast on deep pages
// and never skips or repeats an order when new ones arrive meanwhile.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

const cursorVersion = "v1"

// token is the opaque page_token clients send back.
func (c Cursor) token() string {
	raw := cursorVersion + ":" + strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func parseCursor(token string) (Cursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, false
	}
	version, rest, _ := strings.Cut(string(raw), ":")
	micros, id, ok := strings.Cut(rest, ":")
	if version != cursorVersion || !ok || !ids.Valid(id) {
		return Cursor{}, false
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil || us < 0 {
		return Cursor{}, false
	}
	return Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, true
}
