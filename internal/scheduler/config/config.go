// Package config reads the scheduler's configuration file: a subset of
// kube-scheduler's KubeSchedulerConfiguration (same apiVersion, kind and
// field names), so files written for kube-scheduler mostly work as they are.
package config

import (
	"fmt"
	"os"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"orca/internal/scheduler/framework"
	"orca/internal/scheduler/plugins"
)

// File is the part of KubeSchedulerConfiguration orca understands.
type File struct {
	APIVersion               string    `json:"apiVersion"`
	Kind                     string    `json:"kind"`
	PercentageOfNodesToScore *int32    `json:"percentageOfNodesToScore,omitempty"`
	Profiles                 []Profile `json:"profiles,omitempty"`
}

// Profile configures the (single) scheduling profile.
type Profile struct {
	SchedulerName string         `json:"schedulerName,omitempty"`
	Plugins       *Plugins       `json:"plugins,omitempty"`
	PluginConfig  []PluginConfig `json:"pluginConfig,omitempty"`
}

// Plugins enables or disables plugins per extension point. orca applies
// "disabled" to every extension point of a plugin, and "enabled" weights
// at the score point.
type Plugins struct {
	Filter PluginSet `json:"filter,omitempty"`
	Score  PluginSet `json:"score,omitempty"`
}

type PluginSet struct {
	Enabled  []Plugin `json:"enabled,omitempty"`
	Disabled []Plugin `json:"disabled,omitempty"`
}

type Plugin struct {
	Name   string `json:"name"`
	Weight *int32 `json:"weight,omitempty"`
}

type PluginConfig struct {
	Name string  `json:"name"`
	Args FitArgs `json:"args"`
}

// FitArgs are NodeResourcesFit's arguments.
type FitArgs struct {
	ScoringStrategy *ScoringStrategy `json:"scoringStrategy,omitempty"`
}

type ScoringStrategy struct {
	Type      string             `json:"type"`
	Resources []ResourceSpecArgs `json:"resources,omitempty"`
}

type ResourceSpecArgs struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight"`
}

// Config is what the scheduler takes from a file.
type Config struct {
	SchedulerName            string
	PercentageOfNodesToScore int32
	Plugins                  func(plugins.VolumeLister) []framework.PluginWeight
}

// Load reads and checks a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse checks a configuration and turns it into a profile. Unknown fields
// are errors, so a typo never silently falls back to a default.
func Parse(data []byte) (*Config, error) {
	var f File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("scheduler config: %w", err)
	}
	if f.Kind != "KubeSchedulerConfiguration" || (f.APIVersion != "kubescheduler.config.k8s.io/v1" && f.APIVersion != "") {
		return nil, fmt.Errorf("scheduler config: want apiVersion kubescheduler.config.k8s.io/v1, kind KubeSchedulerConfiguration; got %q, %q", f.APIVersion, f.Kind)
	}
	cfg := &Config{SchedulerName: corev1.DefaultSchedulerName}
	if p := f.PercentageOfNodesToScore; p != nil {
		if *p < 0 || *p > 100 {
			return nil, fmt.Errorf("scheduler config: percentageOfNodesToScore: Invalid value: %d: not in valid range [0-100]", *p)
		}
		cfg.PercentageOfNodesToScore = *p
	}
	if len(f.Profiles) > 1 {
		return nil, fmt.Errorf("scheduler config: profiles: orca runs one profile, got %d", len(f.Profiles))
	}
	var prof Profile
	if len(f.Profiles) == 1 {
		prof = f.Profiles[0]
	}
	if prof.SchedulerName != "" {
		cfg.SchedulerName = prof.SchedulerName
	}
	build, err := profile(prof)
	if err != nil {
		return nil, err
	}
	cfg.Plugins = build
	return cfg, nil
}

// profile checks the plugin settings against the default plugin set and
// returns a builder applying them.
func profile(p Profile) (func(plugins.VolumeLister) []framework.PluginWeight, error) {
	known := map[string]bool{}
	for _, pw := range plugins.DefaultPlugins(nil) {
		known[pw.Plugin.Name()] = true
	}
	var disabled []string
	weights := map[string]int64{}
	if p.Plugins != nil {
		for _, pl := range append(p.Plugins.Filter.Disabled, p.Plugins.Score.Disabled...) {
			if pl.Name != "*" && !known[pl.Name] {
				return nil, fmt.Errorf("scheduler config: unknown plugin %q", pl.Name)
			}
			disabled = append(disabled, pl.Name)
		}
		for _, pl := range p.Plugins.Score.Enabled {
			if !known[pl.Name] {
				return nil, fmt.Errorf("scheduler config: unknown plugin %q", pl.Name)
			}
			if pl.Weight != nil {
				if *pl.Weight < 1 || *pl.Weight > 100 {
					return nil, fmt.Errorf("scheduler config: plugin %s: weight %d not in [1, 100]", pl.Name, *pl.Weight)
				}
				weights[pl.Name] = int64(*pl.Weight)
			}
		}
	}
	fit, err := fitArgs(p.PluginConfig)
	if err != nil {
		return nil, err
	}
	return func(v plugins.VolumeLister) []framework.PluginWeight {
		var out []framework.PluginWeight
		for _, pw := range plugins.DefaultPlugins(v) {
			name := pw.Plugin.Name()
			if _, reEnabled := weights[name]; (slices.Contains(disabled, name) || slices.Contains(disabled, "*")) && !reEnabled {
				continue
			}
			if w, ok := weights[name]; ok {
				pw.Weight = w
			}
			if _, isFit := pw.Plugin.(plugins.NodeResourcesFit); isFit && fit != nil {
				pw.Plugin = *fit
			}
			out = append(out, pw)
		}
		return out
	}, nil
}

func fitArgs(pcs []PluginConfig) (*plugins.NodeResourcesFit, error) {
	for _, pc := range pcs {
		if pc.Name != plugins.NodeResourcesFitName {
			return nil, fmt.Errorf("scheduler config: pluginConfig for %q is not supported (only %s)", pc.Name, plugins.NodeResourcesFitName)
		}
		s := pc.Args.ScoringStrategy
		if s == nil {
			continue
		}
		fit := plugins.NodeResourcesFit{}
		switch plugins.ScoringStrategy(s.Type) {
		case plugins.LeastAllocated, plugins.MostAllocated:
			fit.Strategy = plugins.ScoringStrategy(s.Type)
		default:
			return nil, fmt.Errorf("scheduler config: scoringStrategy.type: Unsupported value: %q: supported values: \"LeastAllocated\", \"MostAllocated\"", s.Type)
		}
		for _, r := range s.Resources {
			if r.Weight < 1 || r.Weight > 100 {
				return nil, fmt.Errorf("scheduler config: resource %s: weight %d not in [1, 100]", r.Name, r.Weight)
			}
			fit.Resources = append(fit.Resources, plugins.ResourceWeight{Name: corev1.ResourceName(r.Name), Weight: r.Weight})
		}
		return &fit, nil
	}
	return nil, nil
}
