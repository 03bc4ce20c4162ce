package rocketmq

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// RocketMQ's limits: the broker refuses what exceeds them, so they are checked here with
// a clearer error.
const (
	maxTopicLen      = 127
	maxGroupLen      = 255
	maxBodySize      = 4 << 20    // the broker's default maxMessageSize
	maxPropertiesLen = 1<<15 - 1  // properties travel with a 16-bit length
	propertySepChars = "\x01\x02" // RocketMQ's name/value and pair separators
	transientPrefix  = "__RMQ.TRANSIENT."
	halfTopic        = "RMQ_SYS_TRANS_HALF_TOPIC"
)

// reserved reports whether RocketMQ uses a property name itself: the Java client's
// MessageConst.STRING_HASH_SET, the names this client sets, and the transient prefix. A
// user property with such a name would change how the broker treats the message, so Send
// refuses them, and they are stripped from what consumers and checkers see.
func reserved(name string) bool {
	switch name {
	case "KEYS", "TAGS", "WAIT", "DELAY", "RETRY_TOPIC", "REAL_TOPIC", "REAL_QID", "TRAN_MSG",
		"PGROUP", "MIN_OFFSET", "MAX_OFFSET", "BUYER_ID", "ORIGIN_MESSAGE_ID", "TRANSFER_FLAG",
		"CORRECTION_FLAG", "MQ2_FLAG", "RECONSUME_TIME", "MSG_REGION", "TRACE_ON", "UNIQ_KEY",
		"EXTEND_UNIQ_INFO", "MAX_RECONSUME_TIMES", "CONSUME_START_TIME", "INNER_NUM",
		"INNER_BASE", "DUP_INFO", "CHECK_IMMUNITY_TIME_IN_SECONDS", "TRAN_PREPARED_QUEUE_OFFSET",
		"__transactionId__", "TRANSACTION_CHECK_TIMES", "INSTANCE_ID", "CORRELATION_ID",
		"REPLY_TO_CLIENT", "TTL", "ARRIVE_TIME", "PUSH_REPLY_TIME", "CLUSTER", "MSG_TYPE",
		"POP_CK", "POP_CK_OFFSET", "1ST_POP_TIME", "__SHARDINGKEY", "SHARDING_KEY",
		"PROPERTY_FORWARD_QUEUE_ID", "REDIRECT", "INNER_MULTI_DISPATCH",
		"INNER_MULTI_QUEUE_OFFSET", "TRACE_CONTEXT", "TIMER_DELAY_SEC", "TIMER_DELIVER_MS",
		"__BORNHOST", "BORN_TIMESTAMP", "TIMER_ENQUEUE_MS", "TIMER_DEQUEUE_MS",
		"TIMER_ROLL_TIMES", "TIMER_OUT_MS", "TIMER_DEL_UNIQKEY", "TIMER_DELAY_LEVEL",
		"__STARTDELIVERTIME", "DLQ_ORIGIN_TOPIC", "DLQ_ORIGIN_MESSAGE_ID":
		return true
	}
	return strings.HasPrefix(name, transientPrefix)
}

// validateName applies RocketMQ's rule for topic and group names: letters, digits and
// any of "%|-_", the same rule the embedded broker enforces.
func validateName(kind, name string, maxLen int) error {
	if name == "" {
		return fmt.Errorf("mq/rocketmq: empty %s", kind)
	}
	if len(name) > maxLen {
		return fmt.Errorf("mq/rocketmq: %s %q longer than %d", kind, name, maxLen)
	}
	for _, r := range name {
		if !isNameRune(r) && r != '%' && r != '|' {
			return fmt.Errorf("mq/rocketmq: %s %q may only hold letters, digits and %%|-_", kind, name)
		}
	}
	return nil
}

func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// parseTagExpr parses "*" (or "", as RocketMQ reads it) and "a || b || c" and returns the
// expression in the broker's canonical spelling.
func parseTagExpr(expr string) (string, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "*" {
		return "*", nil
	}
	tags := strings.Split(expr, "||")
	for i, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" {
			return "", fmt.Errorf("mq/rocketmq: bad tag expression %q", expr)
		}
		tags[i] = tag
	}
	return strings.Join(tags, " || "), nil
}

