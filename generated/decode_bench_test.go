package generated

import (
	"encoding/json"
	"testing"

	"github.com/go-faster/jx"
)

// BenchmarkDecodePage decodes a 20-row GetSipRegistrations page (every member of the spec set)
// with the generated one-pass decoder and with encoding/json, with no HTTP around it.
func BenchmarkDecodePage(b *testing.B) {
	doc := loadSpec(b)
	row := sample(doc, doc.Components.Schemas["SIPRegistration"])
	rows := make([]any, 20)
	for i := range rows {
		rows[i] = row
	}
	body := []byte(mustJSON(map[string]any{"result": rows, "count": 20}))
	b.Run("decoder=generated", func(b *testing.B) {
		b.ReportAllocs()
		d := jx.GetDecoder()
		for b.Loop() {
			var r GetSIPRegistrationsResult
			var alt ErrorResponse
			d.ResetBytes(body)
			if _, err := r.DecodeOneOfJX(d, &alt); err != nil || len(r.Result) != 20 {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder=encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r GetSIPRegistrationsResult
			if err := json.Unmarshal(body, &r); err != nil || len(r.Result) != 20 {
				b.Fatal(err)
			}
		}
	})
}
