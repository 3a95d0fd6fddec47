package vault

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader is a small JSON reader for the body: faster than encoding/json
// on ten thousand entries, and it decodes secrets straight into byte slices
// the vault owns, so no copy lingers in unreachable strings.
type jsonReader struct {
	b     []byte
	pos   int
	depth int
}

const maxJSONDepth = 64

var errJSONEnd = errors.New("unexpected end")

func (r *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("byte %d: %s", r.pos, fmt.Sprintf(format, args...))
}

func (r *jsonReader) ws() {
	for r.pos < len(r.b) {
		switch r.b[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.pos >= len(r.b) {
		return 0
	}
	return r.b[r.pos]
}

func (r *jsonReader) expect(c byte) error {
	if r.peek() != c {
		if r.pos >= len(r.b) {
			return r.errorf("want %q, found the end", c)
		}
		return r.errorf("want %q", c)
	}
	r.pos++
	return nil
}

// object calls field for each key of an object; field must consume the value.
func (r *jsonReader) object(field func(key []byte) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.depth++; r.depth > maxJSONDepth {
		return r.errorf("nested too deeply")
	}
	defer func() { r.depth-- }()
	if r.peek() == '}' {
		r.pos++
		return nil
	}
	for {
		key, err := r.rawString()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.errorf("want ',' or '}'")
		}
	}
}

// array calls elem for each element of an array; elem must consume it.
func (r *jsonReader) array(elem func() error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if r.depth++; r.depth > maxJSONDepth {
		return r.errorf("nested too deeply")
	}
	defer func() { r.depth-- }()
	if r.peek() == ']' {
		r.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.errorf("want ',' or ']'")
		}
	}
}

// rawString returns the contents of a string: a slice of the input if it
// holds no escapes (valid until the input is cleared), else a new slice.
func (r *jsonReader) rawString() ([]byte, error) {
	if err := r.expect('"'); err != nil {
		return nil, err
	}
	start := r.pos
	for r.pos < len(r.b) {
		c := r.b[r.pos]
		switch {
		case c == '"':
			s := r.b[start:r.pos]
			r.pos++
			if !utf8.Valid(s) {
				return nil, r.errorf("string is not UTF-8")
			}
			return s, nil
		case c == '\\':
			return r.escapedString(start)
		case c < 0x20:
			return nil, r.errorf("control character in string")
		}
		r.pos++
	}
	return nil, errJSONEnd
}

func (r *jsonReader) escapedString(start int) ([]byte, error) {
	out := append([]byte(nil), r.b[start:r.pos]...)
	for r.pos < len(r.b) {
		c := r.b[r.pos]
		switch {
		case c == '"':
			r.pos++
			if !utf8.Valid(out) {
				clear(out)
				return nil, r.errorf("string is not UTF-8")
			}
			return out, nil
		case c < 0x20:
			clear(out)
			return nil, r.errorf("control character in string")
		case c != '\\':
			out = append(out, c)
			r.pos++
			continue
		}
		r.pos++
		if r.pos >= len(r.b) {
			break
		}
		e := r.b[r.pos]
		r.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				clear(out)
				return nil, r.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(c1) {
				if r.pos+1 < len(r.b) && r.b[r.pos] == '\\' && r.b[r.pos+1] == 'u' {
					r.pos += 2
					c2, ok := r.hex4()
					if !ok {
						clear(out)
						return nil, r.errorf("bad \\u escape")
					}
					c1 = utf16.DecodeRune(c1, c2)
				} else {
					c1 = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, c1)
		default:
			clear(out)
			return nil, r.errorf("bad escape")
		}
	}
	clear(out)
	return nil, errJSONEnd
}

func (r *jsonReader) hex4() (rune, bool) {
	if r.pos+4 > len(r.b) {
		return 0, false
	}
	var v rune
	for _, c := range r.b[r.pos : r.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	r.pos += 4
	return v, true
}

// secret returns the contents of a string in a new slice the caller owns.
func (r *jsonReader) secret() ([]byte, error) {
	if r.peek() == '"' {
		start := r.pos + 1
		s, err := r.rawString()
		if err != nil {
			return nil, err
		}
		if len(s) > 0 && r.pos-1-len(s) == start {
			return append([]byte(nil), s...), nil // a slice of the input: copy it
		}
		return s, nil
	}
	return r.rawString()
}

func (r *jsonReader) str() (string, error) {
	s, err := r.rawString()
	return string(s), err
}

// number returns the text of a number.
func (r *jsonReader) number() ([]byte, error) {
	r.ws()
	start := r.pos
	for r.pos < len(r.b) {
		c := r.b[r.pos]
		if !('0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		r.pos++
	}
	if start == r.pos {
		return nil, r.errorf("want a number")
	}
	return r.b[start:r.pos], nil
}

func (r *jsonReader) int() (int, error) {
	n, err := r.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(string(n))
	if err != nil {
		return 0, r.errorf("want an integer")
	}
	return v, nil
}

func (r *jsonReader) uint64() (uint64, error) {
	n, err := r.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		return 0, r.errorf("want an unsigned integer")
	}
	return v, nil
}

func (r *jsonReader) float() (float64, error) {
	n, err := r.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, r.errorf("want a number")
	}
	return v, nil
}

func (r *jsonReader) literal(word string) bool {
	r.ws()
	if len(r.b)-r.pos >= len(word) && string(r.b[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return false
}

func (r *jsonReader) bool() (bool, error) {
	switch {
	case r.literal("true"):
		return true, nil
	case r.literal("false"):
		return false, nil
	}
	return false, r.errorf("want true or false")
}

// skip consumes any value, for fields a newer writer added.
func (r *jsonReader) skip() error {
	switch c := r.peek(); {
	case c == '{':
		return r.object(func([]byte) error { return r.skip() })
	case c == '[':
		return r.array(r.skip)
	case c == '"':
		_, err := r.secret()
		return err
	case c == 't' || c == 'f':
		_, err := r.bool()
		return err
	case c == 'n':
		if r.literal("null") {
			return nil
		}
		return r.errorf("want a value")
	default:
		_, err := r.number()
		return err
	}
}

// end checks that nothing but white space follows.
func (r *jsonReader) end() error {
	if r.peek() != 0 {
		return r.errorf("unexpected data after the end")
	}
	return nil
}
