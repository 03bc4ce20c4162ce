//go:build browser

package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
)

const (
	adminEmail    = "admin@cartwheel.local"
	adminPassword = "cartwheel-admin"
	stepTimeout   = 20 * time.Second
)

// startShop runs a dev fleet on ephemeral ports with the demo catalog, as make run
// does, with test-sized bcrypt cost and limits out of the way; env is pairs of
// variables and values that override those.
func startShop(t *testing.T, env ...string) string {
	t.Helper()
	vars := map[string]string{
		"USER_BCRYPT_COST":       "4",
		"GATEWAY_JWT_SECRET":     "browser-jwt-secret-0123456789abcdef0123456",
		"PAYMENT_WEBHOOK_SECRET": "browser-webhook-secret-0123456789abcdef01",
		"GATEWAY_RATE_PER_IP":    "10000",
		"GATEWAY_BURST_PER_IP":   "10000",
		"GATEWAY_RATE_PER_USER":  "10000",
		"GATEWAY_BURST_PER_USER": "10000",
		"PRODUCT_SEED_DEMO":      "true",
		"CARTWHEEL_TEST_FLEET":   "1",
	}
	for i := 0; i+1 < len(env); i += 2 {
		vars[env[i]] = env[i+1]
	}
	level := slog.LevelWarn
	if os.Getenv("CARTWHEEL_E2E_DEBUG") != "" {
		level = slog.LevelDebug
	}
	f, err := fleet.Start(context.Background(), fleet.Options{
		DataDir:   t.TempDir(),
		Ephemeral: true,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		Env:       vars,
		Broker:    embedded.Options{PollInterval: 20 * time.Millisecond, CheckAfter: 500 * time.Millisecond},
	})
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(f.Stop)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(f.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return f.URL
}

// chromiumPath is Debian's chromium; scripts/browser.sh installs it and exports
// CARTWHEEL_CHROMIUM. Missing, the test fails: it never skips.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("CARTWHEEL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: run scripts/browser.sh, which installs Debian's chromium package")
	return ""
}

// browser is one headless Chromium for a test; each actor gets a tab in a browser
// context of its own (own cookies and storage), like a person on their own device.
type browser struct {
	t       *testing.T
	ctx     context.Context
	url     string
	shotDir string
	shotSeq int
	mu      sync.Mutex
}

func newBrowser(t *testing.T, url string) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, url: url, shotDir: artifactDir(t)}
}

