package storage

import (
	"context"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// leaseReuse is how long one etcd lease serves new objects. Granting a
// lease per Event would cost an etcd write and a lease to expire for each;
// like kube-apiserver, objects created within a minute share one lease,
// which is granted that much longer, so TTLs overshoot by at most a minute.
const leaseReuse = 60 * time.Second

// leases hands out shared etcd leases per TTL.
type leases struct {
	client *clientv3.Client
	mu     sync.Mutex
	byTTL  map[int64]grantedLease
}

type grantedLease struct {
	id      clientv3.LeaseID
	granted time.Time
}

func (l *leases) get(ctx context.Context, ttl int64) (clientv3.LeaseID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g, ok := l.byTTL[ttl]; ok && time.Since(g.granted) < leaseReuse {
		return g.id, nil
	}
	resp, err := l.client.Grant(ctx, ttl+int64(leaseReuse/time.Second))
	if err != nil {
		return 0, err
	}
	if l.byTTL == nil {
		l.byTTL = map[int64]grantedLease{}
	}
	l.byTTL[ttl] = grantedLease{id: resp.ID, granted: time.Now()}
	return resp.ID, nil
}
