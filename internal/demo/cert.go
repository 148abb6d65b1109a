package demo

import (
	"context"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
)

// LoadCert gives the demo's municipalities something for the CERT to
// match: København's mail and web servers and a Java library from an
// SBOM, Frederiksberg's newer web server, and one advisory of the CERT's
// own. It does nothing when København has assets, and reports whether it
// loaded them.
func LoadCert(ctx context.Context, c *cert.Service) (bool, error) {
	sc := access.System("demo")
	if _, total, err := c.Assets(ctx, sc, cert.AssetFilter{Text: "exchange", Limit: 1}); err != nil || total > 0 {
		return false, err
	}
	if _, err := c.ImportCSV(ctx, sc, "101", strings.NewReader(`vendor,product,version,location,owner
Microsoft,Exchange Server,15.2.1118.40,mail01.kk.dk,Driften
Apache,HTTP Server,2.4.57,web01.kk.dk,Digitalisering
OpenSSH,OpenSSH,9.3p1,jump01.kk.dk,Driften
`)); err != nil {
		return false, err
	}
	sbom := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"name":"sagssystem","version":"4.2"}},"components":[
		{"type":"library","group":"org.apache.logging.log4j","name":"log4j-core","version":"2.14.1","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]}`
	if _, err := c.ImportCycloneDX(ctx, sc, "101", "", []byte(sbom)); err != nil {
		return false, err
	}
	if _, err := c.ImportCSV(ctx, sc, "147", strings.NewReader("vendor,product,version,location\nApache,HTTP Server,2.4.58,www.frederiksberg.dk\n")); err != nil {
		return false, err
	}
	_, err := c.Publish(ctx, sc, cert.NewAdvisory{Ref: "SAMDRIFT-DEMO-1", Title: "Kritisk sårbarhed i Apache HTTP Server før 2.4.58",
		Summary: "En fjernangriber kan køre kode på webservere med Apache HTTP Server 2.4.0–2.4.57.", Severity: "high", CVEs: []string{"CVE-2026-20001"},
		Action: "Opdatér til 2.4.58 eller nyere; indtil da: slå mod_proxy fra.", TLP: "amber",
		Products: []cert.Product{{Vendor: "Apache", Product: "HTTP Server", Versions: "vers:generic/>=2.4.0|<2.4.58"}}})
	return err == nil, err
}
