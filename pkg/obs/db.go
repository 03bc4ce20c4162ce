package obs

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// spanKey is where a statement's span waits between the before and after callbacks.
const spanKey = "cartwheel:span"

// TraceDB adds a client span per statement to gdb: the operation, the table and the SQL
// without its bound values (they may be personal data). gorm.io/plugin/opentelemetry
// does the same but links ClickHouse and PostgreSQL drivers into every binary; these
// few callbacks are all Cartwheel needs.
func TraceDB(gdb *gorm.DB) error {
	tracer := otel.Tracer("github.com/cartwheel-shop/cartwheel/pkg/obs/db")
	system := gdb.Dialector.Name()
	before := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.Statement == nil || tx.Statement.Context == nil || !trace.SpanFromContext(tx.Statement.Context).SpanContext().IsValid() {
				return // a statement outside any trace would start a trace of its own: noise
			}
			_, span := tracer.Start(tx.Statement.Context, op+" "+tx.Statement.Table,
				trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(attribute.String("db.system", system), attribute.String("db.operation", op),
					attribute.String("db.sql.table", tx.Statement.Table)))
			tx.InstanceSet(spanKey, span)
		}
	}
	after := func(tx *gorm.DB) {
		v, ok := tx.InstanceGet(spanKey)
		if !ok {
			return
		}
		span := v.(trace.Span)
		span.SetAttributes(attribute.String("db.statement", tx.Statement.SQL.String()), attribute.Int64("db.rows_affected", tx.RowsAffected))
		if err := tx.Error; err != nil && err != gorm.ErrRecordNotFound {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
	cb := gdb.Callback()
	hooks := []struct {
		op            string
		before, after func(string, func(*gorm.DB)) error
	}{
		{"INSERT", cb.Create().Before("gorm:create").Register, cb.Create().After("gorm:create").Register},
		{"SELECT", cb.Query().Before("gorm:query").Register, cb.Query().After("gorm:query").Register},
		{"UPDATE", cb.Update().Before("gorm:update").Register, cb.Update().After("gorm:update").Register},
		{"DELETE", cb.Delete().Before("gorm:delete").Register, cb.Delete().After("gorm:delete").Register},
		{"ROW", cb.Row().Before("gorm:row").Register, cb.Row().After("gorm:row").Register},
		{"RAW", cb.Raw().Before("gorm:raw").Register, cb.Raw().After("gorm:raw").Register},
	}
	for _, h := range hooks {
		if err := h.before("cartwheel:trace_before_"+h.op, before(h.op)); err != nil {
			return err
		}
		if err := h.after("cartwheel:trace_after_"+h.op, after); err != nil {
			return err
		}
	}
	return nil
}
