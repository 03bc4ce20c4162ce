// Package text holds Cartwheel's one rule for a line of free text a person types: a
// name, an address line, a category or product name, a stock reason, a carrier. The
// gateway applies it to request bodies, the services to what they store, and the
// OpenAPI document states it as a pattern (Pattern), so a client, the binder and the
// services cannot disagree.
//
// A line is judged after trimming white space (unicode.IsSpace) from both ends. What
// remains must be valid UTF-8 without control characters (Cc: tabs, newlines, C1) and
// without invisible format characters (Cf: bidi overrides that make "Ann\u202Enimda"
// display as "Annadmin", zero-width characters that make two equal-looking names
// differ).
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reason returns why s, trimmed, is not a line of min..max characters (runes, so a
// limit means the same in every script), or "" when it is. min 0 makes the line
// optional: empty or only white space is then fine.
func Reason(s string, min, max int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	s = strings.TrimSpace(s)
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "must not contain control characters"
	}
	if strings.ContainsFunc(s, isFormat) {
		return "must not contain invisible formatting characters (bidi controls, zero-width characters)"
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		return "is required"
	case n > max && min == 0:
		return fmt.Sprintf("must be at most %d characters", max)
	case n < min || n > max:
		return fmt.Sprintf("must be %d to %d characters", min, max)
	}
	return ""
}

// Valid reports whether s is a line with at least one visible character (required) or
// any line at all (not required), leaving lengths to the caller.
func Valid(s string, required bool) bool {
	min := 0
	if required {
		min = 1
	}
	return Reason(s, min, utf8.RuneCountInString(s)) == ""
}

// isFormat: the format characters of the Basic Multilingual Plane, where every bidi
// control and zero-width character is. Those beyond it (tag characters that spell the
// flags of England or Scotland, musical and hieroglyph layout controls) are left to the
// scripts that use them, and keep Pattern within what regular expression engines of
// every client handle.
func isFormat(r rune) bool { return r <= 0xFFFF && unicode.Is(unicode.Cf, r) }

// Pattern is the rule of Valid as an ECMA-262 (and Python) regular expression, the
// form the OpenAPI document states it in: white space at either end, and between them
// characters that are neither controls nor format characters, the first and last of
// them not white space. Every character is written \uXXXX, which both dialects read.
func Pattern(required bool) string {
	space := class(rangesOf(unicode.White_Space))
	controls := append(rangesOf(unicode.Cc), bmp(rangesOf(unicode.Cf))...)
	bad := class(controls)
	badOrSpace := class(append(controls, rangesOf(unicode.White_Space)...))
	core := "[^" + badOrSpace + "](?:[^" + bad + "]*[^" + badOrSpace + "])?"
	if !required {
		core = "(?:" + core + ")?"
	}
	return "^[" + space + "]*" + core + "[" + space + "]*$"
}

// bmp keeps the ranges within the Basic Multilingual Plane.
func bmp(ranges [][2]rune) [][2]rune {
	var out [][2]rune
	for _, r := range ranges {
		if r[0] <= 0xFFFF {
			out = append(out, [2]rune{r[0], min(r[1], 0xFFFF)})
		}
	}
	return out
}

// rangesOf flattens a Unicode table into inclusive rune ranges.
func rangesOf(t *unicode.RangeTable) [][2]rune {
	var out [][2]rune
	for _, r := range t.R16 {
		out = append(out, stride(rune(r.Lo), rune(r.Hi), rune(r.Stride))...)
	}
	for _, r := range t.R32 {
		out = append(out, stride(rune(r.Lo), rune(r.Hi), rune(r.Stride))...)
	}
	return out
}

func stride(lo, hi, step rune) [][2]rune {
	if step == 1 {
		return [][2]rune{{lo, hi}}
	}
	var out [][2]rune
	for r := lo; r <= hi; r += step {
		out = append(out, [2]rune{r, r})
	}
	return out
}

// class writes ranges as the inside of a character class.
func class(ranges [][2]rune) string {
	var b strings.Builder
	for _, r := range ranges {
		b.WriteString(char(r[0]))
		if r[1] != r[0] {
			b.WriteString("-" + char(r[1]))
		}
	}
	return b.String()
}

func char(r rune) string { return fmt.Sprintf(`\u%04X`, r) }
