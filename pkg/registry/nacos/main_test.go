package nacos_test

import (
	"fmt"
	"os"
	"testing"
)

// sdkDir holds the SDK's log and cache files for the whole test binary: the SDK keeps
// one process-wide logger, which would still be writing when a per-test t.TempDir is
// removed.
var sdkDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cartwheel-nacos-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sdkDir = dir
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "nacos SDK logs kept in %s\n", dir)
	} else {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
