package printers

import (
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestCertificateSigningRequestCells(t *testing.T) {
	csr := func(conds []certificatesv1.RequestConditionType, cert []byte) *certificatesv1.CertificateSigningRequest {
		c := &certificatesv1.CertificateSigningRequest{ObjectMeta: meta5m("csr-1"), Spec: certificatesv1.CertificateSigningRequestSpec{
			SignerName: "kubernetes.io/kube-apiserver-client", Username: "alice", ExpirationSeconds: ptr(int32(86400))}}
		for _, t := range conds {
			c.Status.Conditions = append(c.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: t, Status: corev1.ConditionTrue})
		}
		c.Status.Certificate = cert
		return c
	}
	row := func(cond string) []interface{} {
		return []interface{}{"csr-1", "5m", "kubernetes.io/kube-apiserver-client", "alice", "24h", cond}
	}
	checkCells(t, "certificates.k8s.io", "certificatesigningrequests", []cellCase{
		{"pending", csr(nil, nil), row("Pending")},
		{"issued", csr([]certificatesv1.RequestConditionType{certificatesv1.CertificateApproved}, []byte("x")), row("Approved,Issued")},
		{"denied failed", csr([]certificatesv1.RequestConditionType{certificatesv1.CertificateApproved,
			certificatesv1.CertificateDenied, certificatesv1.CertificateFailed}, nil), row("Denied,Failed")},
		{"empty", &certificatesv1.CertificateSigningRequest{}, []interface{}{"", "<unknown>", "<none>", "", "<none>", "Pending"}},
	})
	checkCells(t, "certificates.k8s.io", "clustertrustbundles", []cellCase{
		{"signer", &certificatesv1.ClusterTrustBundle{ObjectMeta: meta5m("b"), Spec: certificatesv1.ClusterTrustBundleSpec{SignerName: "example.com/s"}},
			[]interface{}{"b", "example.com/s"}},
	})
}
