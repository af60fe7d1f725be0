package etcd

import (
	"context"
	"testing"
)

func TestEmbeddedRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, err := StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.Put(ctx, "/a", "b"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	// Data survives a restart in the same directory.
	e, err = StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	resp, err := e.Client.Get(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "b" {
		t.Fatalf("after restart got %v, want /a=b", resp.Kvs)
	}
}
