package helmtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestLintStrict(t *testing.T) {
	cases := map[string][][]string{"cartwheel-lib": {nil}, "cartwheel": {nil, {"umbrella-production.yaml"}}}
	for _, s := range services {
		cases[s] = [][]string{nil, {"production.yaml"}, {"canary.yaml"}}
	}
	for chart, sets := range cases {
		for _, files := range sets {
			t.Run(fmt.Sprintf("%s%v", chart, files), func(t *testing.T) {
				args := append([]string{"lint", "--strict", "--kube-version", "1.33.0", filepath.Join(chartsDir, chart)}, valuesArgs(files)...)
				if out, err := helm(args...); err != nil {
					t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			})
		}
	}
}

// values is what one values set must produce.
type values struct {
	files      []string
	track      string
	autoscale  bool
	maxSurge   intstr.IntOrString
	extras     bool // NetworkPolicy, ServiceMonitor, dashboard
	migrations bool // for services with a database
}

var valueSets = map[string]values{
	"default":    {track: "stable", autoscale: true, maxSurge: intstr.FromInt32(1), migrations: true},
	"production": {files: []string{"production.yaml"}, track: "stable", autoscale: true, maxSurge: intstr.FromString("10%"), extras: true, migrations: true},
	"canary":     {files: []string{"canary.yaml"}, track: "canary", maxSurge: intstr.FromInt32(1)},
}

// secretVars are the variables each binary must read from the existing Secret.
var secretVars = map[string][]string{
	"gateway": {"GATEWAY_JWT_SECRET", "GATEWAY_REDIS_PASSWORD"},
	"user":    {"USER_DB_DSN", "USER_ADMIN_PASSWORD"},
	"product": {"PRODUCT_DB_DSN", "PRODUCT_REDIS_PASSWORD"},
	"order":   {"ORDER_DB_DSN"},
	"payment": {"PAYMENT_DB_DSN", "PAYMENT_WEBHOOK_SECRET"},
}

var ports = map[string]int32{"gateway": 8080, "user": 8881, "product": 8882, "order": 8883, "payment": 8884}

func TestServiceCharts(t *testing.T) {
	for _, svc := range services {
		for setName, vs := range valueSets {
			t.Run(svc+"/"+setName, func(t *testing.T) {
				release := "shop"
				if vs.track == "canary" {
					release = svc + "-canary"
				}
				r := render(t, release, svc, vs.files...)
				checkService(t, svc, vs, r)
			})
		}
	}
}

func checkService(t *testing.T, svc string, vs values, r rendered) {
	prefix := strings.ToUpper(svc) + "_"
	if n := len(all[*corev1.Secret](r)); n != 0 {
		t.Errorf("the chart renders %d Secret(s); secrets must come from an existing Secret", n)
	}
	d := one[*appsv1.Deployment](t, r)
	pod := d.Spec.Template
	if pod.Labels["cartwheel.io/track"] != vs.track {
		t.Errorf("pod track label %q, want %q", pod.Labels["cartwheel.io/track"], vs.track)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod's labels", k, v)
		}
	}
	if (d.Spec.Replicas == nil) != vs.autoscale {
		t.Errorf("replicas %v with autoscaling %v: the HPA owns replicas, or the Deployment does", d.Spec.Replicas, vs.autoscale)
	}

	// Rollout: one extra pod at a time, never one fewer.
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil {
		t.Fatalf("strategy %+v, want RollingUpdate", d.Spec.Strategy)
	}
	if ru.MaxUnavailable.String() != "0" || ru.MaxSurge.String() != vs.maxSurge.String() {
		t.Errorf("maxUnavailable %s maxSurge %s, want 0 and %s", ru.MaxUnavailable, ru.MaxSurge, vs.maxSurge.String())
	}
	// A ready pod is listed in Nacos a moment after /readyz turns 200 (docs/resilience.md).
	if d.Spec.MinReadySeconds < 1 {
		t.Errorf("minReadySeconds %d: a new pod must wait for its registration before the old one stops", d.Spec.MinReadySeconds)
	}

	// Pod security.
	ps := pod.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 ||
		ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v: want non-root and seccomp RuntimeDefault", ps)
	}
	if pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token")
	}
	sa := one[*corev1.ServiceAccount](t, r)
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken || pod.Spec.ServiceAccountName != sa.Name {
		t.Errorf("ServiceAccount %s (automount %v), pod uses %q", sa.Name, sa.AutomountServiceAccountToken, pod.Spec.ServiceAccountName)
	}
	if len(pod.Spec.TopologySpreadConstraints) == 0 {
		t.Error("no topology spread constraints")
	}
	for _, tsc := range pod.Spec.TopologySpreadConstraints {
		for k, v := range tsc.LabelSelector.MatchLabels {
			if pod.Labels[k] != v {
				t.Errorf("topology spread selects %s=%s, not this pod", k, v)
			}
		}
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	checkContainerSecurity(t, c)
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
	}

	// Probes on the admin port; liveness never on /readyz (which checks the engines).
	admin := containerPort(c, "admin")
	if admin != 9090 {
		t.Errorf("admin port %d, want 9090", admin)
	}
	for name, want := range map[string]struct {
		p    *corev1.Probe
		path string
	}{"startup": {c.StartupProbe, "/healthz"}, "liveness": {c.LivenessProbe, "/healthz"}, "readiness": {c.ReadinessProbe, "/readyz"}} {
		if want.p == nil || want.p.HTTPGet == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if want.p.HTTPGet.Path != want.path || want.p.HTTPGet.Port.String() != "admin" {
			t.Errorf("%s probe GET %s on port %s, want %s on admin", name, want.p.HTTPGet.Path, want.p.HTTPGet.Port.String(), want.path)
		}
	}

	// Shutdown: preStop sleeps (no shell in the image), then the drain fits in the grace period.
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Exec != nil {
		t.Fatalf("preStop %+v: want the sleep action", c.Lifecycle)
	}
	cm := configMap(t, r, d.Name)
	drain := seconds(t, cm[prefix+"DRAIN_DELAY"]) + seconds(t, cm[prefix+"REGISTRY_NACOS_DRAIN"]) + 10
	if grace := *pod.Spec.TerminationGracePeriodSeconds; grace <= c.Lifecycle.PreStop.Sleep.Seconds+drain {
		t.Errorf("terminationGracePeriodSeconds %d <= preStop %d + drain %d", grace, c.Lifecycle.PreStop.Sleep.Seconds, drain)
	}

	// Listening: the admin port on every interface of the pod, the service port on the
	// pod's IP (what it registers in Nacos).
	if got := cm[prefix+"ADMIN_ADDR"]; got != "0.0.0.0:9090" {
		t.Errorf("%sADMIN_ADDR = %q", prefix, got)
	}
	env := envOf(c)
	if got, want := env[prefix+"ADDR"].Value, fmt.Sprintf("$(POD_IP):%d", ports[svc]); got != want {
		t.Errorf("%sADDR = %q, want %q", prefix, got, want)
	}
	if f := env["POD_IP"].ValueFrom; f == nil || f.FieldRef == nil || f.FieldRef.FieldPath != "status.podIP" {
		t.Error("POD_IP does not come from status.podIP")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != d.Name {
		t.Errorf("envFrom %+v, want the ConfigMap %s", c.EnvFrom, d.Name)
	}
	if got := cm[prefix+"REGISTRY_NACOS_TRACK"]; got != vs.track {
		t.Errorf("%sREGISTRY_NACOS_TRACK = %q, want %q (the Nacos metadata of the instances)", prefix, got, vs.track)
	}
	if cm[prefix+"REGISTRY_DRIVER"] != "nacos" || cm[prefix+"REGISTRY_NACOS_ADDR"] == "" {
		t.Errorf("registry settings %v", cm)
	}
	checkLive(t, svc, cm)
	if dbServices[svc] && (cm[prefix+"DB_DRIVER"] != "mysql" || cm[prefix+"DB_MAX_OPEN_CONNS"] == "") {
		t.Errorf("database settings missing from the ConfigMap: %v", cm)
	}
	checkSecrets(t, svc, env)
	// The binaries refuse the sandbox payer in production (gateway and payment Validate).
	if cm[prefix+"ENV"] == "production" && (svc == "gateway" || svc == "payment") && cm[prefix+"SANDBOX_ENABLED"] != "false" {
		t.Errorf("%sENV=production with %sSANDBOX_ENABLED=%q: the binary would refuse to start", prefix, prefix, cm[prefix+"SANDBOX_ENABLED"])
	}
	for k, v := range cm {
		if strings.Contains(strings.ToLower(k), "secret") || strings.Contains(k, "DSN") || strings.Contains(k, "PASSWORD") {
			t.Errorf("ConfigMap holds %s=%q: secrets come from the Secret only", k, v)
		}
	}

	// Service selects exactly this release's pods.
	s := one[*corev1.Service](t, r)
	for k, v := range s.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("Service selects %s=%s, not this pod", k, v)
		}
	}

	hpas, pdbs := all[*autoscalingv2.HorizontalPodAutoscaler](r), all[*policyv1.PodDisruptionBudget](r)
	if vs.autoscale {
		if len(hpas) != 1 {
			t.Fatalf("%d HPAs", len(hpas))
		}
		h := hpas[0]
		if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.MaxReplicas < *h.Spec.MinReplicas || len(h.Spec.Metrics) == 0 {
			t.Errorf("HPA %+v", h.Spec)
		}
		if len(pdbs) != 1 {
			t.Fatalf("%d PDBs", len(pdbs))
		}
		p := pdbs[0]
		if p.Spec.MaxUnavailable == nil || p.Spec.MaxUnavailable.String() != "1" {
			t.Errorf("PDB maxUnavailable %v", p.Spec.MaxUnavailable)
		}
		for k, v := range p.Spec.Selector.MatchLabels {
			if pod.Labels[k] != v {
				t.Errorf("PDB selects %s=%s, not this pod", k, v)
			}
		}
	} else if len(hpas)+len(pdbs) != 0 {
		t.Errorf("%d HPAs and %d PDBs for a release without autoscaling", len(hpas), len(pdbs))
	}

	jobs := all[*batchv1.Job](r)
	if dbServices[svc] && vs.migrations {
		if len(jobs) != 1 {
			t.Fatalf("%d migration Jobs", len(jobs))
		}
		checkMigration(t, svc, jobs[0], cm, c.Image)
		if matches(s.Spec.Selector, jobs[0].Spec.Template.Labels) {
			t.Error("the Service selects the migration pods")
		}
	} else if len(jobs) != 0 {
		t.Errorf("%d Jobs; want none (no database, or a canary)", len(jobs))
	}

	nps := all[*networkingv1.NetworkPolicy](r)
	var dashboards int
	for _, m := range all[*corev1.ConfigMap](r) {
		if m.Labels["grafana_dashboard"] == "1" {
			dashboards++
		}
	}
	if vs.extras {
		if len(nps) != 1 || len(r.monitors) != 1 || dashboards != 1 {
			t.Errorf("NetworkPolicy %d, ServiceMonitor %d, dashboard %d; want one of each", len(nps), len(r.monitors), dashboards)
		} else if ep := r.monitors[0].Spec.Endpoints; len(ep) != 1 || ep[0].Port != "admin" || ep[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v", ep)
		}
	} else if len(nps)+len(r.monitors)+dashboards != 0 {
		t.Errorf("optional objects rendered by default: NetworkPolicy %d, ServiceMonitor %d, dashboard %d", len(nps), len(r.monitors), dashboards)
	}
}

