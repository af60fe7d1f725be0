package config

import (
	"strings"
	"testing"

	"orca/internal/scheduler/plugins"
)

func TestParse(t *testing.T) {
	cfg, err := Parse([]byte(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: bin-packer
  plugins:
    score:
      enabled: [{name: NodeResourcesFit, weight: 5}]
      disabled: [{name: ImageLocality}]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu, weight: 2}, {name: memory, weight: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SchedulerName != "bin-packer" || cfg.PercentageOfNodesToScore != 30 {
		t.Fatalf("got %+v", cfg)
	}
	var sawFit bool
	for _, pw := range cfg.Plugins(nil) {
		switch p := pw.Plugin.(type) {
		case plugins.ImageLocality:
			t.Fatal("disabled ImageLocality still in the profile")
		case plugins.NodeResourcesFit:
			sawFit = true
			if pw.Weight != 5 || p.Strategy != plugins.MostAllocated || len(p.Resources) != 2 || p.Resources[0].Weight != 2 {
				t.Fatalf("NodeResourcesFit weight %d args %+v", pw.Weight, p)
			}
		}
	}
	if !sawFit {
		t.Fatal("NodeResourcesFit missing")
	}
}

func TestDefaultsWithoutProfiles(t *testing.T) {
	cfg, err := Parse([]byte("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SchedulerName != "default-scheduler" || len(cfg.Plugins(nil)) != len(plugins.DefaultPlugins(nil)) {
		t.Fatalf("defaults: %+v, %d plugins", cfg, len(cfg.Plugins(nil)))
	}
}

func TestParseErrors(t *testing.T) {
	head := "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
	for name, tc := range map[string]struct{ body, want string }{
		"wrong kind":       {"apiVersion: v1\nkind: ConfigMap\n", "want apiVersion"},
		"unknown field":    {head + "percentOfNodes: 3\n", "unknown field"},
		"percentage range": {head + "percentageOfNodesToScore: 101\n", "not in valid range"},
		"unknown plugin":   {head + "profiles: [{plugins: {score: {disabled: [{name: Nope}]}}}]\n", `unknown plugin "Nope"`},
		"bad weight":       {head + "profiles: [{plugins: {score: {enabled: [{name: TaintToleration, weight: 0}]}}}]\n", "weight 0"},
		"bad strategy":     {head + "profiles: [{pluginConfig: [{name: NodeResourcesFit, args: {scoringStrategy: {type: Random}}}]}]\n", "Unsupported value"},
		"two profiles":     {head + "profiles: [{}, {}]\n", "one profile"},
		"unsupported args": {head + "profiles: [{pluginConfig: [{name: InterPodAffinity, args: {}}]}]\n", "not supported"},
	} {
		_, err := Parse([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, tc.want)
		}
	}
}
