package promdash

import (
	"net"
	"os"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// deploy/observability/prometheus.yml scrapes exactly the admin listeners scripts/fleet.sh
// gives the make up fleet, one job cartwheel-<name> each, on loopback.
func TestScrapeConfigMatchesFleet(t *testing.T) {
	script, err := os.ReadFile("../../../scripts/fleet.sh")
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^declare -rA ADMIN_PORT=\((.*)\)$`).FindSubmatch(script)
	if decl == nil {
		t.Fatal("scripts/fleet.sh declares no ADMIN_PORT table")
	}
	want := map[string]string{} // job -> target
	for _, m := range regexp.MustCompile(`\[(\w+)\]=(\d+)`).FindAllSubmatch(decl[1], -1) {
		want["cartwheel-"+string(m[1])] = "127.0.0.1:" + string(m[2])
	}
	if len(want) != 5 {
		t.Fatalf("ADMIN_PORT in scripts/fleet.sh: %s", decl[1])
	}

	raw, err := os.ReadFile("../../../deploy/observability/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	got := map[string]string{}
	for _, sc := range cfg.ScrapeConfigs {
		if _, dup := got[sc.JobName]; dup {
			t.Errorf("job %s twice", sc.JobName)
		}
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				if host, _, err := net.SplitHostPort(target); err != nil || host != "127.0.0.1" {
					t.Errorf("job %s: target %q is not on 127.0.0.1", sc.JobName, target)
				}
				got[sc.JobName] = target
			}
		}
	}
	for job, target := range want {
		if got[job] != target {
			t.Errorf("job %s scrapes %q, want %q (scripts/fleet.sh)", job, got[job], target)
		}
	}
	for job := range got {
		if want[job] == "" {
			t.Errorf("job %s is not a make up binary", job)
		}
	}
}
