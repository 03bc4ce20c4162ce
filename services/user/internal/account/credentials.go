package account

import (
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strings"
	"unicode/utf8"

	emailpkg "github.com/cartwheel-shop/cartwheel/pkg/email"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

const (
	maxEmailChars    = 254 // RFC 5321's limit on a forward path
	minPasswordChars = 10
	maxPasswordChars = 72
	maxNameChars     = 100
)

// NormaliseEmail is the form in which emails are stored, compared and made unique
// (pkg/email, which the gateway's login throttle shares): " Alice@Example.COM" and
// "alice@example.com" are one account, and so are the NFC and NFD spellings of "é".
func NormaliseEmail(raw string) string { return emailpkg.Normalise(raw) }

// CheckCredentials applies the sign-up rules for an email and a password, reporting both
// fields at once. The configured admin account is held to the same rules as customers.
func CheckCredentials(email, password string) error {
	var v errs.Violations
	email = NormaliseEmail(email)
	check(&v, "email", checkEmail(email))
	check(&v, "password", checkPassword(password, email))
	return v.Err()
}

// checkEmail accepts a bare address only: a display name ("Bob <bob@example.com>") or a
// comment would be stored as part of the identity, and quoted local parts are a source
// of look-alike accounts.
func checkEmail(email string) string {
	if email == "" {
		return "is required"
	}
	if utf8.RuneCountInString(email) > maxEmailChars {
		return "must be at most 254 characters"
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "must be a plain email address such as name@example.com"
	}
	if strings.IndexFunc(email, isFormat) >= 0 || emailpkg.MixedScript(email) {
		return "must not mix alphabets within a part or hide invisible characters (a look-alike of another address)"
	}
	return ""
}

// checkPassword returns why password is unacceptable for the account email (normalised),
// or "". Lengths are in characters, as the OpenAPI document's minLength and maxLength
// count them; passwordKey keeps bcrypt's 72-byte limit from truncating long ones.
func checkPassword(password, email string) string {
	lower := strings.ToLower(password)
	local, _, _ := strings.Cut(email, "@")
	switch {
	case password == "":
		return "is required"
	case utf8.RuneCountInString(password) < minPasswordChars:
		return "must be at least 10 characters"
	case utf8.RuneCountInString(password) > maxPasswordChars:
		return "must be at most 72 characters"
	case email != "" && (lower == email || lower == local):
		return "must not be your email address or its name part"
	case singleRepeatedChar(password):
		return "must not be one character repeated"
	case commonPasswords[lower]:
		return "is one of the most common passwords; choose another"
	}
	return ""
}

func singleRepeatedChar(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return strings.Trim(s, string(first)) == ""
}

// commonPasswords holds, lower-cased, the entries of public breached-password top lists
// that are long enough to pass the length rule; shorter ones are already refused.
var commonPasswords = map[string]bool{
	"0123456789": true, "0987654321": true, "1234567890": true, "12345678910": true,
	"1234567891": true, "123456789a": true, "a123456789": true, "abc1234567": true,
	"1q2w3e4r5t": true, "1q2w3e4r5t6y": true, "1qaz2wsx3edc": true, "qwertyuiop": true,
	"qwerty1234": true, "qwerty12345": true, "qwerty123456": true, "asdfghjkl1": true,
	"password12": true, "password123": true, "password1234": true, "password01": true,
	"passw0rd123": true, "iloveyou12": true, "iloveyou123": true, "welcome123": true,
	"letmein123": true, "admin12345": true, "administrator": true, "changeme123": true,
	"football123": true, "baseball123": true, "princess123": true, "sunshine123": true,
	"abcdefghij": true, "trustno1234": true, "michael123": true, "superman123": true,
}

// checkName trims nothing: the caller passes the trimmed display name.
func checkName(name string) string {
	return checkText(name, 1, maxNameChars)
}

// passwordKey is what bcrypt hashes for a password. bcrypt reads at most 72 bytes and
// ignores the rest, and 72 characters of most scripts are longer than that, so a
// password beyond 72 bytes is first reduced to its SHA-256 digest (base64, 43 bytes):
// every character counts, and passwords of at most 72 bytes keep the hashes they had.
func passwordKey(password string) []byte {
	if len(password) <= bcryptMaxBytes {
		return []byte(password)
	}
	sum := sha256.Sum256([]byte(password))
	return []byte(base64.RawStdEncoding.EncodeToString(sum[:]))
}

const bcryptMaxBytes = 72
