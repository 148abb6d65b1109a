package event

import (
	"strings"
)

// interpret reads structure out of e.Message: CEF, JSON, sshd and sudo
// lines, and key=value firewall logs.
func interpret(e *Event) {
	msg := strings.TrimSpace(e.Message)
	switch {
	case strings.HasPrefix(msg, "CEF:"):
		parseCEF(e, msg)
	case len(msg) > 1 && msg[0] == '{':
		if err := mergeJSON(e, []byte(msg)); err != nil && e.ParseError == "" {
			e.ParseError = "message looks like JSON but is not: " + err.Error()
			e.Raw = msg
		}
	case e.App == "sshd":
		parseSSHD(e, msg)
	case e.App == "sudo":
		parseSudo(e, msg)
	default:
		if kv := splitKV(msg); len(kv) >= 3 {
			applyKV(e, kv)
		}
	}
}

// parseSSHD reads the sshd lines that matter for security monitoring.
func parseSSHD(e *Event, msg string) {
	e.Product = "linux"
	e.Set("event.category", "authentication")
	var outcome, method, rest string
	switch {
	case strings.HasPrefix(msg, "Accepted "):
		outcome, rest = "success", msg[len("Accepted "):]
	case strings.HasPrefix(msg, "Failed "):
		outcome, rest = "failure", msg[len("Failed "):]
	case strings.HasPrefix(msg, "Invalid user "):
		e.Set("event.outcome", "failure")
		e.Set("event.action", "ssh_invalid_user")
		f := strings.Fields(msg[len("Invalid user "):])
		if len(f) >= 3 && f[1] == "from" {
			e.Set("user.name", f[0])
			e.Set("source.ip", f[2])
		}
		return
	default:
		return
	}
	// "<method> for [invalid user ]<user> from <ip> port <port> ssh2"
	f := strings.Fields(rest)
	if len(f) < 2 {
		return
	}
	method, f = f[0], f[1:]
	if len(f) > 0 && f[0] == "for" {
		f = f[1:]
	}
	if len(f) > 2 && f[0] == "invalid" && f[1] == "user" {
		f = f[2:]
	}
	e.Set("event.action", "ssh_login")
	e.Set("event.outcome", outcome)
	e.Set("ssh.method", method)
	if len(f) > 0 {
		e.Set("user.name", f[0])
	}
	for i := 0; i+1 < len(f); i++ {
		switch f[i] {
		case "from":
			e.Set("source.ip", f[i+1])
		case "port":
			e.Set("source.port", f[i+1])
		}
	}
}

// parseSudo reads "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls -l".
func parseSudo(e *Event, msg string) {
	e.Product = "linux"
	user, rest, ok := strings.Cut(msg, " : ")
	if !ok {
		return
	}
	e.Set("user.name", strings.TrimSpace(user))
	e.Set("event.action", "sudo")
	for _, part := range strings.Split(rest, " ; ") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			if strings.Contains(part, "incorrect password") || strings.Contains(part, "NOT in sudoers") {
				e.Set("event.outcome", "failure")
			}
			continue
		}
		switch k {
		case "USER":
			e.Set("user.effective.name", v)
		case "COMMAND":
			e.Set("process.command_line", v)
			exe, _, _ := strings.Cut(v, " ")
			e.Set("process.executable", exe)
		case "PWD":
			e.Set("process.working_directory", v)
		case "TTY":
			e.Set("process.tty.name", v)
		}
	}
	e.SetDefault("event.outcome", "success")
}
