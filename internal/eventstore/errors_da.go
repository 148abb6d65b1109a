package eventstore

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"cannot read an event block: corrupt header":                                                                                        "kan ikke læse en hændelsesblok: dens hoved er beskadiget",
		"the VictoriaLogs address %q must be victorialogs://host:port or http(s)://host:port":                                               "VictoriaLogs-adressen %q skal være victorialogs://vært:port eller http(s)://vært:port",
		"the VictoriaLogs address %q has an unknown parameter %q: only storage (the cluster's storage nodes, host:port,host:port) is known": "VictoriaLogs-adressen %q har en ukendt parameter %q: kun storage (klyngens lagerknuder, vært:port,vært:port) kendes",
		"the VictoriaLogs address %q names storage node %q, which is not host:port":                                                         "VictoriaLogs-adressen %q nævner lagerknuden %q, som ikke er vært:port",
		"buckets must be 1–500":                                         "buckets skal være 1–500",
		"give a time range with from before to":                         "angiv et tidsrum, hvor from ligger før to",
		"limit must be 1–1000":                                          "limit skal være 1–1000",
		"not a cursor from a previous page":                             "værdien er ikke en cursor fra en tidligere side",
		"event %d of batch %q has no id":                                "hændelse %d i batch %q mangler et id",
		"the query is longer than %d characters":                        "søgningen er længere end %d tegn",
		"retention must be 30–3650 days (0: the logging standard's %d)": "opbevaringstiden skal være 30–3650 dage (0: logstandardens %d)",
		"only an administrator, the secretariat or the organisation's own CISO may change its log retention": "kun en administrator, sekretariatet eller organisationens egen CISO kan ændre, hvor længe organisationens logs opbevares",
		"name the field to count by, e.g. host.name":                                                         "angiv feltet, der skal tælles efter, f.eks. host.name",
		"the field name is longer than 200 characters":                                                       "feltnavnet er længere end 200 tegn",
		"%s is different in nearly every event; count by a field such as host.name, user.name or event.code": "%s er forskelligt i næsten hver hændelse; tæl efter et felt som host.name, user.name eller event.code",
		"top must be 1–100": "top skal være 1–100",
	})
}
