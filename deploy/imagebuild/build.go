package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed shape, shared with the test and deploy/Dockerfile.
const (
	UID        = 65532 // distroless "nonroot"
	BinDir     = "/usr/local/bin"
	WorkDir    = "/tmp" // the one writable place; the chart mounts an emptyDir here
	VersionVar = "github.com/cartwheel-shop/cartwheel/pkg/command.Version"

	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	LabelVersion  = "org.opencontainers.image.version"
	LabelTitle    = "org.opencontainers.image.title"
	LabelCreated  = "org.opencontainers.image.created"
	RefName       = "org.opencontainers.image.ref.name" // the tag in index.json
)

// Options say what to build and how to label it.
type Options struct {
	Root     string   // repository root
	Out      string   // OUT/<name>/ per image
	Names    []string // binaries to build
	Revision string   // full commit; from git when empty
	Tag      string   // tag and version; from the commit when empty
	Source   string
	Arch     string
	CACerts  string // host CA bundle copied in, or "" for none
}

// Built is one written layout.
type Built struct {
	Name, Dir, Tag string
	Digest         v1.Hash
}

// Build compiles each binary and writes its layout, replacing any previous one.
func Build(o Options) ([]Built, error) {
	if err := o.fromGit(); err != nil {
		return nil, err
	}
	var certs []byte
	if o.CACerts != "" {
		b, err := os.ReadFile(o.CACerts)
		if err != nil {
			return nil, fmt.Errorf("CA bundle (-ca-certs, empty for none): %w", err)
		}
		certs = b
	}
	created, err := commitTime(o.Root, o.Revision)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "imagebuild-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var out []Built
	for _, name := range o.Names {
		bin := filepath.Join(tmp, name)
		if err := compile(o, name, bin); err != nil {
			return nil, err
		}
		img, err := image(o, name, bin, certs, created)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		dir := filepath.Join(o.Out, name)
		if err := writeLayout(dir, img, o.Tag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d, err := img.Digest()
		if err != nil {
			return nil, err
		}
		out = append(out, Built{Name: name, Dir: dir, Tag: o.Tag, Digest: d})
	}
	return out, nil
}

// fromGit fills Revision and Tag from the work tree: the tag is the short commit, with
// -dirty when tracked files differ from it, so a tag never names two different builds.
func (o *Options) fromGit() error {
	if o.Revision == "" {
		rev, err := git(o.Root, "rev-parse", "HEAD")
		if err != nil {
			return err
		}
		o.Revision = rev
	}
	if o.Tag == "" {
		o.Tag = o.Revision[:min(12, len(o.Revision))]
		if _, err := git(o.Root, "diff", "--quiet", "HEAD", "--"); err != nil {
			o.Tag += "-dirty"
		}
	}
	return nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(b)), nil
}

// commitTime is the commit's time: every timestamp in the image, so the same commit
// builds the same layer.
func commitTime(root, rev string) (time.Time, error) {
	s, err := git(root, "show", "-s", "--format=%ct", rev)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time %q: %w", s, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

func compile(o Options, name, dst string) error {
	dir, pkg, err := mainPackage(o.Root, name)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X "+VersionVar+"="+o.Tag, "-o", abs, pkg)
	cmd.Dir = dir
	work, err := filepath.Abs(filepath.Join(o.Root, "go.work"))
	if err != nil {
		return err
	}
	// The repository's workspace, as `make build` uses, even when this program runs with
	// GOWORK=off (it is a module of its own, outside go.work).
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+o.Arch, "GOWORK="+work)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (in %s): %w", pkg, dir, err)
	}
	return nil
}

// image is one layer on nothing: the user database naming the non-root user, the CA
// bundle, a world-writable /tmp and the binary. No shell, no package manager.
func image(o Options, name, bin string, certs []byte, created time.Time) (v1.Image, error) {
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	files := []file{
		{path: "etc/", mode: 0o755 | os.ModeDir},
		{path: "etc/passwd", mode: 0o644, body: []byte(fmt.Sprintf(
			"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", UID, UID))},
		{path: "etc/group", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", UID))},
		{path: "home/", mode: 0o755 | os.ModeDir},
		{path: "home/nonroot/", mode: 0o700 | os.ModeDir, uid: UID},
		{path: "tmp/", mode: 0o777 | os.ModeDir | os.ModeSticky},
		{path: "usr/", mode: 0o755 | os.ModeDir},
		{path: "usr/local/", mode: 0o755 | os.ModeDir},
		{path: "usr/local/bin/", mode: 0o755 | os.ModeDir},
		{path: strings.TrimPrefix(BinDir, "/") + "/" + name, mode: 0o755, body: exe},
	}
	if certs != nil {
		files = append(files,
			file{path: "etc/ssl/", mode: 0o755 | os.ModeDir},
			file{path: "etc/ssl/certs/", mode: 0o755 | os.ModeDir},
			file{path: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: certs})
	}
	layerTar, err := tarOf(files, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "imagebuild " + name, Comment: "static " + name + " binary"}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = o.Arch, "linux"
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", UID, UID),
		Entrypoint: []string{BinDir + "/" + name},
		Cmd:        []string{"serve"},
		WorkingDir: WorkDir,
		Env:        []string{"HOME=/home/nonroot"},
		Labels: map[string]string{
			LabelRevision: o.Revision,
			LabelSource:   o.Source,
			LabelVersion:  o.Tag,
			LabelTitle:    "cartwheel-" + name,
			LabelCreated:  created.Format(time.RFC3339),
		},
	}
	return mutate.ConfigFile(img, cf)
}

type file struct {
	path string
	mode os.FileMode
	uid  int
	body []byte
}

func tarOf(files []file, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.path, Mode: int64(f.mode.Perm()), Uid: f.uid, Gid: f.uid,
			ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case f.mode.IsDir():
			h.Typeflag = tar.TypeDir
			if f.mode&os.ModeSticky != 0 {
				h.Mode |= 0o1000
			}
		default:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeLayout writes a fresh layout in a sibling folder and swaps it in, so a failed
// build never leaves half a layout and a rebuild never appends to the old index.
func writeLayout(dir string, img v1.Image, tag string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp := dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{RefName: tag})); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}
