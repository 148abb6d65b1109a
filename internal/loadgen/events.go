// Package loadgen sends realistic mixed log events to samdrift over any of
// its receiver protocols, at a given rate or as fast as the receiver
// takes them, each carrying a run id and a sequence number; Verify counts
// what reached the store and lists the gaps. It is what benchmarks,
// reliability tests and users sizing a deployment run.
package loadgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Where the run id, sequence number and run size travel: syslog structured
// data (SDID loadgen@32473) or, in JSON documents, the labels object.
const (
	SDID          = "loadgen@32473"
	SyslogRunKey  = "syslog.sd." + SDID + ".run"
	SyslogSeqKey  = "syslog.sd." + SDID + ".seq"
	SyslogSizeKey = "syslog.sd." + SDID + ".of"
	LabelRunKey   = "labels.loadgen_run"
	LabelSeqKey   = "labels.loadgen_seq"
	LabelSizeKey  = "labels.loadgen_of"
)

// kinds of generated event, in the mix's order.
const (
	kindSSHD = iota
	kindSudo
	kindFirewall
	kindWinProcess
	kindWinLogon
	kindNetwork
	kinds
)

var (
	users = []string{"anna", "bo", "carl", "dorte", "emil", "frida", "root", "svc_backup"}
	hosts = []string{"dc01", "dc02", "fil01", "web01", "ws-1042", "ws-2210", "fw01", "sw-core1"}
	cmds  = []string{`C:\Windows\System32\cmd.exe /c whoami`, `powershell.exe -NoProfile -Command Get-Process`,
		`C:\Windows\System32\svchost.exe -k netsvcs`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"`}
)

// gen makes the events of one run.
type gen struct {
	run  string
	size int
}

func (g gen) ip(seq int) string {
	return "10." + strconv.Itoa(seq>>16&255) + "." + strconv.Itoa(seq>>8&255) + "." + strconv.Itoa(seq&255)
}

// body returns the message part of a syslog line, its app name and
// severity.
func (g gen) body(seq int, now time.Time) (app, msg string, sev int) {
	u, h := users[seq%len(users)], hosts[seq%len(hosts)]
	switch seq % kinds {
	case kindSSHD:
		if seq%3 == 0 {
			return "sshd", fmt.Sprintf("Failed password for %s from %s port %d ssh2", u, g.ip(seq), 40000+seq%20000), 5
		}
		return "sshd", fmt.Sprintf("Accepted publickey for %s from %s port %d ssh2", u, g.ip(seq), 40000+seq%20000), 6
	case kindSudo:
		return "sudo", fmt.Sprintf("%s : TTY=pts/%d ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx", u, seq%8, u), 5
	case kindFirewall:
		action := "accept"
		if seq%4 == 0 {
			action = "deny"
		}
		return "", fmt.Sprintf(`date=%s time=%s devname="fw01" type="traffic" subtype="forward" action="%s" srcip=%s srcport=%d dstip=192.0.2.%d dstport=%d proto=6 sentbyte=%d`,
			now.Format("2006-01-02"), now.Format("15:04:05"), action, g.ip(seq), 1024+seq%60000, seq%250+1, []int{443, 80, 22, 3389, 53}[seq%5], seq%100000), 6
	case kindWinProcess, kindWinLogon:
		b, _ := json.Marshal(g.windows(seq, now, false))
		return "", string(b), 6
	default:
		return "", fmt.Sprintf("%%LINK-3-UPDOWN: Interface GigabitEthernet0/%d, changed state to down (%s)", seq%48, h), 3
	}
}

// windows returns a Winlogbeat-shaped document; withLabels adds the run
// labels (JSON transports carry them in the document).
func (g gen) windows(seq int, now time.Time, withLabels bool) map[string]any {
	u, h := users[seq%len(users)], hosts[seq%len(hosts)]
	doc := map[string]any{"@timestamp": now.UTC().Format(time.RFC3339Nano), "host": map[string]any{"name": h + ".kommune.local"}}
	if seq%kinds == kindWinProcess {
		// The command turns with seq/kinds: seq%len(cmds) would only ever
		// meet the commands whose index shares seq's residue (whoami never
		// came, so the demo's whoami rule never fired under load).
		doc["winlog"] = map[string]any{"channel": "Security", "event_id": 4688, "provider_name": "Microsoft-Windows-Security-Auditing",
			"event_data": map[string]any{"NewProcessName": `C:\Windows\System32\cmd.exe`, "CommandLine": cmds[(seq/kinds)%len(cmds)],
				"SubjectUserName": u, "ParentProcessName": `C:\Windows\explorer.exe`}}
		doc["message"] = "A new process has been created."
	} else {
		doc["winlog"] = map[string]any{"channel": "Security", "event_id": 4624, "provider_name": "Microsoft-Windows-Security-Auditing",
			"event_data": map[string]any{"TargetUserName": u, "LogonType": "3", "IpAddress": g.ip(seq)}}
		doc["message"] = "An account was successfully logged on."
	}
	if withLabels {
		doc["labels"] = map[string]any{"loadgen_run": g.run, "loadgen_seq": seq, "loadgen_of": g.size}
	}
	return doc
}

// syslog returns event seq as an RFC 5424 line with the run in structured
// data.
func (g gen) syslog(seq int, now time.Time) []byte {
	app, msg, sev := g.body(seq, now)
	if app == "" {
		app = "-"
	}
	pri := 8*4 + sev // facility auth
	if seq%kinds == kindFirewall || seq%kinds == kindNetwork {
		pri = 8*23 + sev // local7
	}
	h := hosts[seq%len(hosts)]
	return fmt.Appendf(nil, `<%d>1 %s %s %s %d - [%s run="%s" seq="%d" of="%d"] %s`, pri, now.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), h, app, 1000+seq%30000,
		SDID, g.run, seq, g.size, msg)
}

// json returns event seq as one JSON document (HTTP JSON lines, _bulk).
func (g gen) json(seq int, now time.Time) []byte {
	var doc map[string]any
	switch seq % kinds {
	case kindWinProcess, kindWinLogon:
		doc = g.windows(seq, now, true)
	default:
		app, msg, sev := g.body(seq, now)
		doc = map[string]any{"@timestamp": now.UTC().Format(time.RFC3339Nano), "message": msg,
			"host":   map[string]any{"name": hosts[seq%len(hosts)]},
			"log":    map[string]any{"syslog": map[string]any{"severity": map[string]any{"code": sev}}},
			"labels": map[string]any{"loadgen_run": g.run, "loadgen_seq": seq, "loadgen_of": g.size}}
		if app != "" {
			doc["process"] = map[string]any{"name": app}
		}
	}
	b, _ := json.Marshal(doc)
	return b
}

// Sample returns n events of the loadgen mix as RFC 5424 syslog lines
// (run id "sample"), for benchmarks of the stages after the receivers.
func Sample(n int, now time.Time) [][]byte {
	g := gen{run: "sample", size: n}
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.syslog(i, now)
	}
	return out
}
