package web

import "testing"

func TestTextLang(t *testing.T) {
	for _, c := range []struct {
		text     string
		page     Lang
		wantLang string
	}{
		{"Suspicious Encoded PowerShell Command Line", Danish, "en"},
		{"Interactive root shell through sudo", Danish, "en"},
		{"Ransomware-adfærd på fil01", Danish, ""},
		{"Mange mislykkede logins fra samme adresse", Danish, ""},
		{"Brute force af VPN", Danish, ""},
		{"Suspicious Encoded PowerShell Command Line", English, ""},
		{"Ransomware-adfærd på fil01", English, "da"},
	} {
		if got := (view{Lang: c.page}).TextLang(c.text); got != c.wantLang {
			t.Errorf("TextLang(%q) on a %s page = %q; want %q", c.text, c.page, got, c.wantLang)
		}
	}
}
