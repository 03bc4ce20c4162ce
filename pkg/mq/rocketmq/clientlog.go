package rocketmq

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// clientLog is what rocketmq-client-go logs through (rlog): the process's slog logger
// instead of the client's own logrus on stdout, at warn and above unless rlog's level is
// lowered, and with every message among its fields reduced to its identity. The client
// logs whole messages, bodies included (on a rolled-back or unknown local transaction, on
// a failed consume), and a body may carry a customer's address or email.
type clientLog struct {
	log   *slog.Logger
	level atomic.Int64 // a slog.Level
}

var installClientLogOnce sync.Once

// installClientLog hands rlog, a process-global of the library, to logger. Only the first
// call has effect, and it must come before the first client starts, which Open ensures:
// rlog swaps its logger without synchronisation.
func installClientLog(logger *slog.Logger) {
	installClientLogOnce.Do(func() { rlog.SetLogger(newClientLog(logger)) })
}

func newClientLog(logger *slog.Logger) *clientLog {
	l := &clientLog{log: logger.With("component", "rocketmq-client")}
	l.level.Store(int64(slog.LevelWarn))
	return l
}

var _ rlog.Logger = (*clientLog)(nil)

func (l *clientLog) Debug(msg string, fields map[string]any)   { l.emit(slog.LevelDebug, msg, fields) }
func (l *clientLog) Info(msg string, fields map[string]any)    { l.emit(slog.LevelInfo, msg, fields) }
func (l *clientLog) Warning(msg string, fields map[string]any) { l.emit(slog.LevelWarn, msg, fields) }
func (l *clientLog) Error(msg string, fields map[string]any)   { l.emit(slog.LevelError, msg, fields) }

// Fatal logs at error: the client calls it where it has given up, and deciding to end the
// process is main's business, not a library's.
func (l *clientLog) Fatal(msg string, fields map[string]any) { l.emit(slog.LevelError, msg, fields) }

// Level takes rlog's names: debug, info, warn, error, fatal. Others are ignored.
func (l *clientLog) Level(level string) {
	switch strings.ToLower(level) {
	case "debug":
		l.level.Store(int64(slog.LevelDebug))
	case "info":
		l.level.Store(int64(slog.LevelInfo))
	case "warn", "warning":
		l.level.Store(int64(slog.LevelWarn))
	case "error", "fatal":
		l.level.Store(int64(slog.LevelError))
	}
}

// OutputPath is a no-op: where logs go is the slog handler's business.
func (l *clientLog) OutputPath(string) error { return nil }

func (l *clientLog) emit(level slog.Level, msg string, fields map[string]any) {
	if level < slog.Level(l.level.Load()) {
		return
	}
	attrs := make([]any, 0, 2*len(fields))
	for k, v := range fields {
		attrs = append(attrs, k, redact(v))
	}
	l.log.Log(context.Background(), level, strings.TrimSpace(msg), attrs...) // rlog carries no context
}

// redact replaces a message, or a list of them, with its identity: topic, tags, keys and
// ids, never the body or the properties.
func redact(v any) any {
	switch m := v.(type) {
	case *primitive.Message:
		return identity(m, "")
	case *primitive.MessageExt:
		if m == nil {
			return nil
		}
		return identity(&m.Message, m.MsgId)
	case []*primitive.Message:
		out := make([]string, len(m))
		for i := range m {
			out[i] = identity(m[i], "")
		}
		return out
	case []*primitive.MessageExt:
		out := make([]string, len(m))
		for i := range m {
			if m[i] != nil {
				out[i] = identity(&m[i].Message, m[i].MsgId)
			}
		}
		return out
	default:
		return v
	}
}

func identity(m *primitive.Message, msgID string) string {
	if m == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("topic=%s tags=%s keys=%s bytes=%d", m.Topic, m.GetTags(), m.GetKeys(), len(m.Body))
	if id := m.TransactionId; id != "" {
		s += " transaction_id=" + id
	}
	if msgID != "" {
		s += " msg_id=" + msgID
	}
	return s
}
