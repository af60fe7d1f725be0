package network

import (
	"context"
	"encoding/json"
	"os/exec"
	"time"
)

// ForwardDropped reports whether the iptables-nft filter table drops
// forwarded packets by default (a Docker host sets FORWARD's policy to
// DROP). Pod traffic between nodes is forwarded, so it would be dropped
// there; an accept in orca's own table could not override that (in
// nftables a drop in any base chain is final), and orca does not edit
// other tables, so the agent can only warn.
func ForwardDropped(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nft", "-j", "list", "chain", "ip", "filter", "FORWARD").Output()
	if err != nil {
		return false // no such table or chain: nothing drops
	}
	return forwardPolicyDrop(out)
}

// forwardPolicyDrop finds a drop policy in `nft -j list chain` output.
func forwardPolicyDrop(out []byte) bool {
	var doc struct {
		Nftables []struct {
			Chain *struct {
				Hook   string `json:"hook"`
				Policy string `json:"policy"`
			} `json:"chain"`
		} `json:"nftables"`
	}
	if json.Unmarshal(out, &doc) != nil {
		return false
	}
	for _, o := range doc.Nftables {
		if o.Chain != nil && o.Chain.Hook == "forward" && o.Chain.Policy == "drop" {
			return true
		}
	}
	return false
}
