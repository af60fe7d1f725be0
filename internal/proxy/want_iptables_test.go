package proxy

// wantIPTablesRules are the lines each of ruleCases adds to the restore
// input, by table.
var wantIPTablesRules = map[string]string{
	"clusterip and nodeport": `nat :ORCA-SVC-SUSTUHLJ5NERIIXD - [0:0]
nat :ORCA-EXT-SUSTUHLJ5NERIIXD - [0:0]
nat :ORCA-SEP-4VJT4MCWAWZGV3DD - [0:0]
nat :ORCA-SEP-EKRJ2VCABMCTGKTV - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/web/tcp/http cluster IP" -d 10.96.0.20 -p tcp -m tcp --dport 80 -j ORCA-SVC-SUSTUHLJ5NERIIXD
nat -A ORCA-NODEPORTS -m comment --comment "default/web/tcp/http" -p tcp -m tcp --dport 30080 -j ORCA-EXT-SUSTUHLJ5NERIIXD
nat -A ORCA-SVC-SUSTUHLJ5NERIIXD -m comment --comment "default/web/tcp/http cluster IP" -d 10.96.0.20 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-SUSTUHLJ5NERIIXD -m statistic --mode random --probability 0.5000000000 -j ORCA-SEP-4VJT4MCWAWZGV3DD
nat -A ORCA-SVC-SUSTUHLJ5NERIIXD -j ORCA-SEP-EKRJ2VCABMCTGKTV
nat -A ORCA-EXT-SUSTUHLJ5NERIIXD -j ORCA-MARK-MASQ
nat -A ORCA-EXT-SUSTUHLJ5NERIIXD -j ORCA-SVC-SUSTUHLJ5NERIIXD
nat -A ORCA-SEP-4VJT4MCWAWZGV3DD -s 10.244.0.5 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-4VJT4MCWAWZGV3DD -p tcp -j DNAT --to-destination 10.244.0.5:8080
nat -A ORCA-SEP-EKRJ2VCABMCTGKTV -s 10.244.1.6 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-EKRJ2VCABMCTGKTV -p tcp -j DNAT --to-destination 10.244.1.6:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.20 -j REJECT --reject-with icmp-port-unreachable`,
	"no endpoints": `filter -A ORCA-SERVICES -m comment --comment "default/none/tcp/http has no endpoints" -d 10.96.0.22 -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.22 -j REJECT --reject-with icmp-port-unreachable
filter -A ORCA-EXTERNAL-SERVICES -m comment --comment "default/none/tcp/http has no endpoints" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -p tcp -m tcp --dport 30082 -j REJECT --reject-with tcp-reset`,
	"internal local": `nat :ORCA-SVL-FY5PMXPG2AADAMEM - [0:0]
nat :ORCA-SEP-JXKAMGE4O7CNCOKK - [0:0]
nat -A ORCA-SERVICES -m comment --comment "kube-system/kube-dns/udp/dns cluster IP" -d 10.96.0.10 -p udp -m udp --dport 53 -j ORCA-SVL-FY5PMXPG2AADAMEM
nat -A ORCA-SVL-FY5PMXPG2AADAMEM -m comment --comment "kube-system/kube-dns/udp/dns cluster IP" -d 10.96.0.10 -p udp -m udp --dport 53 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVL-FY5PMXPG2AADAMEM -j ORCA-SEP-JXKAMGE4O7CNCOKK
nat -A ORCA-SEP-JXKAMGE4O7CNCOKK -s 192.0.2.2 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-JXKAMGE4O7CNCOKK -p udp -j DNAT --to-destination 192.0.2.2:53
filter -A ORCA-SERVICES -m comment --comment "kube-system/other/udp/dns has no local endpoints" -d 10.96.0.11 -p udp -m udp --dport 53 -j DROP
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.10 -j REJECT --reject-with icmp-port-unreachable
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.11 -j REJECT --reject-with icmp-port-unreachable`,
	"terminating fallback": `nat :ORCA-SVC-GERPREGLTXXLTI6Y - [0:0]
nat :ORCA-SEP-ROZGMMNAPPXGAHB3 - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/drain/tcp/http cluster IP" -d 10.96.0.30 -p tcp -m tcp --dport 80 -j ORCA-SVC-GERPREGLTXXLTI6Y
nat -A ORCA-SVC-GERPREGLTXXLTI6Y -m comment --comment "default/drain/tcp/http cluster IP" -d 10.96.0.30 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-GERPREGLTXXLTI6Y -j ORCA-SEP-ROZGMMNAPPXGAHB3
nat -A ORCA-SEP-ROZGMMNAPPXGAHB3 -s 10.244.0.5 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-ROZGMMNAPPXGAHB3 -p tcp -j DNAT --to-destination 10.244.0.5:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.30 -j REJECT --reject-with icmp-port-unreachable`,
	"load balancer source ranges": `nat :ORCA-SVC-PXD2R5GYJD5BJYAR - [0:0]
nat :ORCA-EXT-PXD2R5GYJD5BJYAR - [0:0]
nat :ORCA-FW-PXD2R5GYJD5BJYAR - [0:0]
nat :ORCA-SEP-T4TXLIGYFLBRY2OP - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/fw/tcp/http cluster IP" -d 10.96.0.60 -p tcp -m tcp --dport 80 -j ORCA-SVC-PXD2R5GYJD5BJYAR
nat -A ORCA-SERVICES -m comment --comment "default/fw/tcp/http load balancer IP" -d 192.0.2.2 -p tcp -m tcp --dport 80 -j ORCA-FW-PXD2R5GYJD5BJYAR
nat -A ORCA-SERVICES -m comment --comment "default/fw/tcp/http load balancer IP" -d 192.0.2.3 -p tcp -m tcp --dport 80 -j ORCA-FW-PXD2R5GYJD5BJYAR
nat -A ORCA-NODEPORTS -m comment --comment "default/fw/tcp/http" -p tcp -m tcp --dport 30083 -j ORCA-EXT-PXD2R5GYJD5BJYAR
nat -A ORCA-SVC-PXD2R5GYJD5BJYAR -m comment --comment "default/fw/tcp/http cluster IP" -d 10.96.0.60 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-PXD2R5GYJD5BJYAR -j ORCA-SEP-T4TXLIGYFLBRY2OP
nat -A ORCA-EXT-PXD2R5GYJD5BJYAR -j ORCA-MARK-MASQ
nat -A ORCA-EXT-PXD2R5GYJD5BJYAR -j ORCA-SVC-PXD2R5GYJD5BJYAR
nat -A ORCA-FW-PXD2R5GYJD5BJYAR -m comment --comment "default/fw/tcp/http loadBalancerSourceRanges" -s 198.51.100.7/32 -j ORCA-EXT-PXD2R5GYJD5BJYAR
nat -A ORCA-FW-PXD2R5GYJD5BJYAR -m comment --comment "default/fw/tcp/http loadBalancerSourceRanges" -s 203.0.113.0/24 -j ORCA-EXT-PXD2R5GYJD5BJYAR
nat -A ORCA-SEP-T4TXLIGYFLBRY2OP -s 10.244.0.8 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-T4TXLIGYFLBRY2OP -p tcp -j DNAT --to-destination 10.244.0.8:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.60 -j REJECT --reject-with icmp-port-unreachable
filter -A ORCA-EXTERNAL-SERVICES -m comment --comment "default/fw/tcp/http traffic not accepted by ORCA-FW-PXD2R5GYJD5BJYAR" -d 192.0.2.2 -p tcp -m tcp --dport 80 -j DROP
filter -A ORCA-EXTERNAL-SERVICES -m comment --comment "default/fw/tcp/http traffic not accepted by ORCA-FW-PXD2R5GYJD5BJYAR" -d 192.0.2.3 -p tcp -m tcp --dport 80 -j DROP`,
	"load balancer local": `nat :ORCA-SVC-D2RGPZ6LGXL3NNT3 - [0:0]
nat :ORCA-SVL-D2RGPZ6LGXL3NNT3 - [0:0]
nat :ORCA-EXT-D2RGPZ6LGXL3NNT3 - [0:0]
nat :ORCA-SEP-OGFSTPQ5OLUBDMEK - [0:0]
nat :ORCA-SEP-ON37VTCMJDCEEAWR - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/lb/tcp/http cluster IP" -d 10.96.0.21 -p tcp -m tcp --dport 80 -j ORCA-SVC-D2RGPZ6LGXL3NNT3
nat -A ORCA-SERVICES -m comment --comment "default/lb/tcp/http load balancer IP" -d 192.0.2.2 -p tcp -m tcp --dport 80 -j ORCA-EXT-D2RGPZ6LGXL3NNT3
nat -A ORCA-NODEPORTS -m comment --comment "default/lb/tcp/http" -p tcp -m tcp --dport 30081 -j ORCA-EXT-D2RGPZ6LGXL3NNT3
nat -A ORCA-SVC-D2RGPZ6LGXL3NNT3 -m comment --comment "default/lb/tcp/http cluster IP" -d 10.96.0.21 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-D2RGPZ6LGXL3NNT3 -m statistic --mode random --probability 0.5000000000 -j ORCA-SEP-OGFSTPQ5OLUBDMEK
nat -A ORCA-SVC-D2RGPZ6LGXL3NNT3 -j ORCA-SEP-ON37VTCMJDCEEAWR
nat -A ORCA-SVL-D2RGPZ6LGXL3NNT3 -j ORCA-SEP-OGFSTPQ5OLUBDMEK
nat -A ORCA-EXT-D2RGPZ6LGXL3NNT3 -s 10.244.0.0/16 -j ORCA-SVC-D2RGPZ6LGXL3NNT3
nat -A ORCA-EXT-D2RGPZ6LGXL3NNT3 -m addrtype --src-type LOCAL -j ORCA-MARK-MASQ
nat -A ORCA-EXT-D2RGPZ6LGXL3NNT3 -m addrtype --src-type LOCAL -j ORCA-SVC-D2RGPZ6LGXL3NNT3
nat -A ORCA-EXT-D2RGPZ6LGXL3NNT3 -j ORCA-SVL-D2RGPZ6LGXL3NNT3
nat -A ORCA-SEP-OGFSTPQ5OLUBDMEK -s 10.244.0.8 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-OGFSTPQ5OLUBDMEK -p tcp -j DNAT --to-destination 10.244.0.8:8080
nat -A ORCA-SEP-ON37VTCMJDCEEAWR -s 10.244.1.9 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-ON37VTCMJDCEEAWR -p tcp -j DNAT --to-destination 10.244.1.9:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.21 -j REJECT --reject-with icmp-port-unreachable`,
	"external ip local without local endpoints": `nat :ORCA-SVC-TJCMAZV6CIH5MZTY - [0:0]
nat :ORCA-EXT-TJCMAZV6CIH5MZTY - [0:0]
nat :ORCA-SEP-MZEBOGXQT2DYJAIO - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/ext/tcp/http cluster IP" -d 10.96.0.40 -p tcp -m tcp --dport 80 -j ORCA-SVC-TJCMAZV6CIH5MZTY
nat -A ORCA-SERVICES -m comment --comment "default/ext/tcp/http external IP" -d 203.0.113.7 -p tcp -m tcp --dport 80 -j ORCA-EXT-TJCMAZV6CIH5MZTY
nat -A ORCA-SVC-TJCMAZV6CIH5MZTY -m comment --comment "default/ext/tcp/http cluster IP" -d 10.96.0.40 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-TJCMAZV6CIH5MZTY -j ORCA-SEP-MZEBOGXQT2DYJAIO
nat -A ORCA-EXT-TJCMAZV6CIH5MZTY -s 10.244.0.0/16 -j ORCA-SVC-TJCMAZV6CIH5MZTY
nat -A ORCA-EXT-TJCMAZV6CIH5MZTY -m addrtype --src-type LOCAL -j ORCA-MARK-MASQ
nat -A ORCA-EXT-TJCMAZV6CIH5MZTY -m addrtype --src-type LOCAL -j ORCA-SVC-TJCMAZV6CIH5MZTY
nat -A ORCA-SEP-MZEBOGXQT2DYJAIO -s 10.244.1.5 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-MZEBOGXQT2DYJAIO -p tcp -j DNAT --to-destination 10.244.1.5:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.40 -j REJECT --reject-with icmp-port-unreachable
filter -A ORCA-EXTERNAL-SERVICES -m comment --comment "default/ext/tcp/http has no local endpoints" -d 203.0.113.7 -p tcp -m tcp --dport 80 -j DROP`,
	"client ip affinity": `nat :ORCA-SVC-H6U4RGLGFU4F4GI4 - [0:0]
nat :ORCA-SEP-U3BAY2MFHQSZENSV - [0:0]
nat :ORCA-SEP-EHWLZOKAU7PDIWF7 - [0:0]
nat -A ORCA-SERVICES -m comment --comment "default/sticky/tcp/http cluster IP" -d 10.96.0.50 -p tcp -m tcp --dport 80 -j ORCA-SVC-H6U4RGLGFU4F4GI4
nat -A ORCA-SVC-H6U4RGLGFU4F4GI4 -m comment --comment "default/sticky/tcp/http cluster IP" -d 10.96.0.50 -p tcp -m tcp --dport 80 ! -s 10.244.0.0/16 -j ORCA-MARK-MASQ
nat -A ORCA-SVC-H6U4RGLGFU4F4GI4 -m recent --name ORCA-SEP-U3BAY2MFHQSZENSV --rcheck --seconds 60 --reap -j ORCA-SEP-U3BAY2MFHQSZENSV
nat -A ORCA-SVC-H6U4RGLGFU4F4GI4 -m recent --name ORCA-SEP-EHWLZOKAU7PDIWF7 --rcheck --seconds 60 --reap -j ORCA-SEP-EHWLZOKAU7PDIWF7
nat -A ORCA-SVC-H6U4RGLGFU4F4GI4 -m statistic --mode random --probability 0.5000000000 -j ORCA-SEP-U3BAY2MFHQSZENSV
nat -A ORCA-SVC-H6U4RGLGFU4F4GI4 -j ORCA-SEP-EHWLZOKAU7PDIWF7
nat -A ORCA-SEP-U3BAY2MFHQSZENSV -s 10.244.0.5 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-U3BAY2MFHQSZENSV -p tcp -m recent --name ORCA-SEP-U3BAY2MFHQSZENSV --set -j DNAT --to-destination 10.244.0.5:8080
nat -A ORCA-SEP-EHWLZOKAU7PDIWF7 -s 10.244.1.6 -j ORCA-MARK-MASQ
nat -A ORCA-SEP-EHWLZOKAU7PDIWF7 -p tcp -m recent --name ORCA-SEP-EHWLZOKAU7PDIWF7 --set -j DNAT --to-destination 10.244.1.6:8080
filter -A ORCA-SERVICES -m comment --comment "ClusterIP without such a port" -d 10.96.0.50 -j REJECT --reject-with icmp-port-unreachable`,
	"not proxied": ``,
}
