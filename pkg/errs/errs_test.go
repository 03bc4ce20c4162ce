package errs

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestCatalogIsUnique(t *testing.T) {
	names, bizes := map[string]bool{}, map[int32]bool{}
	for _, c := range Catalog() {
		if names[c.Name] || bizes[c.Biz] {
			t.Fatalf("duplicate code %s/%d", c.Name, c.Biz)
		}
		names[c.Name], bizes[c.Biz] = true, true
		if c.HTTP < 400 || c.HTTP > 599 || c.Message == "" {
			t.Fatalf("code %s: bad HTTP status %d or empty message", c.Name, c.HTTP)
		}
	}
}

func TestBizRoundTripKeepsCodeMessageAndDetails(t *testing.T) {
	in := Invalid(FieldViolation{"lines[0].quantity", "must be between 1 and 99"}, FieldViolation{"address_id", "is required"})
	out := FromRPC(in.ToBiz())
	if out.Code != InvalidArgument || out.Message != in.Message || len(out.Details) != 2 || out.Details[1].Field != "address_id" {
		t.Fatalf("round trip changed the error: %+v", out)
	}
}

func TestFromRPCTreatsTransportErrorsAsUnavailable(t *testing.T) {
	out := FromRPC(errors.New("dial tcp 127.0.0.1:1: connection refused"))
	if out.Code != Unavailable || out.Code.HTTP != http.StatusServiceUnavailable {
		t.Fatalf("got %+v", out)
	}
}

func TestTranslate(t *testing.T) {
	errGone := errors.New("order: not found")
	table := []Mapping{{errGone, OrderNotFound}}
	cases := []struct {
		name string
		err  error
		want Code
	}{
		{"mapped_sentinel", fmt.Errorf("load: %w", errGone), OrderNotFound},
		{"catalogued_passes_through", New(StockInsufficient), StockInsufficient},
		{"unknown_is_internal", errors.New("disk on fire"), Internal},
		// The chaos runs found a service whose database or broker was down answering 500.
		{"database_refused_is_unavailable", fmt.Errorf("load order: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), Unavailable},
		{"bad_connection_is_unavailable", fmt.Errorf("commit: %w", driver.ErrBadConn), Unavailable},
		{"connection_broken_mid_statement_is_unavailable", fmt.Errorf("store: read order: %w", mysql.ErrInvalidConn), Unavailable},
		{"broker_down_is_unavailable", fmt.Errorf("send: %w: %w", ErrDependency, errors.New("no route")), Unavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromRPC(Translate(tc.err, table)).Code; got != tc.want {
				t.Fatalf("got %s, want %s", got.Name, tc.want.Name)
			}
			if IsInternal(tc.err, table) != (tc.want == Internal || tc.want == Unavailable) {
				t.Fatalf("IsInternal disagrees with Translate")
			}
		})
	}
	if Translate(nil, table) != nil {
		t.Fatal("nil must stay nil")
	}
}

func TestErrorsIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Newf(OrderNotFound, "order %s", "x"))
	if !errors.Is(err, New(OrderNotFound)) || errors.Is(err, New(PaymentNotFound)) {
		t.Fatal("errors.Is must match by code only")
	}
}

// The catalogued error must satisfy Kitex's biz-status interface by shape, or servers
// would answer every domain error as a transport failure.
func TestErrorIsAKitexBizStatus(t *testing.T) {
	var biz interface {
		BizStatusCode() int32
		BizMessage() string
		BizExtra() map[string]string
		Error() string
	} = Invalid(FieldViolation{"email", "is required"})
	if biz.BizStatusCode() != InvalidArgument.Biz || biz.BizExtra()[detailsKey] == "" {
		t.Fatalf("got %d %v", biz.BizStatusCode(), biz.BizExtra())
	}
}

func TestViolationsCollectEveryField(t *testing.T) {
	var v Violations
	if v.Err() != nil {
		t.Fatal("no violations must be no error")
	}
	v.Add("email", "is required")
	v.Add("lines[0].quantity", "must be between 1 and 99")
	var e *Error
	if !errors.As(v.Err(), &e) || e.Code != InvalidArgument || len(e.Details) != 2 {
		t.Fatalf("got %+v", v.Err())
	}
}

func TestFromRPCKeepsTheTransportErrorForLogs(t *testing.T) {
	refused := errors.New("connection refused")
	if out := FromRPC(fmt.Errorf("call: %w", refused)); !errors.Is(out, refused) {
		t.Fatal("the cause must stay reachable with errors.Is")
	}
}
