// Command imagebuild builds Cartwheel's container images without a Docker daemon: for
// each binary it compiles a static Linux executable (CGO_ENABLED=0, version stamped
// with -ldflags -X), puts it in a single layer with a numeric non-root user and no
// shell, and writes an OCI image layout (oci-layout, index.json, blobs/) per image,
// tagged with the git commit, ready for `crane push` or `skopeo copy oci:DIR:TAG ...`.
//
//	go run . -root ../.. -out ../../build/images [gateway user product order payment]
//
// deploy/Dockerfile builds the same image with Docker.
package main

import (
	"flag"
	"fmt"
	"log"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("imagebuild: ")
	var o Options
	flag.StringVar(&o.Root, "root", "../..", "the repository's root (go.work)")
	flag.StringVar(&o.Out, "out", "../../build/images", "where the layouts go: OUT/<name>/")
	flag.StringVar(&o.Revision, "revision", "", "full git commit; default: git rev-parse HEAD in -root")
	flag.StringVar(&o.Tag, "tag", "", "image tag and version; default: the 12-character commit (+ -dirty)")
	flag.StringVar(&o.Source, "source", DefaultSource, "org.opencontainers.image.source")
	flag.StringVar(&o.Arch, "arch", runtime.GOARCH, "GOARCH of the image")
	flag.StringVar(&o.CACerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle copied into the image; empty for none")
	flag.Parse()
	o.Names = flag.Args()
	if len(o.Names) == 0 {
		o.Names = Binaries
	}
	start := time.Now()
	built, err := Build(o)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range built {
		fmt.Printf("%s\t%s\t%s\n", b.Dir, b.Tag, b.Digest)
	}
	log.Printf("%d image(s) in %s", len(built), time.Since(start).Round(time.Millisecond))
}

// Binaries are the five deployable programs and where their main packages live
// (module folder, package path inside it).
var Binaries = []string{"gateway", "user", "product", "order", "payment"}

func mainPackage(root, name string) (dir, pkg string, err error) {
	switch name {
	case "gateway":
		return filepath.Join(root, "gateway"), "./cmd/gateway", nil
	case "user", "product", "order", "payment":
		return filepath.Join(root, "services", name), "./cmd/" + name, nil
	}
	return "", "", fmt.Errorf("unknown binary %q (want one of %s)", name, strings.Join(Binaries, ", "))
}

// DefaultSource is the repository the images say they come from.
const DefaultSource = "https://github.com/cartwheel-shop/cartwheel"
