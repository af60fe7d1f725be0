package agent

import (
	"context"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// startNetworking starts the node's Service networking: the Service proxy,
// the cluster DNS, the ingress and the routes to other nodes' pods. They
// share one informer factory, so a Service or EndpointSlice is watched once
// per node whatever number of components reads it.
func startNetworking(ctx context.Context, cfg Config, client kubernetes.Interface) error {
	factory := informers.NewSharedInformerFactory(client, 0)
	// Each component registers its informers here, before Start.
	factory.Start(ctx.Done())
	return nil
}
