package relp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"time"
)

// Client sends syslog messages over RELP and waits for their acks.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	txnr int
	buf  []byte
}

// NewClient opens a RELP session over conn (plain TCP or TLS).
func NewClient(conn net.Conn) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 256<<10)}
	offer := []byte("relp_version=0\nrelp_software=samdrift\ncommands=syslog")
	if err := c.roundTrip(CmdOpen, offer); err != nil {
		return nil, fmt.Errorf("relp open: %w", err)
	}
	return c, nil
}

func (c *Client) roundTrip(cmd string, data []byte) error {
	c.txnr = NextTxnr(c.txnr)
	c.buf = AppendFrame(c.buf[:0], c.txnr, cmd, data)
	if _, err := c.w.Write(c.buf); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	return c.expectOK(c.txnr)
}

func (c *Client) expectOK(txnr int) error {
	_ = c.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	f, err := ReadFrame(c.r)
	if err != nil {
		return err
	}
	if f.Command == CmdServerClose {
		return fmt.Errorf("the server closed the session")
	}
	if f.Command != CmdRsp || f.Txnr != txnr {
		return fmt.Errorf("want the answer to %d, got %d %s", txnr, f.Txnr, f.Command)
	}
	if !bytes.HasPrefix(f.Data, []byte("200")) {
		return fmt.Errorf("the server refused %d: %s", txnr, f.Data)
	}
	return nil
}

// Send sends messages as one window and returns when every one is acked.
func (c *Client) Send(msgs [][]byte) error {
	first := NextTxnr(c.txnr)
	for _, m := range msgs {
		c.txnr = NextTxnr(c.txnr)
		c.buf = AppendFrame(c.buf[:0], c.txnr, CmdSyslog, m)
		if _, err := c.w.Write(c.buf); err != nil {
			return err
		}
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	t := first
	for range msgs {
		if err := c.expectOK(t); err != nil {
			return err
		}
		t = NextTxnr(t)
	}
	return nil
}

// Close ends the session politely and closes the connection.
func (c *Client) Close() error {
	c.txnr = NextTxnr(c.txnr)
	c.buf = AppendFrame(c.buf[:0], c.txnr, CmdClose, nil)
	_, _ = c.w.Write(c.buf)
	_ = c.w.Flush()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = ReadFrame(c.r) // the rsp to close
	return c.conn.Close()
}
