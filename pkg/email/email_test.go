package email

import "testing"

func TestNormalise(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trim_and_lower", "  Alice@Example.COM ", "alice@example.com"},
		{"nfc", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"already_normal", "ann@example.com", "ann@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalise(tt.in); got != tt.want {
				t.Fatalf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMixedScript(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"latin", "ann@example.com", false},
		{"cyrillic_a_in_latin", "\u0430nn@example.com", true},
		{"cyrillic_in_domain_label", "ann@ex\u0430mple.com", true},
		{"all_cyrillic", "\u0430\u043d\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", false},
		{"greek_omicron", "b\u03bfb@example.com", true},
		{"japanese_kanji_and_kana", "\u5c71\u7530\u305f\u308d\u3046@\u4f8b.jp", false},
		{"digits_and_symbols_only", "123+4@5.6", false},
		{"accented_latin", "jos\u00e9@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MixedScript(tt.in); got != tt.want {
				t.Fatalf("MixedScript(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
