package sources

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"%s overlaps a log source of an organisation outside your reach, so it could take that organisation's logs; ask the SOC to settle it":   "%s overlapper en logkilde hos en organisation uden for din rækkevidde og kunne derfor overtage den organisations logs; bed SOC om at afklare det",
		"%s overlaps %s; register it with allow_overlap (--allow-overlap) if the senders should move, and the organisations concerned are told": "%s overlapper %s; registrér den med allow_overlap (--allow-overlap), hvis afsenderne skal flyttes – de berørte organisationer får besked",
		"your role may not register log sources":                                                                                              "din rolle giver ikke lov til at registrere logkilder",
		"give the source a name of 1–100 characters":                                                                                          "giv kilden et navn på 1–100 tegn",
		"not an address range such as 10.20.0.0/16: %q":                                                                                       "%q er ikke et adresseområde som fx 10.20.0.0/16",
		"not a host name pattern such as *.kk.dk: %q":                                                                                         "%q er ikke et mønster for værtsnavne som fx *.kk.dk",
		"write the pattern in ASCII without spaces (an international name in its xn-- form): %q":                                              "skriv mønsteret i ASCII uden mellemrum (et internationalt navn i sin xn--form): %q",
		"sha256: needs the certificate's 64-hex-digit SHA-256 fingerprint":                                                                    "sha256: kræver certifikatets SHA-256-fingeraftryk på 64 hexcifre",
		"cn: needs the certificate's subject common name":                                                                                     "cn: kræver navnet (common name) i certifikatets subject",
		"write sha256:<fingerprint> or cn:<common name>, got %q":                                                                              "skriv sha256:<fingeraftryk> eller cn:<common name>, ikke %q",
		"kind must be cidr, hostname, token or certificate, got %q":                                                                           "typen skal være cidr, hostname, token eller certificate, ikke %q",
		"only an address range can send over HTTP without a token":                                                                            "kun et adresseområde kan sende over HTTP uden token",
		"no source type %q in the logging standard; see GET /api/v1/logging-standard":                                                         "logningsstandarden har ingen kildetype %q; se GET /api/v1/logging-standard",
		"a silence threshold is 1 minute to 30 days":                                                                                          "grænsen for, hvornår en kilde er tavs, skal være fra 1 minut til 30 dage",
		"%s is wider than /%d (IPv6 /%d) and would take the traffic of many organisations; only the SOC or an administrator may register it":  "%s er bredere end /%d (IPv6 /%d) og ville overtage trafikken fra mange organisationer; kun SOC eller en administrator kan registrere det",
		"the pattern %q is not anchored in a domain (write *.kommune.dk or dc*.kommune.dk); only the SOC or an administrator may register it": "mønsteret %q er ikke forankret i et domæne (skriv *.kommune.dk eller dc*.kommune.dk); kun SOC eller en administrator kan registrere det",
	})
}