func checkContainerSecurity(t *testing.T, c corev1.Container) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.Capabilities == nil ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container %s securityContext %+v: want read-only root, no escalation, non-root, drop ALL, seccomp RuntimeDefault", c.Name, sc)
	}
	var tmp bool
	for _, m := range c.VolumeMounts {
		tmp = tmp || m.MountPath == "/tmp"
	}
	if !tmp {
		t.Errorf("container %s: no writable /tmp (the Nacos SDK's log and cache live there)", c.Name)
	}
}

func checkSecrets(t *testing.T, svc string, env map[string]corev1.EnvVar) {
	t.Helper()
	for _, name := range secretVars[svc] {
		e, ok := env[name]
		if !ok || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name == "" {
			t.Errorf("%s: want it from an existing Secret, got %+v", name, e)
		}
	}
}

func checkMigration(t *testing.T, svc string, j *batchv1.Job, cm map[string]string, image string) {
	t.Helper()
	hooks := strings.Split(j.Annotations["helm.sh/hook"], ",")
	if len(hooks) != 2 || hooks[0] != "pre-install" || hooks[1] != "pre-upgrade" {
		t.Errorf("migration hook %q, want pre-install,pre-upgrade", j.Annotations["helm.sh/hook"])
	}
	if !strings.Contains(j.Annotations["helm.sh/hook-delete-policy"], "before-hook-creation") {
		t.Errorf("hook-delete-policy %q: a failed Job would block the next upgrade", j.Annotations["helm.sh/hook-delete-policy"])
	}
	pod := j.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || len(pod.Containers) != 1 {
		t.Fatalf("migration pod %+v", pod)
	}
	c := pod.Containers[0]
	if len(c.Args) != 1 || c.Args[0] != "migrate" || c.Image != image {
		t.Errorf("migration runs %s %v, want %s migrate", c.Image, c.Args, image)
	}
	checkContainerSecurity(t, c)
	env := envOf(c)
	checkSecrets(t, svc, env)
	// The hook runs before the ConfigMap exists: it carries the same settings inline.
	for k, v := range cm {
		if env[k].Value != v {
			t.Errorf("migration %s=%q, the ConfigMap says %q", k, env[k].Value, v)
		}
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the migration pod mounts a service account token")
	}
}

