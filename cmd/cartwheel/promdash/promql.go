package promdash

import (
	"fmt"
	"strings"
)

// PromQL words that are never metric names: aggregation operators, functions, binary
// operators, modifiers, and number literals. Functions are the PromQL 3.x set; an
// unknown name followed by "(" is an error, so a typo in a function name fails the lint.
var (
	aggregations = set("sum", "avg", "count", "min", "max", "stddev", "stdvar", "topk",
		"bottomk", "quantile", "count_values", "group", "limitk", "limit_ratio")
	functions = set("abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh",
		"atan", "atanh", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
		"cos", "cosh", "count_over_time", "day_of_month", "day_of_week", "day_of_year",
		"days_in_month", "deg", "delta", "deriv", "double_exponential_smoothing", "exp",
		"first_over_time", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
		"histogram_quantile", "histogram_stddev", "histogram_stdvar", "histogram_sum",
		"hour", "idelta", "increase", "info", "irate", "label_join", "label_replace",
		"last_over_time", "ln", "log10", "log2", "mad_over_time", "max_over_time",
		"min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time",
		"quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh",
		"sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt",
		"stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time",
		"timestamp", "ts_of_max_over_time", "ts_of_min_over_time", "vector", "year")
	// Words followed by a parenthesised list of label names.
	labelLists = set("by", "without", "on", "ignoring", "group_left", "group_right")
	// Binary operators and modifiers spelled as words.
	keywords = set("and", "or", "unless", "atan2", "bool", "offset", "start", "end")
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ExprMetrics returns the metric names a PromQL expression selects, in order of first
// appearance, or an error when the expression is not well formed: an unterminated
// string, unbalanced (), [] or {}, an unknown function, a stray character, or no
// selector at all.
//
// It is a tokenizer, not the Prometheus parser (docs/decisions.md says why): it knows
// PromQL's lexical structure (strings, numbers, durations, comments, selectors, label
// lists after by/without/on/ignoring/group_left/group_right) and Grafana's template
// variables ($name, ${name}, $__rate_interval; [[name]] in a range), which is what finding metric
// names needs; it does not check operator precedence or argument types.
func ExprMetrics(expr string) ([]string, error) {
	l := lexer{src: expr}
	return l.run()
}

type lexer struct {
	src   string
	pos   int
	stack []byte // open brackets: '(', '[', '{'
	names []string
	seen  map[string]bool
	// what the previous token was, to tell a label list from a call and a matcher's
	// label from its value.
	prevWord    string // the identifier just read, if the last token was one
	listDepth   []int  // stack depths at which a by(...)-style label list is open
	selectors   int    // selectors (metric names or {...} matchers) seen
	matcherName string // inside {}: the label name of the matcher being read
}

func (l *lexer) errorf(format string, args ...any) error {
	return fmt.Errorf("promql %q at offset %d: %s", l.src, l.pos, fmt.Sprintf(format, args...))
}

func (l *lexer) add(name string) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if !l.seen[name] {
		l.seen[name] = true
		l.names = append(l.names, name)
	}
}

func (l *lexer) top() byte {
	if len(l.stack) == 0 {
		return 0
	}
	return l.stack[len(l.stack)-1]
}

func (l *lexer) inLabelList() bool {
	n := len(l.listDepth)
	return n > 0 && l.listDepth[n-1] == len(l.stack)
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func (l *lexer) run() ([]string, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.pos++
			continue
		case c == '#': // comment to the end of the line
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
			continue
		case c == '"' || c == '\'' || c == '`':
			s, err := l.str()
			if err != nil {
				return nil, err
			}
			if l.top() == '{' && l.matcherName == "__name__" {
				l.add(s)
				l.selectors++
			}
			l.matcherName = ""
		case c == '$':
			if err := l.variable(); err != nil {
				return nil, err
			}
		case c >= '0' && c <= '9' || (c == '.' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9'):
			l.number()
		case isIdentStart(c):
			if err := l.word(); err != nil {
				return nil, err
			}
			continue // word sets prevWord itself
		case c == '(' || c == '[' || c == '{':
			if c == '{' {
				if l.top() == '{' {
					return nil, l.errorf("nested {")
				}
				l.selectors++
				l.matcherName = ""
			}
			if c == '(' && labelLists[l.prevWord] {
				l.listDepth = append(l.listDepth, len(l.stack)+1)
			}
			l.stack = append(l.stack, c)
			l.pos++
			if c == '[' { // a range or subquery: durations and variables only
				if err := l.brackets(); err != nil {
					return nil, err
				}
			}
		case c == ')' || c == ']' || c == '}':
			want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if l.top() != want {
				return nil, l.errorf("unbalanced %q", c)
			}
			if l.inLabelList() {
				l.listDepth = l.listDepth[:len(l.listDepth)-1]
			}
			l.stack = l.stack[:len(l.stack)-1]
			l.pos++
		case strings.ContainsRune("+-*/%^=!<>,@~", rune(c)):
			// In a matcher only __name__="..." names a metric; =~, != and !~ do not.
			if l.top() == '{' && (c == '!' || (c == '=' && strings.HasPrefix(l.src[l.pos:], "=~"))) {
				l.matcherName = ""
			}
			l.pos++
		default:
			return nil, l.errorf("unexpected character %q", c)
		}
		l.prevWord = ""
	}
	if len(l.stack) > 0 {
		return nil, l.errorf("unclosed %q", l.top())
	}
	if l.selectors == 0 {
		return nil, l.errorf("no metric selector")
	}
	return l.names, nil
}

