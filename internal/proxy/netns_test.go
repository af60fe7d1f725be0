package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// TestNetnsProxy programs a real table in a throwaway network namespace
// (a "node" with address 192.0.2.50 and a "pod" address 10.244.5.10 on a
// veth, no default route) and connects through it: ClusterIP and NodePort
// reach the listener; a Service without endpoints, a port the Service
// lacks and an unused NodePort are refused at once; an unallocated Service
// address is dropped; when the endpoints go away, connections are refused,
// the UDP flow's conntrack entry is deleted and the emptied chains are
// deleted after the grace; cleanup deletes the table.
func TestNetnsProxy(t *testing.T) {
	ns := fmt.Sprintf("orca-proxy-test-%d", os.Getpid())
	setup := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "node0", "type", "veth", "peer", "name", "peer0"},
		{"link", "set", "peer0", "up"},
		{"link", "set", "node0", "up"},
		{"addr", "add", "192.0.2.50/24", "dev", "node0"},
		{"addr", "add", "10.244.5.10/24", "dev", "node0"},
		// Clients inside and outside a loadBalancerSourceRanges.
		{"addr", "add", "198.51.100.7/32", "dev", "node0"},
		{"addr", "add", "203.0.113.9/32", "dev", "node0"},
	}
	err := inNetns(ns, setup, func() error {
		ln, err := net.Listen("tcp", "10.244.5.10:8080")
		if err != nil {
			return err
		}
		defer ln.Close()
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pod-a") }))

		udpConn, err := net.ListenPacket("udp", "10.244.5.10:5353")
		if err != nil {
			return err
		}
		defer udpConn.Close()
		go echoUDP(udpConn)

		nft, err := newTable()
		if err != nil {
			return err
		}
		src := newStaticSource()
		dns := svc("default", "dns", "10.96.0.30", udp)
		src.set(dns, slice(dns, "dns-1", 5353, "10.244.5.10@node-a"))
		web := svc("default", "web", "10.96.0.20", nodePort(30080))
		src.set(web, slice(web, "web-1", 8080, "10.244.5.10@node-a"))
		none := svc("default", "none", "10.96.0.22")
		src.set(none)
		src.set(firewalledLB(), slice(firewalledLB(), "fw-1", 8080, "10.244.5.10@node-a"))
		px := newProxier(testParams, nft, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
		remove, err := routeServiceCIDR(testParams.ServiceCIDR, net.ParseIP("192.0.2.50"))
		if err != nil || remove == nil {
			return fmt.Errorf("route the Service CIDR in a namespace without a default route: %v (added: %v)", err, remove != nil)
		}
		ctx := context.Background()
		if err := px.sync(ctx, true); err != nil {
			return err
		}
		out, err := exec.Command("nft", "list", "table", "ip", tableName).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "10.96.0.20 . tcp . 80 : goto service-SUSTUHLJ-default/web/tcp/http") {
			return fmt.Errorf("nft list table: %v\n%s", err, out)
		}
		for _, addr := range []string{"10.96.0.20:80", "192.0.2.50:30080"} {
			if body, err := get(addr); err != nil || body != "pod-a" {
				return fmt.Errorf("GET %s = %q, %v; want pod-a", addr, body, err)
			}
		}
		for _, addr := range []string{"10.96.0.22:80", "10.96.0.20:81", "192.0.2.50:30099"} {
			if err := refused(addr); err != nil {
				return err
			}
		}
		if _, err := get("10.96.0.99:80"); err == nil || !isTimeout(err) {
			return fmt.Errorf("unallocated Service address: %v, want a timeout (dropped)", err)
		}
		if err := checkSourceRanges(); err != nil {
			return err
		}

		if err := udpRoundTrip("10.96.0.30:53"); err != nil {
			return err
		}
		if n := udpFlows("10.96.0.30", "10.244.5.10"); n != 1 {
			return fmt.Errorf("%d conntrack entries for the UDP Service, want 1", n)
		}

		src.set(web)
		src.set(dns)
		src.set(firewalledLB())
		px.changed("default/web")
		px.changed("default/dns")
		px.changed("default/fw")
		if err := px.sync(ctx, false); err != nil {
			return err
		}
		if err := refused("10.96.0.20:80"); err != nil {
			return fmt.Errorf("after the endpoint went away: %w", err)
		}
		px.deleteStaleChains(ctx, time.Now().Add(staleChainGrace))
		if len(px.stale) != 0 {
			return fmt.Errorf("stale chains left: %v", px.stale)
		}
		if out, err := exec.Command("nft", "list", "chains", "ip").CombinedOutput(); err != nil || strings.Contains(string(out), "endpoint-") {
			return fmt.Errorf("emptied endpoint chains not deleted (%v):\n%s", err, out)
		}
		if n := udpFlows("10.96.0.30", "10.244.5.10"); n != 0 {
			return fmt.Errorf("%d conntrack entries to the removed UDP endpoint, want 0", n)
		}
		if err := cleanup(ctx, nft); err != nil {
			return err
		}
		if out, err := exec.Command("nft", "list", "table", "ip", tableName).CombinedOutput(); err == nil {
			return fmt.Errorf("table still there after cleanup:\n%s", out)
		}
		remove()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// get does one HTTP/1.0 GET on this goroutine's thread (http.Client
// would dial from another thread, outside the namespace).
func get(addr string) (string, error) { return getFrom("", addr) }

// getFrom is get from the local address src ("": any).
func getFrom(src, addr string) (string, error) {
	d := net.Dialer{Timeout: 300 * time.Millisecond}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

// refused checks a connection is refused well before a timeout.
func refused(addr string) error {
	start := time.Now()
	_, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	if d := time.Since(start); d > time.Second {
		return fmt.Errorf("dial %s refused only after %v", addr, d)
	}
	return nil
}

// firewalledLB is a LoadBalancer Service on the node address 192.0.2.50,
// port 80, open to 198.51.100.0/24 only; its NodePort is 30081.
func firewalledLB() *v1.Service {
	return svc("default", "fw", "10.96.0.23", loadBalancer(30081, "192.0.2.50"), func(v *v1.Service) {
		v.Spec.LoadBalancerSourceRanges = []string{"198.51.100.0/24"}
	})
}

// checkSourceRanges: a client inside the ranges reaches firewalledLB,
// one outside is dropped there, and its NodePort is open to both.
func checkSourceRanges() error {
	if body, err := getFrom("198.51.100.7", "192.0.2.50:80"); err != nil || body != "pod-a" {
		return fmt.Errorf("load balancer IP from inside loadBalancerSourceRanges: %q, %v; want pod-a", body, err)
	}
	if _, err := getFrom("203.0.113.9", "192.0.2.50:80"); err == nil || !isTimeout(err) {
		return fmt.Errorf("load balancer IP from outside loadBalancerSourceRanges: %v, want a timeout (dropped)", err)
	}
	if body, err := getFrom("203.0.113.9", "192.0.2.50:30081"); err != nil || body != "pod-a" {
		return fmt.Errorf("NodePort from outside loadBalancerSourceRanges: %q, %v; want pod-a (only the load balancer IP is limited)", body, err)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func echoUDP(c net.PacketConn) {
	buf := make([]byte, 512)
	for {
		n, addr, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		c.WriteTo(buf[:n], addr)
	}
}

// udpRoundTrip sends a datagram through addr and waits for its echo.
func udpRoundTrip(addr string) error {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "ping" {
		return fmt.Errorf("UDP echo through %s: %q %v", addr, buf[:n], err)
	}
	return nil
}

// udpFlows counts conntrack entries sent to vip and NATed to endpoint.
func udpFlows(vip, endpoint string) int {
	flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	if err != nil {
		return -1
	}
	n := 0
	for _, f := range flows {
		if f.Forward.Protocol == unix.IPPROTO_UDP && f.Forward.DstIP.String() == vip && f.Reverse.SrcIP.String() == endpoint {
			n++
		}
	}
	return n
}