// TestPoolGuard: a values file whose HPA ceiling times the pool exceeds the budget fails
// to render, naming the numbers; the gateway has no database and renders.
func TestPoolGuard(t *testing.T) {
	for _, svc := range services {
		t.Run(svc, func(t *testing.T) {
			out, err := helm(templateArgs("shop", svc, []string{"pool-breach.yaml"})...)
			if !dbServices[svc] {
				if err != nil {
					t.Fatalf("gateway has no database pool, yet: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatal("rendered although (20 + 1) x 10 connections exceed the budget of 120")
			}
			for _, want := range []string{"DB pool guard", "autoscaling.maxReplicas 20", "maxSurge 1", "maxOpenConns 10", "= 210", "connectionBudget 120"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("message lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestRefusedValues: the other guards and the schema refuse what would break production.
func TestRefusedValues(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"terminationGracePeriodSeconds=15", "must exceed preStop 5 + registry drain 3 + drain delay 3 + in-flight 10 = 21"},
		{"secrets.existingSecret=", "secrets.existingSecret must name the Secret holding DB_DSN"},
		{"track=blue", "track"},
		{"database.maxOpenConns=0", "maxOpenConns"},
		{"nacos.addr=nacos", "addr"},
		{"rollingUpdate.maxSurge=lots", "maxSurge"},
		{"image.digest=latest", "digest"},
		{"database.maxIdleConns=11", "maxIdleConns 11 is above database.maxOpenConns 10"},
		{"dashboard.enabled=true", "dashboard.enabled needs dashboard.json"},
		{"unknownSetting=1", "unknownSetting"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			out, err := helm(append(templateArgs("shop", "order", nil), "--set", tc.set)...)
			if err == nil {
				t.Fatalf("--set %s rendered", tc.set)
			}
			if !bytes.Contains(out, []byte(tc.want)) {
				t.Errorf("--set %s: message lacks %q:\n%s", tc.set, tc.want, out)
			}
		})
	}
}

// checkLive: the gateway follows its live settings in the Nacos it registers in (same
// address, group and namespace), starting from the chart's values; no other binary
// reads live settings.
func checkLive(t *testing.T, svc string, cm map[string]string) {
	t.Helper()
	if svc != "gateway" {
		for k := range cm {
			if strings.Contains(k, "_LIVE_") || strings.HasSuffix(k, "_CANARY_SHARE") {
				t.Errorf("%s renders %s: only the gateway has live settings", svc, k)
			}
		}
		return
	}
	for k, want := range map[string]string{
		"GATEWAY_LIVE_SOURCE":      "nacos",
		"GATEWAY_LIVE_DATA_ID":     "gateway-live.json",
		"GATEWAY_LIVE_NACOS_ADDR":  cm["GATEWAY_REGISTRY_NACOS_ADDR"],
		"GATEWAY_LIVE_NACOS_GROUP": cm["GATEWAY_REGISTRY_NACOS_GROUP"],
		"GATEWAY_CANARY_SHARE":     "0",
		"GATEWAY_RATE_PER_IP":      "50",
		"GATEWAY_BURST_PER_IP":     "100",
	} {
		if cm[k] != want || want == "" {
			t.Errorf("%s = %q, want %q", k, cm[k], want)
		}
	}
	if cm["GATEWAY_LIVE_NACOS_LOG_DIR"] == "" || cm["GATEWAY_LIVE_NACOS_CACHE_DIR"] == "" {
		t.Error("the live settings' Nacos client has no log or cache folder (the binary refuses to start)")
	}
}

// TestRefusedLiveValues: the gateway's live block refuses what the binary would refuse.
func TestRefusedLiveValues(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"live.canarySharePercent=150", "canarySharePercent"},
		{"live.source=redis", "source"},
		{"live.ratePerIP=0", "ratePerIP"},
		{"live.burstPerUser=0", "burstPerUser"},
		{"live.dataId=", "dataId"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			out, err := helm(append(templateArgs("shop", "gateway", nil), "--set", tc.set)...)
			if err == nil {
				t.Fatalf("--set %s rendered", tc.set)
			}
			if !bytes.Contains(out, []byte(tc.want)) {
				t.Errorf("--set %s: message lacks %q:\n%s", tc.set, tc.want, out)
			}
		})
	}
}

// TestUmbrella: every service by default; <name>.enabled=false leaves one out.
func TestUmbrella(t *testing.T) {
	names := func(r rendered) map[string]bool {
		m := map[string]bool{}
		for _, d := range all[*appsv1.Deployment](r) {
			m[d.Labels["app.kubernetes.io/name"]] = true
		}
		return m
	}
	r := render(t, "shop", "cartwheel")
	got := names(r)
	for _, s := range services {
		if !got[s] {
			t.Errorf("the umbrella does not deploy %s", s)
		}
	}
	if n := len(all[*batchv1.Job](r)); n != len(dbServices) {
		t.Errorf("%d migration Jobs, want %d", n, len(dbServices))
	}
	r = render(t, "shop", "cartwheel", "umbrella-production.yaml")
	got = names(r)
	if got["payment"] || !got["order"] || len(got) != 4 {
		t.Errorf("payment.enabled=false deploys %v", got)
	}
	for _, h := range all[*autoscalingv2.HorizontalPodAutoscaler](r) {
		if h.Name == "shop-order" && h.Spec.MaxReplicas != 6 {
			t.Errorf("order.autoscaling.maxReplicas=6 gave %d", h.Spec.MaxReplicas)
		}
	}
	for _, m := range all[*corev1.ConfigMap](r) {
		if addr, ok := m.Data[strings.ToUpper(m.Labels["app.kubernetes.io/name"])+"_REGISTRY_NACOS_ADDR"]; ok && addr != "nacos.infra.svc:8848" {
			t.Errorf("%s: Nacos %q, want the umbrella's", m.Name, addr)
		}
	}
}

// TestSchemasAreOne: the five charts validate their values with one schema.
func TestSchemasAreOne(t *testing.T) {
	want, err := os.ReadFile("../helm/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range services {
		got, err := os.ReadFile(filepath.Join("../helm", s, "values.schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/helm/%s/values.schema.json differs from deploy/helm/values.schema.json (cp it)", s)
		}
	}
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

func configMap(t *testing.T, r rendered, name string) map[string]string {
	t.Helper()
	for _, m := range all[*corev1.ConfigMap](r) {
		if m.Name == name {
			return m.Data
		}
	}
	t.Fatalf("no ConfigMap %s", name)
	return nil
}

func seconds(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscanf(s, "%ds", &n); err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return n
}
