// Package helmtest checks the Helm charts in deploy/helm with Helm v4 itself (the
// helm.sh/helm/v4/cmd/helm tool of this module): `helm lint --strict` and
// `helm template` of every chart with default, production-like and canary values; every
// rendered object decoded strictly (unknown or duplicate fields fail) into the k8s.io/api
// types; and assertions on what keeps a rollout safe.
package helmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// services are the charts of the five binaries; dbServices have a database.
var (
	services   = []string{"gateway", "user", "product", "order", "payment"}
	dbServices = map[string]bool{"user": true, "product": true, "order": true, "payment": true}
)

var (
	helmBin   string // the helm binary
	chartsDir string // a copy of deploy/helm with dependencies built
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmtest:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// setup finds helm (HELM, else this module's tool), copies deploy/helm to a temporary folder so
// the work tree stays clean, and runs `helm dependency build` library first, umbrella last.
func setup(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "helmtest-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	helmBin = os.Getenv("HELM")
	if helmBin == "" {
		// The module's tool, built once and kept in Go's cache (`go tool -n` names it).
		out, err := exec.Command("go", "tool", "-n", "helm").Output()
		if err != nil {
			return 0, fmt.Errorf("go tool -n helm: %w", err)
		}
		helmBin = strings.TrimSpace(string(out))
	}
	chartsDir = filepath.Join(tmp, "helm")
	if err := os.CopyFS(chartsDir, os.DirFS("../helm")); err != nil {
		return 0, err
	}
	// Helm keeps its caches and repository list under these; none may be the user's.
	for _, kv := range [][2]string{{"HELM_CACHE_HOME", "cache"}, {"HELM_CONFIG_HOME", "config"}, {"HELM_DATA_HOME", "data"}} {
		os.Setenv(kv[0], filepath.Join(tmp, kv[1]))
	}
	for _, c := range append(append([]string{}, services...), "cartwheel") {
		if out, err := helm("dependency", "build", filepath.Join(chartsDir, c)); err != nil {
			return 0, fmt.Errorf("helm dependency build %s: %v\n%s", c, err, out)
		}
	}
	return m.Run(), nil
}

func helm(args ...string) ([]byte, error) {
	cmd := exec.Command(helmBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}

func valuesArgs(files []string) []string {
	var args []string
	for _, f := range files {
		abs, _ := filepath.Abs(filepath.Join("testdata", f))
		args = append(args, "-f", abs)
	}
	return args
}

// rendered is one `helm template`: the k8s.io/api objects and the ServiceMonitors.
type rendered struct {
	objs     []runtime.Object
	monitors []ServiceMonitor
}

// render runs `helm template` and decodes every object strictly.
func render(t *testing.T, release, chart string, files ...string) rendered {
	t.Helper()
	out, err := helm(templateArgs(release, chart, files)...)
	if err != nil {
		t.Fatalf("helm template %s %s %v: %v\n%s", release, chart, files, err, out)
	}
	return decodeAll(t, out)
}

func templateArgs(release, chart string, files []string) []string {
	return append([]string{"template", release, filepath.Join(chartsDir, chart),
		"--namespace", "shop", "--kube-version", "1.33.0"}, valuesArgs(files)...)
}

var strict = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

func decodeAll(t *testing.T, manifest []byte) rendered {
	t.Helper()
	var r rendered
	yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifest)))
	for {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			return r
		}
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		switch {
		case meta.Kind == "" && meta.APIVersion == "":
			continue // a document of comments only
		case meta.APIVersion == "monitoring.coreos.com/v1" && meta.Kind == "ServiceMonitor":
			r.monitors = append(r.monitors, decodeServiceMonitor(t, doc))
			continue
		}
		obj, _, err := strict.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s %s does not decode strictly into k8s.io/api: %v\n%s", meta.APIVersion, meta.Kind, err, doc)
		}
		r.objs = append(r.objs, obj)
	}
}

// ServiceMonitor is the part of the Prometheus operator's CRD the chart uses; decoding
// into it with unknown fields refused catches a misspelt field as the API server would.
type ServiceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func decodeServiceMonitor(t *testing.T, doc []byte) ServiceMonitor {
	t.Helper()
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sm ServiceMonitor
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	if err := d.Decode(&sm); err != nil {
		t.Fatalf("ServiceMonitor: %v\n%s", err, doc)
	}
	return sm
}

// all returns the rendered objects of one type.
func all[T runtime.Object](r rendered) []T {
	var out []T
	for _, o := range r.objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func one[T runtime.Object](t *testing.T, r rendered) T {
	t.Helper()
	got := all[T](r)
	if len(got) != 1 {
		var zero T
		t.Fatalf("%d objects of type %T, want 1", len(got), zero)
	}
	return got[0]
}
