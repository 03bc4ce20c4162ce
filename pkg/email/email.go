// Package email holds the one normal form of an email address, shared by the user
// service (which stores and compares it) and the gateway (which throttles logins per
// account), so both name an account the same way.
package email

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalise is the form in which emails are stored, compared and made unique: trimmed,
// in Unicode NFC (so a precomposed "é" and "e" + combining accent are one address), and
// lower-cased, so " Alice@Example.COM" and "alice@example.com" are one account.
func Normalise(raw string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(raw)))
}

// scripts group the tables an address's letters are classified by. Han, Hiragana and
// Katakana mix in ordinary Japanese and make one group; a letter of no group is "other".
var scripts = [][]*unicode.RangeTable{
	{unicode.Latin}, {unicode.Cyrillic}, {unicode.Greek}, {unicode.Armenian}, {unicode.Hebrew},
	{unicode.Arabic}, {unicode.Han, unicode.Hiragana, unicode.Katakana}, {unicode.Hangul},
	{unicode.Thai}, {unicode.Devanagari}, {unicode.Georgian},
}

// MixedScript reports whether the letters of one part of the address (the local part,
// or one label of the domain) come from more than one script group, the mark of a
// look-alike address ("аnn@example.com" with a Cyrillic "а"). Parts may differ from
// each other: "山田@例.jp" is an ordinary address.
func MixedScript(addr string) bool {
	for part := range strings.FieldsFuncSeq(addr, func(r rune) bool { return r == '@' || r == '.' }) {
		if mixed(part) {
			return true
		}
	}
	return false
}

func mixed(s string) bool {
	seen := -1
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		group := len(scripts) // other
		for i, tables := range scripts {
			if unicode.In(r, tables...) {
				group = i
				break
			}
		}
		if seen >= 0 && group != seen {
			return true
		}
		seen = group
	}
	return false
}
