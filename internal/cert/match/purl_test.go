package match

import (
	"maps"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

func TestParsePURL(t *testing.T) {
	tests := []struct {
		in        string
		want      PURL
		canonical string
	}{
		{
			"pkg:npm/%40angular/animation@12.3.1",
			PURL{Type: "npm", Namespace: "@angular", Name: "animation", Version: "12.3.1"},
			"pkg:npm/%40angular/animation@12.3.1",
		},
		{
			"pkg:npm/@angular/animation@12.3.1", // unencoded scope, as many tools write it
			PURL{Type: "npm", Namespace: "@angular", Name: "animation", Version: "12.3.1"},
			"pkg:npm/%40angular/animation@12.3.1",
		},
		{
			"pkg:npm/@Angular/Animation",
			PURL{Type: "npm", Namespace: "@angular", Name: "animation"},
			"pkg:npm/%40angular/animation",
		},
		{
			"pkg:pypi/Django_Rest@1.0",
			PURL{Type: "pypi", Name: "django-rest", Version: "1.0"},
			"pkg:pypi/django-rest@1.0",
		},
		{
			"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources",
			PURL{Type: "maven", Namespace: "org.apache.xmlgraphics", Name: "batik-anim", Version: "1.9.1", Qualifiers: map[string]string{"packaging": "sources"}},
			"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources",
		},
		{
			"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repositorY_url=repo.spring.io/release&classifier=sources",
			PURL{Type: "maven", Namespace: "org.apache.xmlgraphics", Name: "batik-anim", Version: "1.9.1", Qualifiers: map[string]string{"repository_url": "repo.spring.io/release", "classifier": "sources"}},
			"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io/release",
		},
		{
			"pkg:Maven/Org.Example/MyLib@1.0",
			PURL{Type: "maven", Namespace: "Org.Example", Name: "MyLib", Version: "1.0"},
			"pkg:maven/Org.Example/MyLib@1.0",
		},
		{
			"pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
			PURL{Type: "deb", Namespace: "debian", Name: "curl", Version: "7.50.3-1", Qualifiers: map[string]string{"arch": "i386", "distro": "jessie"}},
			"pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
		},
		{
			"pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
			PURL{Type: "deb", Namespace: "debian", Name: "attr", Version: "1:2.4.47-2+b1", Qualifiers: map[string]string{"arch": "amd64"}},
			"pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
		},
		{
			"pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
			PURL{Type: "golang", Namespace: "google.golang.org", Name: "genproto", Subpath: "googleapis/api/annotations"},
			"pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
		},
		{
			"pkg:GOLANG/google.golang.org/genproto@abcdedf#/googleapis/./api/../annotations/",
			PURL{Type: "golang", Namespace: "google.golang.org", Name: "genproto", Version: "abcdedf", Subpath: "googleapis/api/annotations"},
			"pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations",
		},
		{
			"pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c",
			PURL{Type: "golang", Namespace: "github.com/gorilla", Name: "context", Version: "234fd47e07d1004f0aed9c"},
			"pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c",
		},
		{
			"pkg:rpm/Fedora/Curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
			PURL{Type: "rpm", Namespace: "fedora", Name: "Curl", Version: "7.50.3-1.fc25", Qualifiers: map[string]string{"arch": "i386", "distro": "fedora-25"}},
			"pkg:rpm/fedora/Curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
		},
		{
			"pkg:github/Package-URL/Purl-Spec@244fd47e07d1004",
			PURL{Type: "github", Namespace: "package-url", Name: "purl-spec", Version: "244fd47e07d1004"},
			"pkg:github/package-url/purl-spec@244fd47e07d1004",
		},
		{
			"pkg:generic/openssl@1.1.10g",
			PURL{Type: "generic", Name: "openssl", Version: "1.1.10g"},
			"pkg:generic/openssl@1.1.10g",
		},
		{
			"pkg:generic/bitwarderl?vcs_url=git%2Bhttps://git.fsfe.org/dxtr/bitwarderl%40cc55108da32",
			PURL{Type: "generic", Name: "bitwarderl", Qualifiers: map[string]string{"vcs_url": "git+https://git.fsfe.org/dxtr/bitwarderl@cc55108da32"}},
			"pkg:generic/bitwarderl?vcs_url=git%2Bhttps://git.fsfe.org/dxtr/bitwarderl%40cc55108da32",
		},
		{
			"pkg:docker/customer/dockerimage@sha256%3A244fd47e07d10?repository_url=gcr.io",
			PURL{Type: "docker", Namespace: "customer", Name: "dockerimage", Version: "sha256:244fd47e07d10", Qualifiers: map[string]string{"repository_url": "gcr.io"}},
			"pkg:docker/customer/dockerimage@sha256:244fd47e07d10?repository_url=gcr.io",
		},
		{
			"pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
			PURL{Type: "nuget", Name: "EnterpriseLibrary.Common", Version: "6.0.1304"},
			"pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
		},
		{
			"pkg://npm//foo//bar@1.0.0/?a=&b=c", // tolerated slashes, empty qualifier dropped
			PURL{Type: "npm", Namespace: "foo", Name: "bar", Version: "1.0.0", Qualifiers: map[string]string{"b": "c"}},
			"pkg:npm/foo/bar@1.0.0?b=c",
		},
		{
			"pkg:generic/my%20tool@1.0%20beta",
			PURL{Type: "generic", Name: "my tool", Version: "1.0 beta"},
			"pkg:generic/my%20tool@1.0%20beta",
		},
	}
	for _, tt := range tests {
		got, err := ParsePURL(tt.in)
		if err != nil {
			t.Errorf("ParsePURL(%q): %v", tt.in, err)
			continue
		}
		if got.Type != tt.want.Type || got.Namespace != tt.want.Namespace || got.Name != tt.want.Name ||
			got.Version != tt.want.Version || got.Subpath != tt.want.Subpath || !maps.Equal(got.Qualifiers, tt.want.Qualifiers) {
			t.Errorf("ParsePURL(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.canonical {
			t.Errorf("ParsePURL(%q).String() = %q; want %q", tt.in, s, tt.canonical)
		}
		again, err := ParsePURL(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("round trip of %q: %v, %v", got.String(), again, err)
		}
	}
}

func TestParsePURLErrors(t *testing.T) {
	tests := []string{
		"",
		"npm/foo@1.0",
		"http:npm/foo",
		"pkg:",
		"pkg:npm",
		"pkg:npm/",
		"pkg:npm/foo@",
		"pkg:/foo",
		"pkg:1npm/foo",
		"pkg:n$pm/foo",
		"pkg:maven/batik-anim@1.9.1", // maven needs a group
		"pkg:npm/foo?1key=v",
		"pkg:npm/foo?=v",
		"pkg:npm/foo?k%20ey=v",
		"pkg:npm/foo?a=1&A=2",
		"pkg:npm/%zz",
		"pkg:npm/foo@1.%zz",
		"pkg:npm/foo?a=%zz",
		"pkg:npm/foo#a/%zz",
		"pkg:npm/a%2Fb/foo", // encoded slash in a namespace segment
	}
	for _, in := range tests {
		p, err := ParsePURL(in)
		if err == nil {
			t.Errorf("ParsePURL(%q) = %+v; want an error", in, p)
			continue
		}
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "purl" {
			t.Errorf("ParsePURL(%q) error = %v; want errs.Invalid on field purl", in, err)
		}
	}
}

func TestPURLSamePackage(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"pkg:pypi/Django_Rest@1.0", "pkg:pypi/django-rest@2.0", true},
		{"pkg:npm/%40angular/animation@12.3.1", "pkg:npm/@angular/animation?arch=x", true},
		{"pkg:npm/%40angular/animation", "pkg:npm/%40angular/core", false},
		{"pkg:npm/lodash", "pkg:npm/%40types/lodash", false},
		{"pkg:maven/org.apache/batik", "pkg:maven/Org.Apache/batik", false}, // maven is case-sensitive
		{"pkg:deb/debian/curl@7.50.3-1", "pkg:deb/Debian/CURL", true},
		{"pkg:deb/debian/curl", "pkg:deb/ubuntu/curl", false},
		{"pkg:deb/debian/curl", "pkg:rpm/debian/curl", false},
		{"pkg:golang/github.com/gorilla/context#api", "pkg:golang/github.com/Gorilla/context", true},
		{"pkg:generic/openssl", "pkg:generic/OpenSSL", false},
	}
	for _, tt := range tests {
		a, b := mustPURL(t, tt.a), mustPURL(t, tt.b)
		if got := a.SamePackage(b); got != tt.want {
			t.Errorf("ParsePURL(%q).SamePackage(%q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
		if got := b.SamePackage(a); got != tt.want {
			t.Errorf("ParsePURL(%q).SamePackage(%q) = %v; want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
	// Hand-built PURLs are normalised when compared and written.
	hand := PURL{Type: "PyPI", Name: "Django_Rest"}
	if !hand.SamePackage(mustPURL(t, "pkg:pypi/django-rest")) {
		t.Errorf("%+v.SamePackage(pkg:pypi/django-rest) = false; want true", hand)
	}
	if got := hand.String(); got != "pkg:pypi/django-rest" {
		t.Errorf("%+v.String() = %q; want pkg:pypi/django-rest", hand, got)
	}
	if !(PURL{}).IsZero() || hand.IsZero() {
		t.Errorf("IsZero wrong")
	}
}

func TestPURLScheme(t *testing.T) {
	tests := map[string]string{
		"pkg:npm/lodash": SchemeSemver, "pkg:golang/golang.org/x/net": SchemeSemver, "pkg:cargo/rand": SchemeSemver,
		"pkg:deb/debian/curl": SchemeDeb, "pkg:rpm/fedora/curl": SchemeRPM,
		"pkg:pypi/django": SchemeGeneric, "pkg:maven/org.apache/batik": SchemeGeneric, "pkg:generic/openssl": SchemeGeneric,
	}
	for in, want := range tests {
		if got := mustPURL(t, in).Scheme(); got != want {
			t.Errorf("ParsePURL(%q).Scheme() = %q; want %q", in, got, want)
		}
	}
}

func mustPURL(t *testing.T, s string) PURL {
	t.Helper()
	p, err := ParsePURL(s)
	if err != nil {
		t.Fatalf("ParsePURL(%q): %v", s, err)
	}
	return p
}
