package printer

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

// The object formats every verb accepts for -o, besides its text views.
const (
	JSON = "json"
	YAML = "yaml"
)

// Printer prints one command's answer.
type Printer struct {
	output  string
	streams genericiooptions.IOStreams
}

// Option sets one of a Printer's options.
type Option func(*Printer)

// Output is the -o flag: JSON, YAML, or a text view ("" or a verb's own, such as "wide").
func Output(format string) Option { return func(p *Printer) { p.output = format } }

// Streams are where the answer (Out) and --explain with an object (ErrOut) go.
func Streams(s genericiooptions.IOStreams) Option { return func(p *Printer) { p.streams = s } }

// New returns a Printer with opts applied.
func New(opts ...Option) *Printer {
	p := &Printer{}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Print writes obj as JSON or YAML when -o asks for an object, else calls text with the output stream.
func (p *Printer) Print(obj any, text func(io.Writer) error) error {
	if !IsObject(p.output) {
		return text(p.streams.Out)
	}
	return WriteObject(p.streams.Out, p.output, obj)
}

// ExplainOut is where --explain goes: stdout beside a text view, stderr when stdout carries an object that
// a program reads.
func (p *Printer) ExplainOut() io.Writer {
	if IsObject(p.output) {
		return p.streams.ErrOut
	}
	return p.streams.Out
}

// IsObject reports whether format is an object format (json or yaml).
func IsObject(format string) bool { return format == JSON || format == YAML }

// ValidateOutput checks -o against the object formats and the verb's text views (besides the default "").
func ValidateOutput(format string, textViews ...string) error {
	allowed := append(slices.Clone(textViews), JSON, YAML)
	if format == "" || slices.Contains(allowed, format) {
		return nil
	}
	return fmt.Errorf("-o must be %s, got %q", orList(allowed), format)
}

// WriteObject writes obj in format (JSON indented, or YAML), as the stable object of docs/output.md.
func WriteObject(w io.Writer, format string, obj any) error {
	var b []byte
	var err error
	switch format {
	case JSON:
		b, err = json.MarshalIndent(obj, "", "  ")
		b = append(b, '\n')
	case YAML:
		b, err = yaml.Marshal(obj)
	default:
		return fmt.Errorf("unknown output format %q: use json or yaml", format)
	}
	if err != nil {
		return fmt.Errorf("encoding the answer as %s: %w", format, err)
	}
	_, err = w.Write(b)
	return err
}

func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
