package suite

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// Fail is how every service's handler answers a failed call: it maps err to the error
// catalog with table (errs.Translate) and logs what the client does not see, with the
// RPC method: an outage of the service's own database or broker, or a neighbour's
// UNAVAILABLE, at WARN (the client is told to retry); anything else uncatalogued at
// ERROR, since it is a bug. Catalogued answers are the domain's and are not logged.
func Fail(ctx context.Context, log *slog.Logger, err error, table []errs.Mapping) error {
	switch {
	case errs.Outage(err) || errors.Is(err, errs.New(errs.Unavailable)):
		log.WarnContext(ctx, "a dependency is unavailable", "method", method(ctx), "err", err)
	case errs.IsInternal(err, table):
		log.ErrorContext(ctx, "internal error", "method", method(ctx), "err", err)
	}
	return errs.Translate(err, table)
}

func method(ctx context.Context) string {
	if ri := rpcinfo.GetRPCInfo(ctx); ri != nil && ri.Invocation() != nil {
		return ri.Invocation().MethodName()
	}
	return ""
}
