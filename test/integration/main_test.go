// Package integration drives one in-process orca server (embedded etcd in a
// temp dir, a random port) with client-go. Every test shares it: give each
// test its own namespace (newNamespace) so they stay independent.
package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"orca/internal/apiserver"
)

var (
	server     *apiserver.Server
	restConfig *rest.Config
	client     *kubernetes.Clientset
	dyn        *dynamic.DynamicClient
	dataDir    string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	dataDir, err = os.MkdirTemp("", "orca-integration")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dataDir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	server, err = apiserver.New(ctx, apiserver.Config{
		DataDir: dataDir, BindAddress: net.ParseIP("127.0.0.1"), SecurePort: 0,
		BookmarkInterval: time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start server:", err)
		return 1
	}
	defer server.Close()
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if err := server.WaitReady(wctx); err != nil {
		fmt.Fprintln(os.Stderr, "server not ready:", err)
		return 1
	}
	restConfig, err = clientcmd.BuildConfigFromFlags("", server.KubeconfigPath())
	if err != nil {
		panic(err)
	}
	restConfig.QPS, restConfig.Burst = -1, -1
	client = kubernetes.NewForConfigOrDie(restConfig)
	dyn = dynamic.NewForConfigOrDie(restConfig)
	code := m.Run()
	cancel()
	<-done
	return code
}

var nsSeq atomic.Int64

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("it-%d-%d", os.Getpid()%1000, nsSeq.Add(1))
	_, err := client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return name
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
