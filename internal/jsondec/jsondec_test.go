package jsondec

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-faster/jx"
)

func TestScalarsAsEncodingJSON(t *testing.T) {
	for _, in := range []string{`"a\u00e9"`, "\"\xff\xfe\xed\xa0\x80z\"", `"\ud800\u0041"`, `"\ud83d\ude00"`} {
		var got, want string
		if err := Str(jx.DecodeStr(in), &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Str(%q) = %q, encoding/json %q", in, got, want)
		}
	}
	for _, c := range []struct {
		in   string
		bits int
		ok   bool
	}{{"127", 8, true}, {"128", 8, false}, {"-0", 64, true}, {"1e2", 64, false}, {"1.0", 64, false}, {`"1"`, 64, false}} {
		var n int64
		err := Int(jx.DecodeStr(c.in), c.bits, &n)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrType)) {
			t.Errorf("Int(%s, %d) = %d, %v", c.in, c.bits, n, err)
		}
	}
	n := int64(5)
	if err := Int(jx.DecodeStr("null"), 64, &n); err != nil || n != 5 {
		t.Errorf("null changed the value: %d, %v", n, err)
	}
}

// Uint and Float32 take what encoding/json stores in a uint8/uint64 and a float32, and refuse
// what it refuses, with ErrType.
func TestUintAndFloat32AsEncodingJSON(t *testing.T) {
	for _, in := range []string{"0", "255", "256", "-1", "-0", "1e2", "1.0", "18446744073709551615", "18446744073709551616", `"1"`, "true"} {
		var u8 uint8
		var u64 uint64
		for _, c := range []struct {
			bits int
			dst  any
		}{{8, &u8}, {64, &u64}} {
			var n uint64
			err := Uint(jx.DecodeStr(in), c.bits, &n)
			wantErr := json.Unmarshal([]byte(in), c.dst)
			if (err == nil) != (wantErr == nil) || (err != nil && !errors.Is(err, ErrType)) {
				t.Errorf("Uint(%s, %d) = %d, %v; encoding/json: %v", in, c.bits, n, err, wantErr)
			}
		}
	}
	for _, in := range []string{"0", "1.5", "-2e3", "3.4028234663852886e38", "3.5e38", "1e-50", "1e400", `"1"`} {
		var f float64
		var want float32
		err := Float32(jx.DecodeStr(in), &f)
		wantErr := json.Unmarshal([]byte(in), &want)
		if (err == nil) != (wantErr == nil) || (err == nil && float32(f) != want) || (err != nil && !errors.Is(err, ErrType)) {
			t.Errorf("Float32(%s) = %g, %v; encoding/json: %g, %v", in, f, err, want, wantErr)
		}
	}
	u, f := uint64(5), 2.5
	if Uint(jx.DecodeStr("null"), 64, &u) != nil || Float32(jx.DecodeStr("null"), &f) != nil || u != 5 || f != 2.5 {
		t.Errorf("null changed the value: %d, %g", u, f)
	}
}

func TestFoldIndex(t *testing.T) {
	names := []string{"result", "sip_username"}
	for key, want := range map[string]int{"RESULT": 0, "Sip_UserName": 1, "\u017fip_username": 1, "results": -1, "": -1} {
		if got := FoldIndex([]byte(key), names); got != want {
			t.Errorf("FoldIndex(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestEnd(t *testing.T) {
	for in, ok := range map[string]bool{
		"1 ": true, "1\n\t": true, "1 x": false, "1 {}": false,
		// A second value cut short: jx's error wraps io.EOF, which is not the end of the input.
		`1 {"a":`: false, `1 [1,`: false, `1 {`: false, `1 "ab`: false, `1 }`: false,
	} {
		d := jx.DecodeStr(in)
		var n int64
		if err := Int(d, 64, &n); err != nil {
			t.Fatal(err)
		}
		if err := End(d); (err == nil) != ok {
			t.Errorf("End after %q: %v", in, err)
		}
	}
}
