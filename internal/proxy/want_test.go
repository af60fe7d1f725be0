package proxy

// wantRules are the lines each of ruleCases adds to the table.
var wantRules = map[string]string{
	"clusterip and nodeport": `add chain ip orca-proxy endpoint-4VJT4MCW-default/web/tcp/http__10.244.0.5/8080
add chain ip orca-proxy endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080
add chain ip orca-proxy external-SUSTUHLJ-default/web/tcp/http
add chain ip orca-proxy service-SUSTUHLJ-default/web/tcp/http
add rule ip orca-proxy endpoint-4VJT4MCW-default/web/tcp/http__10.244.0.5/8080 ip saddr 10.244.0.5 jump mark-for-masquerade
add rule ip orca-proxy endpoint-4VJT4MCW-default/web/tcp/http__10.244.0.5/8080 meta l4proto tcp dnat to 10.244.0.5:8080
add rule ip orca-proxy endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080 ip saddr 10.244.1.6 jump mark-for-masquerade
add rule ip orca-proxy endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080 meta l4proto tcp dnat to 10.244.1.6:8080
add rule ip orca-proxy external-SUSTUHLJ-default/web/tcp/http jump mark-for-masquerade
add rule ip orca-proxy external-SUSTUHLJ-default/web/tcp/http goto service-SUSTUHLJ-default/web/tcp/http
add rule ip orca-proxy service-SUSTUHLJ-default/web/tcp/http ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-SUSTUHLJ-default/web/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-4VJT4MCW-default/web/tcp/http__10.244.0.5/8080 , 1 : goto endpoint-EKRJ2VCA-default/web/tcp/http__10.244.1.6/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.20 }
add element ip orca-proxy service-ips { 10.96.0.20 . tcp . 80 : goto service-SUSTUHLJ-default/web/tcp/http }
add element ip orca-proxy service-nodeports { tcp . 30080 : goto external-SUSTUHLJ-default/web/tcp/http }`,
	"no endpoints": `add element ip orca-proxy cluster-ips { 10.96.0.22 }
add element ip orca-proxy no-endpoint-nodeports { tcp . 30082 comment "default/none/tcp/http" : goto reject-chain }
add element ip orca-proxy no-endpoint-services { 10.96.0.22 . tcp . 80 comment "default/none/tcp/http" : goto reject-chain }`,
	"internal local": `add chain ip orca-proxy endpoint-JXKAMGE4-kube-system/kube-dns/udp/dns__192.0.2.2/53
add chain ip orca-proxy local-FY5PMXPG-kube-system/kube-dns/udp/dns
add rule ip orca-proxy endpoint-JXKAMGE4-kube-system/kube-dns/udp/dns__192.0.2.2/53 ip saddr 192.0.2.2 jump mark-for-masquerade
add rule ip orca-proxy endpoint-JXKAMGE4-kube-system/kube-dns/udp/dns__192.0.2.2/53 meta l4proto udp dnat to 192.0.2.2:53
add rule ip orca-proxy local-FY5PMXPG-kube-system/kube-dns/udp/dns ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy local-FY5PMXPG-kube-system/kube-dns/udp/dns numgen random mod 1 vmap { 0 : goto endpoint-JXKAMGE4-kube-system/kube-dns/udp/dns__192.0.2.2/53 }
add element ip orca-proxy cluster-ips { 10.96.0.10 }
add element ip orca-proxy cluster-ips { 10.96.0.11 }
add element ip orca-proxy no-endpoint-services { 10.96.0.11 . udp . 53 comment "kube-system/other/udp/dns" : drop }
add element ip orca-proxy service-ips { 10.96.0.10 . udp . 53 : goto local-FY5PMXPG-kube-system/kube-dns/udp/dns }`,
	"terminating fallback": `add chain ip orca-proxy endpoint-ROZGMMNA-default/drain/tcp/http__10.244.0.5/8080
add chain ip orca-proxy service-GERPREGL-default/drain/tcp/http
add rule ip orca-proxy endpoint-ROZGMMNA-default/drain/tcp/http__10.244.0.5/8080 ip saddr 10.244.0.5 jump mark-for-masquerade
add rule ip orca-proxy endpoint-ROZGMMNA-default/drain/tcp/http__10.244.0.5/8080 meta l4proto tcp dnat to 10.244.0.5:8080
add rule ip orca-proxy service-GERPREGL-default/drain/tcp/http ip daddr 10.96.0.30 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-GERPREGL-default/drain/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-ROZGMMNA-default/drain/tcp/http__10.244.0.5/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.30 }
add element ip orca-proxy service-ips { 10.96.0.30 . tcp . 80 : goto service-GERPREGL-default/drain/tcp/http }`,
	"load balancer source ranges": `add chain ip orca-proxy endpoint-T4TXLIGY-default/fw/tcp/http__10.244.0.8/8080
add chain ip orca-proxy external-PXD2R5GY-default/fw/tcp/http
add chain ip orca-proxy firewall-PXD2R5GY-default/fw/tcp/http
add chain ip orca-proxy service-PXD2R5GY-default/fw/tcp/http
add rule ip orca-proxy endpoint-T4TXLIGY-default/fw/tcp/http__10.244.0.8/8080 ip saddr 10.244.0.8 jump mark-for-masquerade
add rule ip orca-proxy endpoint-T4TXLIGY-default/fw/tcp/http__10.244.0.8/8080 meta l4proto tcp dnat to 10.244.0.8:8080
add rule ip orca-proxy external-PXD2R5GY-default/fw/tcp/http jump mark-for-masquerade
add rule ip orca-proxy external-PXD2R5GY-default/fw/tcp/http goto service-PXD2R5GY-default/fw/tcp/http
add rule ip orca-proxy firewall-PXD2R5GY-default/fw/tcp/http ip saddr != { 198.51.100.7/32, 203.0.113.0/24 } drop
add rule ip orca-proxy service-PXD2R5GY-default/fw/tcp/http ip daddr 10.96.0.60 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-PXD2R5GY-default/fw/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-T4TXLIGY-default/fw/tcp/http__10.244.0.8/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.60 }
add element ip orca-proxy firewall-ips { 192.0.2.2 . tcp . 80 : goto firewall-PXD2R5GY-default/fw/tcp/http }
add element ip orca-proxy firewall-ips { 192.0.2.3 . tcp . 80 : goto firewall-PXD2R5GY-default/fw/tcp/http }
add element ip orca-proxy service-ips { 10.96.0.60 . tcp . 80 : goto service-PXD2R5GY-default/fw/tcp/http }
add element ip orca-proxy service-ips { 192.0.2.2 . tcp . 80 : goto external-PXD2R5GY-default/fw/tcp/http }
add element ip orca-proxy service-ips { 192.0.2.3 . tcp . 80 : goto external-PXD2R5GY-default/fw/tcp/http }
add element ip orca-proxy service-nodeports { tcp . 30083 : goto external-PXD2R5GY-default/fw/tcp/http }`,
	"load balancer local": `add chain ip orca-proxy endpoint-OGFSTPQ5-default/lb/tcp/http__10.244.0.8/8080
add chain ip orca-proxy endpoint-ON37VTCM-default/lb/tcp/http__10.244.1.9/8080
add chain ip orca-proxy external-D2RGPZ6L-default/lb/tcp/http
add chain ip orca-proxy local-D2RGPZ6L-default/lb/tcp/http
add chain ip orca-proxy service-D2RGPZ6L-default/lb/tcp/http
add rule ip orca-proxy endpoint-OGFSTPQ5-default/lb/tcp/http__10.244.0.8/8080 ip saddr 10.244.0.8 jump mark-for-masquerade
add rule ip orca-proxy endpoint-OGFSTPQ5-default/lb/tcp/http__10.244.0.8/8080 meta l4proto tcp dnat to 10.244.0.8:8080
add rule ip orca-proxy endpoint-ON37VTCM-default/lb/tcp/http__10.244.1.9/8080 ip saddr 10.244.1.9 jump mark-for-masquerade
add rule ip orca-proxy endpoint-ON37VTCM-default/lb/tcp/http__10.244.1.9/8080 meta l4proto tcp dnat to 10.244.1.9:8080
add rule ip orca-proxy external-D2RGPZ6L-default/lb/tcp/http ip saddr 10.244.0.0/16 goto service-D2RGPZ6L-default/lb/tcp/http
add rule ip orca-proxy external-D2RGPZ6L-default/lb/tcp/http fib saddr type local jump mark-for-masquerade
add rule ip orca-proxy external-D2RGPZ6L-default/lb/tcp/http fib saddr type local goto service-D2RGPZ6L-default/lb/tcp/http
add rule ip orca-proxy external-D2RGPZ6L-default/lb/tcp/http goto local-D2RGPZ6L-default/lb/tcp/http
add rule ip orca-proxy local-D2RGPZ6L-default/lb/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-OGFSTPQ5-default/lb/tcp/http__10.244.0.8/8080 }
add rule ip orca-proxy service-D2RGPZ6L-default/lb/tcp/http ip daddr 10.96.0.21 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-D2RGPZ6L-default/lb/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-OGFSTPQ5-default/lb/tcp/http__10.244.0.8/8080 , 1 : goto endpoint-ON37VTCM-default/lb/tcp/http__10.244.1.9/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.21 }
add element ip orca-proxy service-ips { 10.96.0.21 . tcp . 80 : goto service-D2RGPZ6L-default/lb/tcp/http }
add element ip orca-proxy service-ips { 192.0.2.2 . tcp . 80 : goto external-D2RGPZ6L-default/lb/tcp/http }
add element ip orca-proxy service-nodeports { tcp . 30081 : goto external-D2RGPZ6L-default/lb/tcp/http }`,
	"external ip local without local endpoints": `add chain ip orca-proxy endpoint-MZEBOGXQ-default/ext/tcp/http__10.244.1.5/8080
add chain ip orca-proxy external-TJCMAZV6-default/ext/tcp/http
add chain ip orca-proxy service-TJCMAZV6-default/ext/tcp/http
add rule ip orca-proxy endpoint-MZEBOGXQ-default/ext/tcp/http__10.244.1.5/8080 ip saddr 10.244.1.5 jump mark-for-masquerade
add rule ip orca-proxy endpoint-MZEBOGXQ-default/ext/tcp/http__10.244.1.5/8080 meta l4proto tcp dnat to 10.244.1.5:8080
add rule ip orca-proxy external-TJCMAZV6-default/ext/tcp/http ip saddr 10.244.0.0/16 goto service-TJCMAZV6-default/ext/tcp/http
add rule ip orca-proxy external-TJCMAZV6-default/ext/tcp/http fib saddr type local jump mark-for-masquerade
add rule ip orca-proxy external-TJCMAZV6-default/ext/tcp/http fib saddr type local goto service-TJCMAZV6-default/ext/tcp/http
add rule ip orca-proxy service-TJCMAZV6-default/ext/tcp/http ip daddr 10.96.0.40 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-TJCMAZV6-default/ext/tcp/http numgen random mod 1 vmap { 0 : goto endpoint-MZEBOGXQ-default/ext/tcp/http__10.244.1.5/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.40 }
add element ip orca-proxy no-endpoint-services { 203.0.113.7 . tcp . 80 comment "default/ext/tcp/http" : drop }
add element ip orca-proxy service-ips { 10.96.0.40 . tcp . 80 : goto service-TJCMAZV6-default/ext/tcp/http }
add element ip orca-proxy service-ips { 203.0.113.7 . tcp . 80 : goto external-TJCMAZV6-default/ext/tcp/http }`,
	"client ip affinity": `add chain ip orca-proxy endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080
add chain ip orca-proxy endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080
add chain ip orca-proxy service-H6U4RGLG-default/sticky/tcp/http
add set ip orca-proxy affinity-EQTZ4DNV-default/sticky/tcp/http__10.244.1.6/8080/60s { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }
add set ip orca-proxy affinity-SQ5M4K3C-default/sticky/tcp/http__10.244.0.5/8080/60s { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }
add rule ip orca-proxy endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080 ip saddr 10.244.1.6 jump mark-for-masquerade
add rule ip orca-proxy endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080 update @affinity-EQTZ4DNV-default/sticky/tcp/http__10.244.1.6/8080/60s { ip saddr }
add rule ip orca-proxy endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080 meta l4proto tcp dnat to 10.244.1.6:8080
add rule ip orca-proxy endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080 ip saddr 10.244.0.5 jump mark-for-masquerade
add rule ip orca-proxy endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080 update @affinity-SQ5M4K3C-default/sticky/tcp/http__10.244.0.5/8080/60s { ip saddr }
add rule ip orca-proxy endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080 meta l4proto tcp dnat to 10.244.0.5:8080
add rule ip orca-proxy service-H6U4RGLG-default/sticky/tcp/http ip daddr 10.96.0.50 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip orca-proxy service-H6U4RGLG-default/sticky/tcp/http ip saddr @affinity-SQ5M4K3C-default/sticky/tcp/http__10.244.0.5/8080/60s goto endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080
add rule ip orca-proxy service-H6U4RGLG-default/sticky/tcp/http ip saddr @affinity-EQTZ4DNV-default/sticky/tcp/http__10.244.1.6/8080/60s goto endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080
add rule ip orca-proxy service-H6U4RGLG-default/sticky/tcp/http numgen random mod 2 vmap { 0 : goto endpoint-U3BAY2MF-default/sticky/tcp/http__10.244.0.5/8080 , 1 : goto endpoint-EHWLZOKA-default/sticky/tcp/http__10.244.1.6/8080 }
add element ip orca-proxy cluster-ips { 10.96.0.50 }
add element ip orca-proxy service-ips { 10.96.0.50 . tcp . 80 : goto service-H6U4RGLG-default/sticky/tcp/http }`,
	"not proxied": ``,
}
