package main

import (
	"archive/tar"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// TestImages opens each image layout and checks what a cluster will rely on. With
// CARTWHEEL_IMAGES=DIR (what `make images-test` sets) it checks the layouts `make images`
// wrote there, for the binaries named in CARTWHEEL_IMAGE_NAMES (default: all five);
// without it, it builds the order image into a temporary folder first.
func TestImages(t *testing.T) {
	dir := os.Getenv("CARTWHEEL_IMAGES")
	names := Binaries
	if s := os.Getenv("CARTWHEEL_IMAGE_NAMES"); s != "" {
		names = strings.Fields(s)
	}
	if dir == "" {
		dir, names = t.TempDir(), []string{"order"}
		if _, err := Build(Options{Root: "../..", Out: dir, Names: names, Source: DefaultSource,
			Arch: runtime.GOARCH}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { checkImage(t, filepath.Join(dir, name), name) })
	}
}

func checkImage(t *testing.T, dir, name string) {
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("%s is not an OCI layout: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index.json lists %d manifests, want 1", len(im.Manifests))
	}
	desc := im.Manifests[0]
	tag := desc.Annotations[RefName]
	if tag == "" {
		t.Fatalf("index.json: no %s (the tag)", RefName)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config

	uid, gid, ok := strings.Cut(c.User, ":")
	if n, err := strconv.Atoi(uid); !ok || err != nil || n == 0 {
		t.Errorf("User = %q, want a numeric non-root uid:gid", c.User)
	}
	if _, err := strconv.Atoi(gid); err != nil {
		t.Errorf("User = %q: group is not numeric", c.User)
	}
	exe := BinDir + "/" + name
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != exe {
		t.Errorf("Entrypoint = %q, want [%s]", c.Entrypoint, exe)
	}
	rev := c.Labels[LabelRevision]
	if len(rev) != 40 {
		t.Errorf("label %s = %q, want a full commit", LabelRevision, rev)
	}
	if !strings.HasPrefix(tag, rev[:min(12, len(rev))]) || c.Labels[LabelVersion] != tag {
		t.Errorf("tag %q, %s %q, revision %q: want the tag and version to be the commit", tag, LabelVersion, c.Labels[LabelVersion], rev)
	}
	if c.Labels[LabelSource] == "" {
		t.Errorf("label %s missing", LabelSource)
	}
	if cf.OS != "linux" || cf.Architecture == "" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}

	files := extract(t, img, exe)
	for _, sh := range []string{"bin/sh", "bin/bash", "bin/busybox", "usr/bin/sh"} {
		if _, ok := files[sh]; ok {
			t.Errorf("the image has a shell: /%s", sh)
		}
	}
	if !strings.Contains(string(files["etc/passwd"].body), ":"+uid+":") {
		t.Errorf("/etc/passwd names no user %s", uid)
	}
	bin, ok := files[strings.TrimPrefix(exe, "/")]
	if !ok {
		t.Fatalf("the layer has no %s", exe)
	}
	if bin.mode&0o111 == 0 {
		t.Errorf("%s is not executable: %o", exe, bin.mode)
	}
	local := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(local, bin.body, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked (it has an interpreter); want CGO_ENABLED=0", exe)
		}
	}
	f.Close()
	if cf.Architecture != runtime.GOARCH {
		t.Fatalf("image is %s; cannot run it on %s", cf.Architecture, runtime.GOARCH)
	}
	// The bare binary, no configuration, no environment: what `docker run IMAGE version` does.
	cmd := exec.Command(local, "version")
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", exe, err, out)
	}
	if want := name + " " + tag + "\n"; string(out) != want {
		t.Errorf("%s version printed %q, want %q", exe, out, want)
	}
}

type entry struct {
	mode int64
	body []byte
}

// extract reads the image's flattened filesystem; only small files and want keep bodies.
func extract(t *testing.T, img v1.Image, want string) map[string]entry {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]entry{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		e := entry{mode: h.Mode}
		if h.Typeflag == tar.TypeReg && (h.Size < 1<<16 || "/"+name == want) {
			if e.body, err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
		files[name] = e
	}
}
