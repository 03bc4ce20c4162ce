package gateway

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestPagesAreServedUnderAStrictCSP(t *testing.T) {
	h := start(t, newFakes())
	for _, path := range []string{"/", "/admin", "/admin/"} {
		a := h.do(call{method: "GET", path: path})
		if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, a.status, a.header.Get("Content-Type"))
		}
		csp := a.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP %q allows something unsafe", path, csp)
		}
		if a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	for file, ctype := range map[string]string{"store.js": "text/javascript", "style.css": "text/css", "favicon.svg": "image/svg+xml"} {
		a := h.do(call{method: "GET", path: "/assets/" + file})
		if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), ctype) {
			t.Errorf("GET /assets/%s: %d %s, want 200 %s", file, a.status, a.header.Get("Content-Type"), ctype)
		}
	}
	for _, path := range []string{"/assets/nope.js", "/assets/..%2Fstore.html", "/assets/api.go"} {
		a := h.do(call{method: "GET", path: path})
		if a.status != http.StatusNotFound || a.envelope(t).Code != "NOT_FOUND" {
			t.Errorf("GET %s: %d %s, want 404 NOT_FOUND", path, a.status, a.body)
		}
	}
}

// The CSP forbids inline script and style; the browser tests would catch a violation
// at run time, this catches it in every unit pass. Text from the API must never
// become markup, so the scripts build DOM nodes and never assign HTML.
func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	scriptTag := regexp.MustCompile(`(?i)<script[^>]*>`)
	inline := map[string]*regexp.Regexp{
		".html": regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=|javascript:`),
		".js":   regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\.style\.|setAttribute\("style"`),
	}
	checked := 0
	err := fs.WalkDir(webFiles, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for ext, re := range inline {
			if !strings.HasSuffix(path, ext) {
				continue
			}
			body, err := webFiles.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for _, tag := range scriptTag.FindAll(body, -1) {
				if !strings.Contains(string(tag), " src=") {
					t.Errorf("%s: inline %s", path, tag)
				}
			}
			if m := re.Find(body); m != nil {
				t.Errorf("%s: %q breaks the page's CSP or builds HTML from text", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("checked %d files; the pages are missing from the binary", checked)
	}
}
