package printers

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

func certificatesPrinters() map[string]Printer {
	return map[string]Printer{
		"certificatesigningrequests": {Columns: csrColumns, Cells: typed(csrCells)},
		"clustertrustbundles":        {Columns: clusterTrustBundleColumns, Cells: typed(clusterTrustBundleCells)},
	}
}

var csrColumns = columns(nameColumn(),
	ageColumn(),
	column("SignerName", "string", "Signer asked to sign the certificate."),
	column("Requestor", "string", "User who made the request."),
	column("RequestedDuration", "string", "Validity the requestor asked for."),
	column("Condition", "string", "Approval state of the request."))

func csrCells(csr *certificatesv1.CertificateSigningRequest, now time.Time) []interface{} {
	requested := "<none>"
	if s := csr.Spec.ExpirationSeconds; s != nil {
		requested = duration.HumanDuration(time.Duration(*s) * time.Second)
	}
	return []interface{}{csr.Name, age(csr.CreationTimestamp, now), orNone(csr.Spec.SignerName), csr.Spec.Username, requested, csrCondition(csr)}
}

// csrCondition is Denied, Approved or Pending, then ",Failed" and ",Issued" as they apply.
func csrCondition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	if denied {
		status = "Denied"
	} else if approved {
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}

var clusterTrustBundleColumns = columns(nameColumn(),
	column("SignerName", "string", "Signer the bundle belongs to."))

func clusterTrustBundleCells(b *certificatesv1.ClusterTrustBundle, _ time.Time) []interface{} {
	return []interface{}{b.Name, orNone(b.Spec.SignerName)}
}
