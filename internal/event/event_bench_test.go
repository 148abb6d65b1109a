package event_test

import (
	"testing"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/loadgen"
)

var mix = [][]byte{
	[]byte("<38>Nov 29 10:00:00 web01 sshd[123]: Accepted password for root from 10.1.2.3 port 51234 ssh2"),
	[]byte(`<189>Nov 29 10:00:03 FGT-KK date=2026-11-29 time=10:00:03 devname="FGT-KK" devid="FGT60E0000" logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.5 srcport=51515 dstip=8.8.8.8 dstport=53 proto=17 action="accept" policyid=4 service="DNS"`),
	[]byte(`<165>1 2026-11-29T10:00:00.123Z sw01.kk.dk ios - - [meta sequenceId="1"] %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down`),
	[]byte(`<134>Nov 29 10:00:04 pa01 CEF:0|Palo Alto Networks|PAN-OS|10.1|THREAT|virus found|8|src=10.0.0.1 dst=192.0.2.4 spt=1234 dpt=443 act=blocked`),
	[]byte("<85>Nov 29 10:00:02 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"),
}

// BenchmarkParseSyslog parses a mix of sshd, firewall key=value, RFC 5424
// network gear, CEF and sudo messages on one goroutine.
func BenchmarkParseSyslog(b *testing.B) {
	p := event.NewParser(nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := p.ParseSyslog(mix[i%len(mix)], received, "10.0.0.1")
		if e.Format == "" {
			b.Fatal("no format")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParseJSONWindows parses a Winlogbeat process-creation event.
func BenchmarkParseJSONWindows(b *testing.B) {
	doc := []byte(`{"@timestamp":"2026-11-29T09:00:00.000Z","host":{"name":"ws01.kk.local"},"event":{"code":"4688"},"winlog":{"channel":"Security","event_id":4688,"computer_name":"ws01.kk.local","event_data":{"NewProcessName":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","ParentProcessName":"C:\\Windows\\explorer.exe","SubjectUserName":"bob"}},"message":"A new process has been created."}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := event.ParseJSON(doc, received, "")
		if e.Product != "windows" {
			b.Fatal("not windows")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParseLoadgen parses loadgen's mix as the syslog receiver does
// (RFC 5424 with the run in structured data; sshd, sudo, FortiGate,
// Windows JSON and Cisco bodies).
func BenchmarkParseLoadgen(b *testing.B) {
	lines := loadgen.Sample(6000, received)
	p := event.NewParser(nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := p.ParseSyslog(lines[i%len(lines)], received, "10.0.0.1")
		if e.Format != event.FormatRFC5424 {
			b.Fatalf("format %s", e.Format)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
