package suite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

func TestFail(t *testing.T) {
	errGone := errors.New("gone")
	table := []errs.Mapping{{Err: errGone, Code: errs.OrderNotFound}}
	cases := []struct {
		name     string
		err      error
		code     errs.Code
		logLevel string // "" for nothing logged
	}{
		{"the domain's answer", fmt.Errorf("load: %w", errGone), errs.OrderNotFound, ""},
		{"invalid input", errs.Invalid(errs.FieldViolation{Field: "x", Reason: "bad"}), errs.InvalidArgument, ""},
		{"its own database down", fmt.Errorf("query: %w", errs.ErrDependency), errs.Unavailable, "WARN"},
		{"a neighbour unavailable", fmt.Errorf("user.GetAddress: %w", errs.New(errs.Unavailable)), errs.Unavailable, "WARN"},
		{"a bug", errors.New("nil map"), errs.Internal, "ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, nil))
			got := errs.FromRPC(suite.Fail(context.Background(), log, c.err, table))
			if got.Code != c.code {
				t.Fatalf("code %s, want %s", got.Code.Name, c.code.Name)
			}
			switch {
			case c.logLevel == "" && buf.Len() > 0:
				t.Fatalf("logged a catalogued answer: %s", buf.String())
			case c.logLevel != "" && !strings.Contains(buf.String(), "level="+c.logLevel):
				t.Fatalf("log %q, want a line at %s", buf.String(), c.logLevel)
			}
		})
	}
}
