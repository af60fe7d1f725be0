package framework

import (
	"fmt"
)

// Rand is the tie-breaking source. *math/rand/v2.Rand satisfies it; it is
// injected so tests are deterministic. It is used from one goroutine per
// Schedule call, so share one only between sequential calls.
type Rand interface {
	IntN(n int) int
}

// PluginWeight pairs a plugin with its score weight (ignored if the plugin
// does not score).
type PluginWeight struct {
	Plugin Plugin
	Weight int64
}

// Framework is one profile: plugins sorted into extension points, in the
// order given, plus the knobs of a cycle. It is read-only after New.
type Framework struct {
	preFilter    []PreFilterPlugin
	filter       []FilterPlugin
	preScore     []PreScorePlugin
	score        []ScorePlugin
	scoreWeights map[string]int64

	// Parallelism bounds the goroutines used across nodes (default 16).
	Parallelism int
	// PercentageOfNodesToScore: 0 means the adaptive default.
	PercentageOfNodesToScore int32
	Rand                     Rand
}

// New sorts plugins into the extension points each implements.
func New(plugins []PluginWeight, rnd Rand) (*Framework, error) {
	f := &Framework{scoreWeights: map[string]int64{}, Parallelism: 16, Rand: rnd}
	seen := map[string]bool{}
	for _, pw := range plugins {
		name := pw.Plugin.Name()
		if seen[name] {
			return nil, fmt.Errorf("plugin %q registered twice", name)
		}
		seen[name] = true
		f.add(pw)
	}
	return f, nil
}

func (f *Framework) add(pw PluginWeight) {
	if p, ok := pw.Plugin.(PreFilterPlugin); ok {
		f.preFilter = append(f.preFilter, p)
	}
	if p, ok := pw.Plugin.(FilterPlugin); ok {
		f.filter = append(f.filter, p)
	}
	if p, ok := pw.Plugin.(PreScorePlugin); ok {
		f.preScore = append(f.preScore, p)
	}
	if p, ok := pw.Plugin.(ScorePlugin); ok {
		w := pw.Weight
		if w == 0 {
			w = 1 // upstream: an unset weight means 1
		}
		f.score = append(f.score, p)
		f.scoreWeights[p.Name()] = w
	}
}

// HasScorePlugins reports whether scoring can change the choice.
func (f *Framework) HasScorePlugins() bool { return len(f.score) > 0 }
