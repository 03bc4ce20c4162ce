package embedded

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// RocketMQ's limits, enforced here too so that what runs on the embedded broker does not
// fail on the real one.
const (
	maxTopicLen = 127
	maxGroupLen = 255
	maxBodySize = 4 << 20
)

// validateName applies RocketMQ's rule for topic and group names: letters, digits and
// any of "%|-_".
func validateName(kind, name string, maxLen int) error {
	if name == "" {
		return fmt.Errorf("mq/embedded: empty %s", kind)
	}
	if len(name) > maxLen {
		return fmt.Errorf("mq/embedded: %s %q longer than %d", kind, name, maxLen)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("%|-_", r)
		if !ok {
			return fmt.Errorf("mq/embedded: %s %q may only hold letters, digits and %%|-_", kind, name)
		}
	}
	return nil
}

func validateMessage(msg *mq.Message) error {
	if msg == nil {
		return errors.New("mq/embedded: nil message")
	}
	if err := validateName("topic", msg.Topic, maxTopicLen); err != nil {
		return err
	}
	switch {
	case len(msg.Body) == 0:
		return fmt.Errorf("mq/embedded: message to %s has an empty body", msg.Topic)
	case len(msg.Body) > maxBodySize:
		return fmt.Errorf("mq/embedded: message to %s is %d bytes, over %d", msg.Topic, len(msg.Body), maxBodySize)
	case strings.Contains(msg.Tags, "||") || msg.Tags == "*":
		return fmt.Errorf("mq/embedded: tag %q cannot be matched by a tag expression", msg.Tags)
	}
	return nil
}

// tagFilter is a parsed tag expression; nil matches every tag.
type tagFilter map[string]struct{}

// parseTagExpr parses "*" (or "", as RocketMQ reads it) and "a || b || c".
func parseTagExpr(expr string) (tagFilter, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" || expr == "*" {
		return nil, nil
	}
	f := make(tagFilter)
	for _, tag := range strings.Split(expr, "||") {
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" {
			return nil, fmt.Errorf("mq/embedded: bad tag expression %q", expr)
		}
		f[tag] = struct{}{}
	}
	return f, nil
}

func (f tagFilter) matches(tag string) bool {
	if f == nil {
		return true
	}
	_, ok := f[tag]
	return ok
}
