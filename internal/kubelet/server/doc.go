// Package server is the kubelet's HTTPS API, the one the apiserver's
// pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy
// subresources reach (port 10250 by default).
//
// Every request must carry a client certificate signed by the cluster CA;
// only the apiserver's kubelet client identity and system:masters may use
// the API. Endpoints follow upstream's paths:
//
//	GET  /healthz
//	GET  /pods
//	GET  /containerLogs/{namespace}/{pod}/{container}
//	GET|POST /exec/{namespace}/{pod}[/{uid}]/{container}?command=...&stdin&stdout&stderr&tty
//	GET|POST /attach/{namespace}/{pod}[/{uid}]/{container}
//	GET|POST /portForward/{namespace}/{pod}[/{uid}]
//	GET  /stats/summary
//
// Exec, attach and port-forward ask the CRI runtime for a streaming URL and
// bridge the client to it. SPDY clients are proxied byte for byte (the
// runtime's streaming server speaks SPDY). WebSocket remote-command clients
// (v4/v5.channel.k8s.io) are translated: the server side speaks the
// channel protocol and drives the runtime with client-go's SPDY executor.
// WebSocket port-forward clients tunnel SPDY inside the websocket
// (SPDY/3.1+portforward.k8s.io); the tunnel is unwrapped and spliced to the
// runtime's upgraded connection.
package server