// toRocketMQ checks msg against what RocketMQ can carry faithfully and converts it,
// delay level included. The result is a fresh message: the client adds properties to
// what it sends, and the caller's message must not change.
func toRocketMQ(msg *mq.Message, levels DelayLevels) (*primitive.Message, error) {
	if msg == nil {
		return nil, errors.New("mq/rocketmq: nil message")
	}
	if err := validateName("topic", msg.Topic, maxTopicLen); err != nil {
		return nil, err
	}
	switch {
	case len(msg.Body) == 0:
		return nil, fmt.Errorf("mq/rocketmq: message to %s has an empty body", msg.Topic)
	case len(msg.Body) > maxBodySize:
		return nil, fmt.Errorf("mq/rocketmq: message to %s is %d bytes, over %d", msg.Topic, len(msg.Body), maxBodySize)
	case msg.Tags == "*" || strings.Contains(msg.Tags, "||") || strings.ContainsAny(msg.Tags, " \t"+propertySepChars):
		return nil, fmt.Errorf("mq/rocketmq: tag %q cannot be matched by a tag expression", msg.Tags)
	}
	for _, k := range msg.Keys {
		// Keys travel space-separated, so a key with a space would come back as two.
		if k == "" || strings.ContainsAny(k, " \t\n"+propertySepChars) {
			return nil, fmt.Errorf("mq/rocketmq: key %q must be non-empty and hold no whitespace", k)
		}
	}
	level, err := levels.level(msg.Delay)
	if err != nil {
		return nil, fmt.Errorf("mq/rocketmq: message to %s: %w", msg.Topic, err)
	}

	out := primitive.NewMessage(msg.Topic, msg.Body)
	size := 0
	for name, value := range msg.Properties {
		switch {
		case name == "" || reserved(name):
			return nil, fmt.Errorf("mq/rocketmq: property name %q is reserved by RocketMQ", name)
		case strings.ContainsAny(name+value, propertySepChars):
			return nil, fmt.Errorf("mq/rocketmq: property %q holds a RocketMQ separator byte", name)
		}
		// The client drops empty values; Property reads "" for them either way.
		out.WithProperty(name, value)
		size += len(name) + len(value) + 2
	}
	if size > maxPropertiesLen/2 { // leave room for the properties RocketMQ adds itself
		return nil, fmt.Errorf("mq/rocketmq: message to %s has %d bytes of properties, over %d", msg.Topic, size, maxPropertiesLen/2)
	}
	if msg.Tags != "" {
		out.WithTag(msg.Tags)
	}
	if len(msg.Keys) > 0 {
		out.WithKeys(msg.Keys)
	}
	if level > 0 {
		out.WithDelayTimeLevel(level)
	}
	return out, nil
}

// toDelivered converts a message a consumer or a transaction checker received. ID is the
// client-side UNIQ_KEY (the id Send returned, kept by redeliveries and check-backs),
// never the broker's offset id, which changes with every retry copy.
func toDelivered(ext *primitive.MessageExt) *mq.Delivered {
	d := &mq.Delivered{
		Message: mq.Message{
			Topic: ext.Topic,
			Tags:  ext.GetTags(),
			Body:  ext.Body,
		},
		ID:             ext.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex),
		ReconsumeTimes: int(ext.ReconsumeTimes),
		BornAt:         time.UnixMilli(ext.BornTimestamp),
	}
	if keys := ext.GetKeys(); keys != "" {
		d.Keys = strings.Fields(keys)
	}
	if d.ID == "" {
		d.ID = ext.MsgId // sent by a client that sets no UNIQ_KEY: the best id there is
	}
	// A check-back may carry the half-message topic; the real one is a property.
	if real := ext.GetProperty(primitive.PropertyRealTopic); real != "" && ext.Topic == halfTopic {
		d.Topic = real
	}
	for name, value := range ext.GetProperties() {
		if !reserved(name) {
			d.WithProperty(name, value)
		}
	}
	return d
}
