// Package etcd starts orca's embedded etcd or connects to an external cluster.
// Either way the rest of orca sees one *clientv3.Client.
package etcd

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
)

// Embedded is an etcd member running inside the orca process.
type Embedded struct {
	etcd   *embed.Etcd
	Client *clientv3.Client
}

// StartEmbedded starts a single-member etcd whose data lives in dir.
// It listens only on unix sockets inside dir: orca talks to it in-process,
// so no TCP port is taken and nothing outside the host can reach it.
func StartEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "orca"
	cfg.Dir = dir
	peer := url.URL{Scheme: "unix", Path: filepath.Join(dir, "peer.sock")}
	client := url.URL{Scheme: "unix", Path: filepath.Join(dir, "client.sock")}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	cfg.ClusterState = embed.ClusterStateFlagNew
	cfg.Logger = "zap"
	cfg.LogLevel = "fatal" // shutdown is noisy at error level; failures surface through Err()
	cfg.LogOutputs = []string{"stderr"}
	// orca compacts by itself (storage.Compactor), like kube-apiserver.
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = "0"
	cfg.QuotaBackendBytes = 8 << 30
	// A snapshot every 10k writes keeps the raft log (and memory) small.
	cfg.SnapshotCount = 10000
	// After each in-memory snapshot (every 100 entries) etcd keeps this
	// many raft entries for a slow follower to catch up from; a single
	// member has none, and 5,000 (the default) held ~25 MB of recent
	// writes in a burst of pod writes.
	cfg.SnapshotCatchUpEntries = 100

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s did not become ready in 60s", dir)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	c := v3client.New(e.Server)
	return &Embedded{etcd: e, Client: c}, nil
}

// Err reports fatal errors of the running member.
func (e *Embedded) Err() <-chan error { return e.etcd.Err() }

// Close stops the member and waits for it to release its files.
func (e *Embedded) Close() {
	e.Client.Close()
	e.etcd.Close()
}
