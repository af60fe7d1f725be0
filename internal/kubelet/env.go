package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"orca/internal/kubelet/expansion"
	"orca/internal/kubelet/fieldpath"
)

// configError is a container setting that cannot be resolved (a missing
// ConfigMap key, say): the container waits with CreateContainerConfigError.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{fmt.Sprintf(format, args...)}
}

// envVars resolves a container's environment in upstream's order: service
// links first, then envFrom, then env, each later one overriding and able to
// reference the earlier ones with $(NAME).
func (k *Kubelet) envVars(ctx context.Context, pod *v1.Pod, c *v1.Container) ([]envVar, error) {
	env := newEnvList()
	for _, kv := range k.serviceEnv(pod) {
		env.set(kv.name, kv.value)
	}
	for _, from := range c.EnvFrom {
		if err := k.envFrom(ctx, pod, from, env); err != nil {
			return nil, err
		}
	}
	for _, e := range c.Env {
		v, err := k.envValue(ctx, pod, c, e, env)
		if err != nil {
			return nil, err
		}
		env.set(e.Name, v)
	}
	return env.list(), nil
}

type envVar struct{ name, value string }

// envList keeps first-definition order while letting later values win.
type envList struct {
	order []string
	vals  map[string]string
}

func newEnvList() *envList { return &envList{vals: map[string]string{}} }

func (l *envList) set(k, v string) {
	if _, ok := l.vals[k]; !ok {
		l.order = append(l.order, k)
	}
	l.vals[k] = v
}

func (l *envList) lookup(k string) (string, bool) { v, ok := l.vals[k]; return v, ok }

func (l *envList) list() []envVar {
	out := make([]envVar, 0, len(l.order))
	for _, k := range l.order {
		out = append(out, envVar{k, l.vals[k]})
	}
	return out
}

func (k *Kubelet) envFrom(ctx context.Context, pod *v1.Pod, from v1.EnvFromSource, env *envList) error {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional(from.ConfigMapRef.Optional) {
				return nil
			}
			return wrapGetError(err, "configmap", from.ConfigMapRef.Name)
		}
		data = cm.Data
	case from.SecretRef != nil:
		s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional(from.SecretRef.Optional) {
				return nil
			}
			return wrapGetError(err, "secret", from.SecretRef.Name)
		}
		data = map[string]string{}
		for key, v := range s.Data {
			data[key] = string(v)
		}
	}
	keys := make([]string, 0, len(data))
	for key := range data {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name := from.Prefix + key
		// Upstream skips keys that are not valid variable names (and says so in an event).
		if len(validation.IsEnvVarName(name)) > 0 {
			continue
		}
		env.set(name, data[key])
	}
	return nil
}

func (k *Kubelet) envValue(ctx context.Context, pod *v1.Pod, c *v1.Container, e v1.EnvVar, env *envList) (string, error) {
	if e.ValueFrom == nil {
		return expansion.Expand(e.Value, env.lookup), nil
	}
	src := e.ValueFrom
	switch {
	case src.FieldRef != nil:
		return fieldpath.Extract(pod, src.FieldRef.FieldPath)
	case src.ResourceFieldRef != nil:
		return fieldpath.ExtractResource(pod, c, src.ResourceFieldRef, k.allocatable())
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := k.client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", nil
			}
			return "", wrapGetError(err, "configmap", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", nil
			}
			return "", configErrorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return v, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", nil
			}
			return "", wrapGetError(err, "secret", ref.Name)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", nil
			}
			return "", configErrorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return string(v), nil
	}
	return "", nil
}

func optional(b *bool) bool { return b != nil && *b }

// wrapGetError turns a missing object into the message upstream shows in
// the container's waiting state; other errors are retried as they are.
func wrapGetError(err error, kind, name string) error {
	if apierrors.IsNotFound(err) {
		return configErrorf("%s %q not found", kind, name)
	}
	return err
}

// serviceEnv is the Docker-links-style variables of the Services a pod can
// see: its namespace's (when enableServiceLinks) and the master service
// "kubernetes" from default, always.
func (k *Kubelet) serviceEnv(pod *v1.Pod) []envVar {
	if k.services == nil {
		return nil
	}
	svcs, err := k.services.List(labels.Everything())
	if err != nil {
		return nil
	}
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	byName := map[string]*v1.Service{}
	for _, s := range svcs {
		if s.Spec.ClusterIP == "" || s.Spec.ClusterIP == v1.ClusterIPNone {
			continue
		}
		switch {
		case s.Namespace == pod.Namespace && links:
			byName[s.Name] = s
		case s.Namespace == metav1.NamespaceDefault && s.Name == "kubernetes":
			if _, ok := byName[s.Name]; !ok || pod.Namespace != metav1.NamespaceDefault {
				byName[s.Name] = s
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []envVar
	for _, n := range names {
		out = append(out, serviceLinkVars(byName[n])...)
	}
	return out
}

func serviceLinkVars(s *v1.Service) []envVar {
	if len(s.Spec.Ports) == 0 {
		return nil
	}
	prefix := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
	ip := s.Spec.ClusterIP
	first := s.Spec.Ports[0]
	out := []envVar{
		{prefix + "_SERVICE_HOST", ip},
		{prefix + "_SERVICE_PORT", strconv.Itoa(int(first.Port))},
	}
	for _, p := range s.Spec.Ports {
		if p.Name != "" {
			out = append(out, envVar{prefix + "_SERVICE_PORT_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")), strconv.Itoa(int(p.Port))})
		}
	}
	proto := strings.ToLower(string(first.Protocol))
	out = append(out, envVar{prefix + "_PORT", fmt.Sprintf("%s://%s", proto, joinHostPort(ip, first.Port))})
	for _, p := range s.Spec.Ports {
		pr := strings.ToLower(string(p.Protocol))
		base := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.Port, strings.ToUpper(pr))
		out = append(out,
			envVar{base, fmt.Sprintf("%s://%s", pr, joinHostPort(ip, p.Port))},
			envVar{base + "_PROTO", pr},
			envVar{base + "_PORT", strconv.Itoa(int(p.Port))},
			envVar{base + "_ADDR", ip})
	}
	return out
}

func joinHostPort(ip string, port int32) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]:" + strconv.Itoa(int(port))
	}
	return ip + ":" + strconv.Itoa(int(port))
}
