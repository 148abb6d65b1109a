package relp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

func TestReadFrame(t *testing.T) {
	in := "1 open 30 relp_version=0\ncommands=syslog\n" + "2 syslog 11 <13>1 hello\n" + "3 close 0\n"
	r := bufio.NewReader(strings.NewReader(in))
	want := []Frame{{Txnr: 1, Command: "open", Data: []byte("relp_version=0\ncommands=syslog")}, {Txnr: 2, Command: "syslog", Data: []byte("<13>1 hello")}, {Txnr: 3, Command: "close"}}
	for _, w := range want {
		f, err := ReadFrame(r)
		if err != nil || f.Txnr != w.Txnr || f.Command != w.Command || !bytes.Equal(f.Data, w.Data) {
			t.Fatalf("ReadFrame = %+v, %v; want %+v", f, err, w)
		}
	}
	if _, err := ReadFrame(r); !errors.Is(err, io.EOF) {
		t.Errorf("at the end: %v; want EOF", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	for _, in := range []string{
		"x syslog 1 a\n",          // not a number
		"1 syslog 5 abc\n",        // data shorter than its length
		"1 syslog 3 abcX",         // no trailer
		"1 sys|og 1 a\n",          // bad command
		"1 syslog 99999999 a\n",   // longer than MaxData, and cut short
		"1234567890 syslog 1 a\n", // transaction number too long
		"1 close 0 \n",            // no trailer after a zero length
		"1 syslog 1a\n",           // no space after the length
		"1 syslog",                // cut short
	} {
		_, err := ReadFrame(bufio.NewReader(strings.NewReader(in)))
		if err == nil || errors.Is(err, io.EOF) {
			t.Errorf("ReadFrame(%q) = %v; want an error (not a clean EOF)", in, err)
		}
	}
}

// TestReadFrameTooLarge: a frame over MaxData is read whole, its data
// kept up to MaxData and marked, and the session goes on to the next.
func TestReadFrameTooLarge(t *testing.T) {
	n := MaxData + 10
	in := "1 syslog " + strconv.Itoa(n) + " " + strings.Repeat("x", n) + "\n2 syslog 1 b\n"
	r := bufio.NewReader(strings.NewReader(in))
	f, err := ReadFrame(r)
	if err != nil || f.Cut != n || len(f.Data) != MaxData || f.Txnr != 1 {
		t.Fatalf("ReadFrame(%d bytes) = txnr %d, %d bytes kept, cut %d, %v; want txnr 1, %d kept, cut %d", n, f.Txnr, len(f.Data), f.Cut, err, MaxData, n)
	}
	if f, err := ReadFrame(r); err != nil || f.Txnr != 2 || string(f.Data) != "b" || f.Cut != 0 {
		t.Errorf("the frame after = %+v, %v; want txnr 2 with b", f, err)
	}
}

func TestAppendFrameRoundTrip(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("200 OK"), []byte("line one\nline two")} {
		b := AppendFrame(nil, 999999999, CmdRsp, data)
		f, err := ReadFrame(bufio.NewReader(bytes.NewReader(b)))
		if err != nil || f.Txnr != 999999999 || f.Command != CmdRsp || !bytes.Equal(f.Data, data) {
			t.Errorf("round trip of %q = %+v, %v", data, f, err)
		}
	}
	if NextTxnr(999999999) != 1 || NextTxnr(1) != 2 {
		t.Error("transaction numbers must wrap from 999999999 to 1")
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("1 open 30 relp_version=0\ncommands=syslog\n2 syslog 3 abc\n3 close 0\n"))
	f.Add([]byte("12 rsp 6 200 OK\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		for i := 0; i < 100; i++ {
			fr, err := ReadFrame(r)
			if err != nil {
				return
			}
			if len(fr.Data) > MaxData || fr.Txnr < 0 {
				t.Fatalf("frame out of bounds: %d bytes, txnr %d", len(fr.Data), fr.Txnr)
			}
			// What was read writes back to the same frame.
			again, err := ReadFrame(bufio.NewReader(bytes.NewReader(AppendFrame(nil, fr.Txnr, fr.Command, fr.Data))))
			if err != nil || again.Txnr != fr.Txnr || again.Command != fr.Command || !bytes.Equal(again.Data, fr.Data) {
				t.Fatalf("re-encoding %+v gave %+v, %v", fr, again, err)
			}
		}
	})
}