// artifactDir keeps each test's screenshots under .cache/test-artifacts/browser/<test>
// (CARTWHEEL_TEST_ARTIFACTS overrides the root).
func artifactDir(t *testing.T) string {
	root := os.Getenv("CARTWHEEL_TEST_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "..", "..", ".cache", "test-artifacts", "browser")
	}
	dir := filepath.Join(root, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// actor is one person's tab. It records every console error, uncaught exception,
// browser log error (CSP violations and failed loads land there), failed request
// and HTTP error answer; the test fails on any of them.
type actor struct {
	b        *browser
	name     string
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	requests map[network.RequestID]*network.Request
	sent     []*network.Request // every request to the API, in order
	closing  bool
	product  string // the hash of a product page the journey comes back to
	expected []expectedError
	allowed  map[string]bool // URLs of expected error answers, for their log lines
}

// expectedError is an error answer a journey provokes on purpose, accepted once.
type expectedError struct {
	method, pathSuffix string
	status             int64
}

// expectError accepts one answer of status to method path (suffix), which a journey
// provokes to see how the page shows it.
func (a *actor) expectError(method, pathSuffix string, status int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expected = append(a.expected, expectedError{method, pathSuffix, status})
}

// acceptError consumes a matching expected error; the caller holds a.mu.
func (a *actor) acceptError(r *network.Response, req *network.Request) bool {
	for i, e := range a.expected {
		if req != nil && req.Method == e.method && strings.HasSuffix(r.URL, e.pathSuffix) && r.Status == e.status {
			a.expected = append(a.expected[:i], a.expected[i+1:]...)
			a.allowed[r.URL] = true
			return true
		}
	}
	return false
}

// cspProbe turns a CSP violation into a console error even where Chrome would only
// report it to the page, so the console check sees it.
const cspProbe = `document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")));`

func (b *browser) actor(name string, setup ...chromedp.Action[chromedp.Void]) *actor {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	a := &actor{b: b, name: name, ctx: ctx, requests: map[network.RequestID]*network.Request{}, allowed: map[string]bool{}}
	if err := chromedp.Listen(ctx, a.observe); err != nil {
		b.t.Fatalf("%s: listen: %v", name, err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		b.t.Fatalf("%s: add CSP probe: %v", name, err)
	}
	if err := chromedp.Do(ctx, setup...); err != nil {
		b.t.Fatalf("%s: setup: %v", name, err)
	}
	// Cleanups run last-in first-out: the check sees everything up to the end of
	// the test, then the tab closes (requests it cuts short are not failures).
	b.t.Cleanup(func() {
		a.mu.Lock()
		a.closing = true
		a.mu.Unlock()
		cancel()
	})
	b.t.Cleanup(a.check)
	return a
}

func (a *actor) observe(ev any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return
	}
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		a.requests[ev.RequestID] = ev.Request
		if strings.Contains(ev.Request.URL, "/api/") {
			a.sent = append(a.sent, ev.Request)
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 && !a.acceptError(ev.Response, a.requests[ev.RequestID]) {
			a.problems = append(a.problems, fmt.Sprintf("HTTP %d from %s", ev.Response.Status, ev.Response.URL))
		}
	case *network.EventLoadingFailed:
		url := ""
		if r := a.requests[ev.RequestID]; r != nil {
			url = r.URL
		}
		a.problems = append(a.problems, fmt.Sprintf("request failed: %s %s (blocked: %s)", url, ev.ErrorText, ev.BlockedReason))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, arg := range ev.Args {
				if arg.Value != nil {
					parts = append(parts, string(arg.Value))
				} else {
					parts = append(parts, arg.Description)
				}
			}
			a.problems = append(a.problems, "console error: "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		a.problems = append(a.problems, "uncaught exception: "+text)
	case *log.EventEntryAdded:
		// The browser logs every error answer; an expected one is no problem.
		if ev.Entry.Level == log.EntryLevelError && !(ev.Entry.Source == log.EntrySourceNetwork && a.allowed[ev.Entry.URL]) {
			a.problems = append(a.problems, fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

func (a *actor) check() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.problems {
		a.b.t.Errorf("%s: %s", a.name, p)
	}
	for _, e := range a.expected {
		a.b.t.Errorf("%s: expected error %d on %s %s never came", a.name, e.status, e.method, e.pathSuffix)
	}
}

// waitRequests waits (up to limit) until n API requests of method to path were sent;
// for what the page does on its own clock, such as renewing its token.
func (a *actor) waitRequests(method, pathSuffix string, n int, limit time.Duration) {
	a.b.t.Helper()
	deadline := time.Now().Add(limit)
	for len(a.apiRequests(method, pathSuffix)) < n {
		if time.Now().After(deadline) {
			a.b.t.Fatalf("%s: %d %s %s requests after %s, want %d", a.name, len(a.apiRequests(method, pathSuffix)), method, pathSuffix, limit, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apiRequests lists the API requests sent so far with this method and path suffix.
func (a *actor) apiRequests(method, pathSuffix string) []*network.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*network.Request
	for _, r := range a.sent {
		if r.Method == method && strings.HasSuffix(strings.SplitN(r.URL, "?", 2)[0], pathSuffix) {
			out = append(out, r)
		}
	}
	return out
}

// do runs steps with a deadline; a failure takes a screenshot first.
func (a *actor) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	a.b.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		a.shot("FAILED-" + what)
		a.b.t.Fatalf("%s: %s: %v", a.name, what, err)
	}
}

// open loads a page of the shop (path plus optional #/route). Within the page already
// loaded, only the route changes, as following a link would.
func (a *actor) open(target string) {
	a.b.t.Helper()
	path, hash, _ := strings.Cut(target, "#")
	if hash != "" && a.eval(`location.origin + location.pathname`) == a.b.url+path {
		a.eval(fmt.Sprintf(`location.hash = %s`, jsString("#"+hash)))
		return
	}
	a.do("open "+target, chromedp.Navigate(a.b.url+target))
}

// waitFor waits until a JavaScript condition is true, e.g. an element's text.
func (a *actor) waitFor(what, condition string) {
	a.b.t.Helper()
	a.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[chromedp.Void](condition, chromedp.WithPollingTimeout(stepTimeout))(ctx, t)
		return err
	}))
}

// waitText waits until the element matching css contains text.
func (a *actor) waitText(css, text string) {
	a.b.t.Helper()
	a.waitFor(fmt.Sprintf("%q shows %q", css, text),
		fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.textContent.includes(%s); })()`, jsString(css), jsString(text)))
}

func (a *actor) eval(expr string) string {
	a.b.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		a.b.t.Fatalf("%s: eval %s: %v", a.name, expr, err)
	}
	return v
}

// shot keeps a full-page screenshot as a test artefact.
func (a *actor) shot(step string) {
	b := a.b
	ctx, cancel := context.WithTimeout(a.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("%s: screenshot %s: %v", a.name, step, err)
		return
	}
	b.mu.Lock()
	b.shotSeq++
	name := fmt.Sprintf("%02d-%s-%s.png", b.shotSeq, a.name, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(step, "-"))
	b.mu.Unlock()
	if err := os.WriteFile(filepath.Join(b.shotDir, name), png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

// fill types into the named inputs of a form, as a person would, after emptying them.
func (a *actor) fill(form string, fields ...string) {
	a.b.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		css := fmt.Sprintf(`%s [name=%q]`, form, fields[i])
		a.do("find "+css, chromedp.WaitVisible(chromedp.CSS(css)))
		a.eval(fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(css)))
		a.do("type into "+css, chromedp.SendKeys(chromedp.CSS(css), fields[i+1]))
	}
}

func (a *actor) click(css string) {
	a.b.t.Helper()
	a.do("click "+css, chromedp.Click(chromedp.CSS(css)))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// api calls the shop's API from the test, as a second client would.
func api(t *testing.T, url, method, path, token string, body any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

func adminToken(t *testing.T, url string) string {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(api(t, url, "POST", "/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}), &tok); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}
