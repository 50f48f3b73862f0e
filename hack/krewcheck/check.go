package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

const testTag = "v0.0.0-krewcheck"

type plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []platform `json:"platforms"`
	} `json:"spec"`
}

type platform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	Sha256 string `json:"sha256"`
	Bin    string `json:"bin"`
}

// render fills the template as krew-release-bot does; the checksum is a placeholder of the right form.
func render(text string) ([]byte, error) {
	funcs := template.FuncMap{"addURIAndSha": func(url, tag string) (string, error) {
		t, err := template.New("url").Parse(url)
		if err != nil {
			return "", err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, struct{ TagName string }{tag}); err != nil {
			return "", err
		}
		return fmt.Sprintf("uri: %s\n    sha256: %s", b.String(), strings.Repeat("ab", 32)), nil
	}}
	t, err := template.New("manifest").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parsing template: %w", err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, struct{ TagName string }{testTag}); err != nil {
		return nil, fmt.Errorf("rendering template: %w", err)
	}
	return out.Bytes(), nil
}

var distPlatforms = regexp.MustCompile(`(?m)^PLATFORMS="([^"]+)"`)

func check(manifestPath, distPath string) ([]string, error) {
	text, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, err
	}
	dist, err := os.ReadFile(distPath)
	if err != nil {
		return nil, err
	}
	m := distPlatforms.FindSubmatch(dist)
	if m == nil {
		return nil, fmt.Errorf("%s has no PLATFORMS=\"…\" line", distPath)
	}
	built := map[string]bool{}
	for _, p := range strings.Fields(string(m[1])) {
		built[p] = true
	}

	rendered, err := render(string(text))
	if err != nil {
		return nil, err
	}
	var p plugin
	if err := yaml.UnmarshalStrict(rendered, &p); err != nil {
		return nil, fmt.Errorf("rendered manifest is not a krew Plugin: %w", err)
	}

	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" {
		bad("apiVersion/kind is %s/%s", p.APIVersion, p.Kind)
	}
	if p.Metadata.Name != "packetwalk" {
		bad("metadata.name is %q, want packetwalk", p.Metadata.Name)
	}
	if p.Spec.Version != testTag {
		bad("spec.version is %q: it must be {{ .TagName }}", p.Spec.Version)
	}
	if p.Spec.Homepage == "" || p.Spec.ShortDescription == "" || p.Spec.Description == "" {
		bad("homepage, shortDescription and description are required")
	}
	if !strings.Contains(p.Spec.Caveats, "PodSecurity") || !strings.Contains(p.Spec.Caveats, "NET_ADMIN") {
		bad("caveats must say which node privileges the helper pods get and the PodSecurity requirement")
	}

	inManifest := map[string]bool{}
	for i, pl := range p.Spec.Platforms {
		os, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		key := os + "/" + arch
		if inManifest[key] {
			bad("platform %s listed twice", key)
		}
		inManifest[key] = true
		ext, bin := ".tar.gz", "kubectl-packetwalk"
		if os == "windows" {
			ext, bin = ".zip", "kubectl-packetwalk.exe"
		}
		wantURI := fmt.Sprintf("https://github.com/packetwalk/kubectl-packetwalk/releases/download/%s/kubectl-packetwalk_%s_%s_%s%s", testTag, testTag, os, arch, ext)
		if pl.URI != wantURI {
			bad("platform %d (%s): uri %q, want %q (the name hack/dist.sh gives the archive)", i, key, pl.URI, wantURI)
		}
		if len(pl.Sha256) != 64 {
			bad("platform %d (%s): no sha256 (use addURIAndSha)", i, key)
		}
		if pl.Bin != bin {
			bad("platform %d (%s): bin %q, want %q", i, key, pl.Bin, bin)
		}
		if !built[key] {
			bad("platform %s is in the manifest but hack/dist.sh does not build it", key)
		}
	}
	var missing []string
	for key := range built {
		if !inManifest[key] {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		bad("hack/dist.sh builds %s but the manifest does not offer it", key)
	}
	return problems, nil
}
