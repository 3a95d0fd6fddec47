package loopback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"
)

// MaxParams caps the parameters of a form body.
const MaxParams = 32

// ParseForm decodes an application/x-www-form-urlencoded body strictly:
// every parameter once, with a name, properly escaped, valid UTF-8.
func ParseForm(body []byte) (map[string]string, error) {
	form := map[string]string{}
	if len(body) == 0 {
		return form, nil
	}
	for i, pair := range strings.Split(string(body), "&") {
		if i >= MaxParams {
			return nil, fmt.Errorf("the form has more than %d parameters", MaxParams)
		}
		if pair == "" {
			return nil, fmt.Errorf("form parameter %d is empty (stray &)", i+1)
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key == "" {
			return nil, fmt.Errorf("form parameter %d has a malformed name", i+1)
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("form parameter %q has a malformed value", key)
		}
		if !utf8.ValidString(key) || !utf8.ValidString(val) {
			return nil, fmt.Errorf("form parameter %q is not valid UTF-8", key)
		}
		if _, dup := form[key]; dup {
			return nil, fmt.Errorf("form parameter %q appears more than once", key)
		}
		form[key] = val
	}
	return form, nil
}

// DecodeJSON decodes body, one JSON object, into the struct v strictly:
// valid UTF-8, field names exactly as v's json tags, each once, no null,
// values of the fields' types, nothing after the object.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return errors.New("the JSON body is not valid UTF-8")
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			known[name] = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("the body must be one JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("malformed JSON at byte %d", dec.InputOffset())
		}
		key := tok.(string)
		if !known[key] {
			return fmt.Errorf("unknown field %q", key)
		}
		if seen[key] {
			return fmt.Errorf("field %q appears more than once", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("malformed JSON in field %q", key)
		}
		if string(raw) == "null" {
			return fmt.Errorf("field %q is null", key)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return fmt.Errorf("malformed JSON at byte %d", dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q must be a JSON %s", te.Field, te.Type.Kind())
		}
		return fmt.Errorf("malformed JSON: %v", err)
	}
	return nil
}