// str skips a quoted string and returns its contents (escapes kept as written, which is
// enough for metric names).
func (l *lexer) str() (string, error) {
	q := l.src[l.pos]
	start := l.pos + 1
	for i := start; i < len(l.src); i++ {
		switch l.src[i] {
		case '\\':
			if q != '`' {
				i++
			}
		case q:
			l.pos = i + 1
			return l.src[start:i], nil
		}
	}
	return "", l.errorf("unterminated string")
}

// variable skips a Grafana template variable: $name, ${name}, ${name:format}.
func (l *lexer) variable() error {
	l.pos++
	if l.pos < len(l.src) && l.src[l.pos] == '{' {
		end := strings.IndexByte(l.src[l.pos:], '}')
		if end < 0 {
			return l.errorf("unterminated ${variable}")
		}
		l.pos += end + 1
		return nil
	}
	start := l.pos
	for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
		l.pos++
	}
	if l.pos == start {
		return l.errorf("$ without a variable name")
	}
	return nil
}

// number skips a number literal: decimal, hex, with a fraction and exponent, or a
// duration such as 5m or 1h30m (offset 5m).
func (l *lexer) number() {
	start := l.pos
	hex := strings.HasPrefix(strings.ToLower(l.src[start:]), "0x")
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if isIdentChar(c) || c == '.' {
			l.pos++
			continue
		}
		if (c == '+' || c == '-') && !hex && (l.src[l.pos-1] == 'e' || l.src[l.pos-1] == 'E') {
			l.pos++
			continue
		}
		break
	}
}

// brackets reads the inside of [...] up to its ]: durations (5m, 1h30m:1m), Grafana
// variables, and nothing else.
func (l *lexer) brackets() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ']':
			return nil // closed by run
		case c == '[' && strings.HasPrefix(l.src[l.pos:], "[["): // Grafana's old [[var]]
			end := strings.Index(l.src[l.pos:], "]]")
			if end < 0 {
				return l.errorf("unterminated [[variable]]")
			}
			l.pos += end + 2
		case c == '$':
			if err := l.variable(); err != nil {
				return err
			}
		case isIdentChar(c) || c == ':' || c == ' ' || c == '.':
			l.pos++
		default:
			return l.errorf("unexpected %q in a range", c)
		}
	}
	return l.errorf("unclosed [")
}

// word reads an identifier and decides what it is.
func (l *lexer) word() error {
	start := l.pos
	for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
		l.pos++
	}
	w := l.src[start:l.pos]
	next := l.pos
	for next < len(l.src) && strings.IndexByte(" \t\r\n", l.src[next]) >= 0 {
		next++
	}
	followedBy := byte(0)
	if next < len(l.src) {
		followedBy = l.src[next]
	}
	lower := strings.ToLower(w)
	switch {
	case l.top() == '{':
		l.matcherName = w // a label name in a matcher
	case l.inLabelList():
		// a label name in by (...), on (...), ...
	case labelLists[lower] || keywords[lower]:
	case aggregations[lower]: // sum(...), sum by (...) (...), sum without (...) (...)
	case lower == "inf" || lower == "nan":
	case followedBy == '(':
		if !aggregations[lower] && !functions[lower] {
			return l.errorf("unknown function %q", w)
		}
	default:
		l.add(w)
		l.selectors++
	}
	l.prevWord = lower
	return nil
}
