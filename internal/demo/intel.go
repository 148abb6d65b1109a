package demo

import (
	"context"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
)

// partnerBundle is a partner CERT's STIX 2.1 bundle, written for the demo:
// a GREEN phishing report with two indicators.
const partnerBundle = `{"type":"bundle","id":"bundle--0f6f3c2e-4f6a-4a8e-9a51-5c1d6b2a7e01","objects":[
{"type":"identity","spec_version":"2.1","id":"identity--7a1f0f4e-2c3b-4d5e-8f60-1a2b3c4d5e6f","created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z","name":"Partner-CERT (demo)","identity_class":"organization"},
{"type":"indicator","spec_version":"2.1","id":"indicator--2b8c1d3e-5f60-4a7b-8c9d-0e1f2a3b4c5d","created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z","created_by_ref":"identity--7a1f0f4e-2c3b-4d5e-8f60-1a2b3c4d5e6f","name":"Phishing landing page","pattern":"[domain-name:value = 'login-kommune.example']","pattern_type":"stix","valid_from":"2026-11-20T08:00:00Z","valid_until":"2027-05-20T08:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
{"type":"indicator","spec_version":"2.1","id":"indicator--3c9d2e4f-6071-4b8c-9d0e-1f2a3b4c5d6e","created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z","created_by_ref":"identity--7a1f0f4e-2c3b-4d5e-8f60-1a2b3c4d5e6f","name":"Phishing mail relay","pattern":"[ipv4-addr:value = '203.0.113.66']","pattern_type":"stix","valid_from":"2026-11-20T08:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
{"type":"report","spec_version":"2.1","id":"report--4d0e3f50-7182-4c9d-8e1f-2a3b4c5d6e7f","created":"2026-11-20T08:00:00.000Z","modified":"2026-11-20T08:00:00.000Z","created_by_ref":"identity--7a1f0f4e-2c3b-4d5e-8f60-1a2b3c4d5e6f","name":"Phishing wave against municipal webmail","published":"2026-11-20T08:00:00Z","report_types":["campaign"],"object_refs":["indicator--2b8c1d3e-5f60-4a7b-8c9d-0e1f2a3b4c5d","indicator--3c9d2e4f-6071-4b8c-9d0e-1f2a3b4c5d6e"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}`

// LoadIntel gives the demo exchanged threat intelligence: a partner's
// STIX bundle (GREEN) and the CERT's own AMBER report for København. It
// does nothing when threat reports exist.
func LoadIntel(ctx context.Context, x *intel.Service, kbh int64) (bool, error) {
	sc := access.System("demo")
	if _, total, err := x.Reports(ctx, sc, intel.ReportFilter{Limit: 1}); err != nil || total > 0 {
		return false, err
	}
	if _, err := x.ImportSTIX(ctx, sc, []byte(partnerBundle), intel.ImportOptions{Name: "partner-cert-2026-11.json"}); err != nil {
		return false, err
	}
	_, _, err := x.CreateReport(ctx, sc, intel.NewReport{Title: "Brute force mod VPN fra kendt botnet", Description: "Fejlede VPN-logins fra disse adresser i november.",
		Level: "high", TLP: "amber", Org: kbh, Indicators: []indicator.Indicator{{Value: "192.0.2.45"}, {Value: "192.0.2.46"}}})
	return err == nil, err
}
