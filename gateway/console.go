package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// The admin console's reads: every customer's orders, and the protocol view. They are
// ordinary /api/v1/admin routes, so the console uses no API a client could not.

// orderStatuses is every status an order can hold, in the order of the protocol.
var orderStatuses = []string{"PENDING", "AWAITING_PAYMENT", "PAID", "SHIPPED", "RECEIVED", "COMPLETED", "CANCELLED", "REFUNDED"}

// protocolCountLimit bounds the orders counted per status, so the view stays cheap on
// a busy shop: beyond it a count reads "at least".
const protocolCountLimit = 500

// adminListOrders lists every customer's orders, newest first, optionally by status.
func (a *api) adminListOrders(ctx context.Context, c *app.RequestContext) {
	var q listOrdersQuery
	if !a.readQuery(ctx, c, &q) {
		return
	}
	resp, err := a.orders.ListOrders(ctx, &orderapi.ListOrdersRequest{
		UserId: "", Status: optional(q.Status), PageSize: q.PageSize, PageToken: optional(q.PageToken),
	})
	reply(ctx, a, c, http.StatusOK, resp, err, orderPageOut)
}

// adminGetOrder reads any customer's order, in full: the console is one client, and
// the document promises an Order whatever X-Client says.
func (a *api) adminGetOrder(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	o, err := a.orders.GetOrder(ctx, &orderapi.GetOrderRequest{OrderId: id, UserId: ""})
	reply(ctx, a, c, http.StatusOK, o, err, orderOut)
}

// adminOrderPayments lists every payment made for an order, oldest first, each with its
// refund: the money side of an order, which a customer's order view does not show. An
// unknown order is 404 like adminGetOrder, not an empty list.
func (a *api) adminOrderPayments(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	if _, err := a.orders.GetOrder(ctx, &orderapi.GetOrderRequest{OrderId: id, UserId: ""}); err != nil {
		a.fail(ctx, c, err)
		return
	}
	resp, err := a.payments.ListOrderPayments(ctx, &paymentapi.ListOrderPaymentsRequest{OrderId: id})
	reply(ctx, a, c, http.StatusOK, resp, err, paymentRecordListOut)
}

type statusCount struct {
	Status  string `json:"status"`
	Count   int    `json:"count"`
	AtLeast bool   `json:"at_least"` // true when counting stopped at count_limit
}

// messageCounters are the broker driver's counters (mq.Stats) since it opened.
type messageCounters struct {
	Source       string `json:"source"`
	Committed    int64  `json:"committed"`
	RolledBack   int64  `json:"rolled_back"`
	CheckBacks   int64  `json:"check_backs"`
	Acked        int64  `json:"acked"`
	Failed       int64  `json:"failed"`
	DeadLettered int64  `json:"dead_lettered"`
}

type protocolView struct {
	AsOf            string           `json:"as_of"`
	Orders          []statusCount    `json:"orders"`
	CountLimit      int              `json:"count_limit"`
	WaitingToSettle []orderView      `json:"waiting_to_settle"`
	Messages        *messageCounters `json:"messages"`
}

// protocol answers what the consistency protocol is doing now: orders per status (from
// the order service), the PENDING orders whose stock is not yet settled, and the
// broker's counters when this gateway shares a process with the broker (the dev server);
// otherwise messages is null and each service's /metrics has its own counters.
func (a *api) protocol(ctx context.Context, c *app.RequestContext) {
	view := protocolView{AsOf: time.Now().UTC().Format(timeLayout), CountLimit: protocolCountLimit, WaitingToSettle: []orderView{}}
	for _, st := range orderStatuses {
		n, more, pending, err := a.countOrders(ctx, st)
		if err != nil {
			a.fail(ctx, c, err)
			return
		}
		view.Orders = append(view.Orders, statusCount{Status: st, Count: n, AtLeast: more})
		if st == "PENDING" {
			view.WaitingToSettle = mapList(pending[:min(len(pending), 20)], orderOut)
		}
	}
	if a.mqStats != nil {
		s := a.mqStats()
		view.Messages = &messageCounters{
			Source:    "the message driver of this process, shared by every service in it, since it opened",
			Committed: s.Committed, RolledBack: s.RolledBack, CheckBacks: s.CheckBacks,
			Acked: s.Acked, Failed: s.Failed, DeadLettered: s.DeadLettered,
		}
	}
	c.JSON(http.StatusOK, view)
}

// countOrders pages through the orders of one status up to protocolCountLimit; it also
// returns the first page, newest first.
func (a *api) countOrders(ctx context.Context, status string) (n int, more bool, first []*orderapi.Order, err error) {
	size := int32(100)
	token := ""
	for n < protocolCountLimit {
		resp, err := a.orders.ListOrders(ctx, &orderapi.ListOrdersRequest{Status: &status, PageSize: &size, PageToken: optional(token)})
		if err != nil {
			return 0, false, nil, err
		}
		if first == nil {
			first = resp.Items
		}
		n += len(resp.Items)
		if resp.NextPageToken == "" {
			return n, false, first, nil
		}
		token = resp.NextPageToken
	}
	return n, true, first, nil
}

// MQStats reads a broker driver's counters; see Deps.MQStats.
type MQStats func() mq.Stats
