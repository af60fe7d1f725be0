package kubelet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ensureImage makes the container's image present as its pull policy says
// and returns the reference to create the container from.
func (k *Kubelet) ensureImage(ctx context.Context, w *podWorker, pod *v1.Pod, c *v1.Container) (string, error) {
	if c.Image == "" || strings.ContainsAny(c.Image, " \t") {
		err := fmt.Errorf("Failed to apply default image tag %q: couldn't parse image name %q: invalid reference format", c.Image, c.Image)
		k.failStart(w, pod, c, reasonInvalidImage, err)
		return "", err
	}
	spec := &runtimeapi.ImageSpec{Image: c.Image, UserSpecifiedImage: c.Image}
	policy := c.ImagePullPolicy
	if policy != v1.PullAlways {
		st, err := k.rt.ImageStatus(ctx, spec, false)
		if err == nil && st.Image != nil {
			k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeNormal, "Pulled", "Container image %q already present on machine", c.Image)
			return st.Image.Id, nil
		}
		if policy == v1.PullNever {
			err := fmt.Errorf("Container image %q is not present with pull policy of Never", c.Image)
			k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeWarning, reasonNeverPull, "%v", err)
			w.waiting[c.Name] = waiting{reasonNeverPull, err.Error()}
			return "", err
		}
	}
	key := "pull/" + backoffKey(pod, c.Name)
	if until := k.backoff.until(key, k.lastPullFailure(w, c.Name)); until.After(k.clock.Now()) {
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		if w.waiting[c.Name].reason != reasonImagePullBackOff {
			k.recorder.Event(containerRef(pod, c.Name), v1.EventTypeNormal, "BackOff", msg)
		}
		w.waiting[c.Name] = waiting{reasonImagePullBackOff, msg}
		return "", fmt.Errorf("%s", msg)
	}
	k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeNormal, "Pulling", "Pulling image %q", c.Image)
	k.statusBeforePull(ctx, w)
	start := k.clock.Now()
	pctx, done := k.pullContext(ctx, w)
	ref, err := k.pull(pctx, pod, spec)
	deleted := pctx.Err() != nil && ctx.Err() == nil
	done()
	if deleted {
		// The pod was deleted during the pull: not a pull failure.
		return "", fmt.Errorf("pull of %q abandoned: the pod is being deleted", c.Image)
	}
	if err != nil {
		now := k.clock.Now()
		k.backoff.next(key, now)
		w.pullFailedAt(c.Name, now)
		msg := fmt.Sprintf("Failed to pull image %q: %v", c.Image, err)
		k.recorder.Event(containerRef(pod, c.Name), v1.EventTypeWarning, "Failed", msg)
		k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeWarning, "Failed", "Error: %s", reasonErrImagePull)
		w.waiting[c.Name] = waiting{reasonErrImagePull, msg}
		return "", err
	}
	w.pulled(c.Name)
	k.recorder.Eventf(containerRef(pod, c.Name), v1.EventTypeNormal, "Pulled", "Successfully pulled image %q in %s", c.Image, k.clock.Since(start).Round(time.Millisecond))
	return ref, nil
}

// statusBeforePull reports the pod's state before a pull, which may take
// long: as upstream, which writes the status before acting, the pod shows
// its sandbox's IP and ContainerCreating (or PodInitializing) meanwhile,
// not the bare Pending of a pod the kubelet never reported.
func (k *Kubelet) statusBeforePull(ctx context.Context, w *podWorker) {
	pod, gone := k.snapshot(w)
	if pod == nil || gone {
		return
	}
	rp, err := readRuntimePod(ctx, k.rt, w.uid)
	if err != nil {
		return
	}
	k.fillTermMessages(pod, rp)
	k.writeStatus(ctx, w, pod, k.status(w, pod, rp, false))
}

// pull tries the pod's pull secrets that match the image's registry, then
// no credentials, as upstream does.
func (k *Kubelet) pull(ctx context.Context, pod *v1.Pod, spec *runtimeapi.ImageSpec) (string, error) {
	auths := k.pullAuths(ctx, pod, spec.Image)
	var lastErr error
	for _, a := range append(auths, nil) {
		ref, err := k.rt.PullImage(ctx, spec, a, nil)
		if err == nil {
			return ref, nil
		}
		lastErr = err
	}
	return "", lastErr
}

// dockerConfig is the shape of .dockerconfigjson / .dockercfg entries.
type dockerConfig map[string]struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

func (k *Kubelet) pullAuths(ctx context.Context, pod *v1.Pod, image string) []*runtimeapi.AuthConfig {
	registry := imageRegistry(image)
	var out []*runtimeapi.AuthConfig
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := k.client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			continue
		}
		var cfg dockerConfig
		switch {
		case len(s.Data[v1.DockerConfigJsonKey]) > 0:
			var wrapper struct {
				Auths dockerConfig `json:"auths"`
			}
			if json.Unmarshal(s.Data[v1.DockerConfigJsonKey], &wrapper) != nil {
				continue
			}
			cfg = wrapper.Auths
		case len(s.Data[v1.DockerConfigKey]) > 0:
			if json.Unmarshal(s.Data[v1.DockerConfigKey], &cfg) != nil {
				continue
			}
		}
		for host, e := range cfg {
			if normalizeRegistry(host) != registry {
				continue
			}
			a := &runtimeapi.AuthConfig{Username: e.Username, Password: e.Password, ServerAddress: host}
			if e.Auth != "" {
				if dec, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
					if u, p, ok := strings.Cut(string(dec), ":"); ok {
						a.Username, a.Password = u, p
					}
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// imageRegistry is the registry host an image reference pulls from.
func imageRegistry(image string) string {
	first, _, ok := strings.Cut(image, "/")
	if !ok || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		return "docker.io"
	}
	return first
}

// normalizeRegistry reduces a docker config key (which may be a URL) to a host.
func normalizeRegistry(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	key, _, _ = strings.Cut(key, "/")
	switch key {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return key
}

// pullState remembers, per container, the last pull failure (for the
// back-off).
type pullState struct {
	failedAt map[string]time.Time
}

func (w *podWorker) pulled(name string) { delete(w.pulls.failedAt, name) }

func (w *podWorker) pullFailedAt(name string, t time.Time) {
	if w.pulls.failedAt == nil {
		w.pulls.failedAt = map[string]time.Time{}
	}
	w.pulls.failedAt[name] = t
}

func (k *Kubelet) lastPullFailure(w *podWorker, name string) time.Time { return w.pulls.failedAt[name] }
