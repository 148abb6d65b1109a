package event_test

import (
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

var received = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)

func TestParseSyslog(t *testing.T) {
	p := event.NewParser(nil)
	f := func(name, in string, want map[string]string, check func(e event.Event) string) {
		t.Helper()
		e := p.ParseSyslog([]byte(in), received, "10.9.9.9")
		for k, v := range want {
			var got string
			switch k {
			case "@format":
				got = e.Format
			case "@host":
				got = e.Host
			case "@app":
				got = e.App
			case "@message":
				got = e.Message
			case "@time":
				got = e.Time.Format(time.RFC3339Nano)
			case "@severity":
				got = event.SeverityName(e.Severity)
			case "@product":
				got = e.Product
			case "@error":
				got = e.ParseError
			default:
				got = e.Get(k)
			}
			if got != v {
				t.Errorf("%s: %s = %q; want %q (event %+v)", name, k, got, v, e)
			}
		}
		if check != nil {
			if msg := check(e); msg != "" {
				t.Errorf("%s: %s (event %+v)", name, msg, e)
			}
		}
	}
	f("rfc5424 with structured data",
		`<165>1 2026-11-29T10:00:00.123Z fw01.kk.dk evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event`,
		map[string]string{"@format": "rfc5424", "@host": "fw01.kk.dk", "@app": "evntslog", "@severity": "notice",
			"@time": "2026-11-29T10:00:00.123Z", "process.pid": "1234", "log.syslog.msgid": "ID47",
			"syslog.sd.exampleSDID@32473.iut": "3", "@message": "An application event", "@error": ""}, nil)
	f("rfc3164 sshd accepted",
		"<38>Nov 29 10:00:00 web01 sshd[123]: Accepted password for root from 10.1.2.3 port 51234 ssh2\n",
		map[string]string{"@format": "rfc3164", "@host": "web01", "@app": "sshd", "@product": "linux",
			"@time": "2026-11-29T09:00:00Z", "user.name": "root", "source.ip": "10.1.2.3", "source.port": "51234",
			"event.outcome": "success", "event.action": "ssh_login", "ssh.method": "password", "process.pid": "123"}, nil)
	f("sshd failed invalid user",
		"<38>Nov 29 10:00:01 web01 sshd[124]: Failed password for invalid user admin from 203.0.113.7 port 40000 ssh2",
		map[string]string{"user.name": "admin", "source.ip": "203.0.113.7", "event.outcome": "failure"}, nil)
	f("sudo",
		"<85>Nov 29 10:00:02 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
		map[string]string{"user.name": "alice", "user.effective.name": "root", "process.command_line": "/usr/bin/systemctl restart nginx",
			"process.executable": "/usr/bin/systemctl", "event.outcome": "success"}, nil)
	f("fortigate key=value",
		`<189>Nov 29 10:00:03 FGT-KK date=2026-11-29 time=10:00:03 devname="FGT-KK" devid="FGT60E0000" logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.5 srcport=51515 dstip=8.8.8.8 dstport=53 proto=17 action="accept" policyid=4 service="DNS"`,
		map[string]string{"source.ip": "10.0.0.5", "destination.ip": "8.8.8.8", "destination.port": "53", "network.transport": "udp",
			"event.action": "accept", "rule.id": "4", "observer.name": "FGT-KK", "@product": "fortinet", "labels.date": "2026-11-29"}, nil)
	f("cef over syslog",
		`<134>Nov 29 10:00:04 pa01 CEF:0|Palo Alto Networks|PAN-OS|10.1|THREAT|virus found|8|src=10.0.0.1 dst=192.0.2.4 spt=1234 dpt=443 act=blocked msg=Virus found in file x\=y.exe suser=KK\\bob`,
		map[string]string{"observer.vendor": "Palo Alto Networks", "event.code": "THREAT", "event.severity": "8", "@message": "virus found",
			"source.ip": "10.0.0.1", "destination.port": "443", "event.action": "blocked", "message.detail": "Virus found in file x=y.exe",
			"source.user.name": `KK\bob`, "@product": "palo alto networks"}, nil)
	f("json in syslog",
		`<14>Nov 29 10:00:05 app01 myapp: {"level":"error","msg":"payment failed","user":"u1","amount":12.5}`,
		map[string]string{"@message": "payment failed", "@severity": "error", "user": "u1", "amount": "12.5"}, nil)
	f("not syslog at all",
		"hello world without a header",
		nil, func(e event.Event) string {
			if e.Message == "" || (e.ParseError == "" && e.Format == event.FormatRaw) {
				return "unparseable input must keep its text and say why"
			}
			if e.Format == event.FormatRaw && e.Raw != "hello world without a header" {
				return "raw input lost"
			}
			return ""
		})
	f("empty", "", nil, func(e event.Event) string {
		if e.Format != event.FormatRaw || e.ParseError == "" {
			return "empty input must be raw with a parse error"
		}
		return ""
	})
}

func TestParseJSONWindows(t *testing.T) {
	winlogbeat := `{"@timestamp":"2026-11-29T09:00:00.000Z","host":{"name":"ws01.kk.local"},"event":{"code":"4688","provider":"Microsoft-Windows-Security-Auditing"},
		"winlog":{"channel":"Security","event_id":4688,"computer_name":"ws01.kk.local","event_data":{"NewProcessName":"C:\\Windows\\System32\\cmd.exe",
		"CommandLine":"cmd.exe /c whoami","ParentProcessName":"C:\\Windows\\explorer.exe","SubjectUserName":"bob"}},"message":"A new process has been created."}`
	e := event.ParseJSON([]byte(winlogbeat), received, "")
	for k, v := range map[string]string{"winlog.channel": "Security", "event.code": "4688", "process.command_line": "cmd.exe /c whoami",
		"process.executable": `C:\Windows\System32\cmd.exe`, "user.name": "bob", "process.parent.executable": `C:\Windows\explorer.exe`} {
		if got := e.Get(k); got != v {
			t.Errorf("winlogbeat %s = %q; want %q", k, got, v)
		}
	}
	if e.Host != "ws01.kk.local" || e.Product != "windows" || e.Message != "A new process has been created." || !e.Time.Equal(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("winlogbeat event = %+v", e)
	}
	nxlog := `{"EventTime":"2026-11-29 10:00:00","Hostname":"srv02","EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational",
		"SourceName":"Microsoft-Windows-Sysmon","Image":"C:\\Windows\\System32\\rundll32.exe","CommandLine":"rundll32.exe payload.dll,Start",
		"ParentImage":"C:\\Windows\\System32\\cmd.exe","User":"KK\\alice","Message":"Process Create"}`
	e = event.ParseJSON([]byte(nxlog), received, "")
	for k, v := range map[string]string{"winlog.event_id": "1", "event.code": "1", "winlog.channel": "Microsoft-Windows-Sysmon/Operational",
		"winlog.event_data.Image": `C:\Windows\System32\rundll32.exe`, "process.command_line": "rundll32.exe payload.dll,Start",
		"user.name": `KK\alice`, "host.name": "srv02"} {
		if got := e.Get(k); got != v {
			t.Errorf("nxlog %s = %q; want %q", k, got, v)
		}
	}
	if !e.Time.Equal(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("nxlog time %v; want 09:00 UTC (10:00 Copenhagen)", e.Time)
	}
	bad := event.ParseJSON([]byte(`{"a":`), received, "")
	if bad.Format != event.FormatRaw || bad.Raw != `{"a":` || !strings.Contains(bad.ParseError, "JSON") {
		t.Errorf("broken JSON = %+v; want raw with a parse error", bad)
	}
}
