package prober

import (
	"strings"

	v1 "k8s.io/api/core/v1"
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
		out[i] = expand(arg, vars)
	}
	return out
}

func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			i += expandRef(s[i:], vars, &b) - 1
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandRef handles s starting with "$(": it writes the value of a known,
// closed reference or the text as is, and returns how many bytes it used.
func expandRef(s string, vars map[string]string, b *strings.Builder) int {
	end := strings.IndexByte(s, ')')
	if end < 0 {
		b.WriteString(s)
		return len(s)
	}
	name := s[2:end]
	if v, ok := vars[name]; ok {
		b.WriteString(v)
	} else {
		b.WriteString(s[:end+1])
	}
	return end + 1
}
