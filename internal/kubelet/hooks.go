package kubelet

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// runHook runs a postStart or preStop handler; the message says why it
// failed, in upstream's words.
func (k *Kubelet) runHook(ctx context.Context, pod *v1.Pod, c *v1.Container, id string, h *v1.LifecycleHandler) (string, error) {
	switch {
	case h.Exec != nil:
		timeout := time.Duration(gracePeriod(pod)) * time.Second
		stdout, stderr, err := k.rt.ExecSync(ctx, id, h.Exec.Command, timeout)
		if err != nil {
			return fmt.Sprintf("Exec lifecycle hook (%v) for Container %q in Pod %q failed - error: %v, message: %q", h.Exec.Command, c.Name, podKey(pod), err, string(stdout)+string(stderr)), err
		}
		return "", nil
	case h.HTTPGet != nil:
		return k.httpHook(ctx, pod, c, h.HTTPGet)
	case h.Sleep != nil:
		select {
		case <-ctx.Done():
		case <-k.clock.After(time.Duration(h.Sleep.Seconds) * time.Second):
		}
		return "", nil
	case h.TCPSocket != nil:
		// Deprecated upstream and accepted without running.
		return "", nil
	}
	return "", nil
}

func (k *Kubelet) httpHook(ctx context.Context, pod *v1.Pod, c *v1.Container, g *v1.HTTPGetAction) (string, error) {
	host := g.Host
	if host == "" {
		host = k.PodIP(pod.UID)
	}
	port, err := resolvePort(g.Port, c)
	if err != nil {
		return err.Error(), err
	}
	scheme := "http"
	if g.Scheme == v1.URISchemeHTTPS {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), g.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error(), err
	}
	for _, hdr := range g.HTTPHeaders {
		req.Header.Add(hdr.Name, hdr.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Sprintf("Http lifecycle hook (%s) for Container %q in Pod %q failed - error: %v", g.Path, c.Name, podKey(pod), err), err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		err := fmt.Errorf("HTTP lifecycle hook failed with status code %d", resp.StatusCode)
		return fmt.Sprintf("Http lifecycle hook (%s) for Container %q in Pod %q failed - error: %v", g.Path, c.Name, podKey(pod), err), err
	}
	return "", nil
}

// resolvePort turns a number or a named container port into a number.
func resolvePort(p intstr.IntOrString, c *v1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("couldn't find port: %v in %v", p.StrVal, c.Name)
}
