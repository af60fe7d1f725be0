package prober

import (
	v1 "k8s.io/api/core/v1"

	"orca/internal/kubelet/expansion"
)

// expandCommand substitutes $(VAR) in an exec probe's command with the
// container's env values, as upstream does. Only literal values count: the
// probe runs outside the pod's env resolution, so valueFrom entries are not
// known here. Unknown references stay as written; $$ escapes a $.
func expandCommand(cmd []string, c *v1.Container) []string {
	if c == nil || len(c.Env) == 0 {
		return cmd
	}
	vars := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			vars[e.Name] = e.Value
		}
	}
	out := make([]string, len(cmd))
	for i, arg := range cmd {
		out[i] = expansion.Expand(arg, expansion.MapLookup(vars))
	}
	return out
}
