// Package relp speaks RELP, the Reliable Event Logging Protocol rsyslog
// uses (omrelp/imrelp): frames "TXNR SP COMMAND SP DATALEN [SP DATA] LF",
// commands open, syslog and close from the client, rsp (and serverclose)
// from the server, every command answered in order. No Go library for it
// is served, so samdrift has its own; the receiver is in package ingest.
package relp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxData bounds one frame's data (rsyslog's default maximum message is
// 8 KiB; its largest configurable is far below this).
const MaxData = 1 << 20

// Commands.
const (
	CmdOpen        = "open"
	CmdSyslog      = "syslog"
	CmdClose       = "close"
	CmdRsp         = "rsp"
	CmdServerClose = "serverclose"
)

// Frame is one RELP frame.
type Frame struct {
	Txnr    int
	Command string
	Data    []byte
	// Cut, when not 0, is the data length the sender gave, larger than
	// MaxData: Data holds the first MaxData bytes and the rest was read
	// and left out, so the session goes on and the frame can be answered.
	Cut int
}

// ErrFrame is a malformed frame; the connection cannot continue.
var ErrFrame = errors.New("relp: malformed frame")

// ReadFrame reads one frame. Data is a fresh slice the caller may keep.
func ReadFrame(r *bufio.Reader) (Frame, error) {
	var f Frame
	txnr, sep, err := readNumber(r, 9)
	if err != nil {
		return f, err
	}
	if sep != ' ' {
		return f, fmt.Errorf("%w: no space after the transaction number", ErrFrame)
	}
	f.Txnr = txnr
	cmd := make([]byte, 0, 8)
	for {
		c, err := r.ReadByte()
		if err != nil {
			return f, noEOF(err)
		}
		if c == ' ' {
			break
		}
		if len(cmd) >= 32 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return f, fmt.Errorf("%w: bad command", ErrFrame)
		}
		cmd = append(cmd, c)
	}
	f.Command = string(cmd)
	n, sep, err := readNumber(r, 9)
	if err != nil {
		return f, noEOF(err)
	}
	keep := n
	if n > MaxData {
		f.Cut, keep = n, MaxData
	}
	if n == 0 {
		if sep != '\n' {
			return f, fmt.Errorf("%w: no trailer", ErrFrame)
		}
		return f, nil
	}
	if sep != ' ' {
		return f, fmt.Errorf("%w: no space after the data length", ErrFrame)
	}
	f.Data = make([]byte, keep)
	if _, err := io.ReadFull(r, f.Data); err != nil {
		return f, noEOF(err)
	}
	if n > keep {
		if _, err := r.Discard(n - keep); err != nil {
			return f, noEOF(err)
		}
	}
	c, err := r.ReadByte()
	if err != nil {
		return f, noEOF(err)
	}
	if c != '\n' {
		return f, fmt.Errorf("%w: no trailer after the data", ErrFrame)
	}
	return f, nil
}

// readNumber reads up to max digits and returns the number and the byte
// after it.
func readNumber(r *bufio.Reader, max int) (int, byte, error) {
	n, digits := 0, 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			if digits > 0 {
				err = noEOF(err)
			}
			return 0, 0, err
		}
		if c < '0' || c > '9' {
			if digits == 0 {
				return 0, 0, fmt.Errorf("%w: a number was expected", ErrFrame)
			}
			return n, c, nil
		}
		digits++
		if digits > max {
			return 0, 0, fmt.Errorf("%w: number too long", ErrFrame)
		}
		n = n*10 + int(c-'0')
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendFrame appends a frame's wire form to b.
func AppendFrame(b []byte, txnr int, cmd string, data []byte) []byte {
	b = strconv.AppendInt(b, int64(txnr), 10)
	b = append(b, ' ')
	b = append(b, cmd...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(data)), 10)
	if len(data) > 0 {
		b = append(b, ' ')
		b = append(b, data...)
	}
	return append(b, '\n')
}

// NextTxnr returns the transaction number after t (they wrap from
// 999999999 to 1).
func NextTxnr(t int) int {
	if t >= 999999999 {
		return 1
	}
	return t + 1
}
