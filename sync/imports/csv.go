package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tessera-auth/tessera/vault"
)

// readCSV reads a password manager's CSV export: a header line, then one
// row per item. Columns are found by header name, without regard to case
// or surrounding space. Rows whose otpColumn is blank are skipped; the
// header must have that column. entry makes the entry from a row's
// otpColumn value (trimmed) and get, which returns a column's value ("" if
// the row or header lacks it); its error is reported as a problem of that
// row. format starts every error.
func readCSV(data []byte, r *Result, format, otpColumn string, entry func(otpValue string, get func(column string) string) (vault.Entry, error)) error {
	cr := csv.NewReader(bytes.NewReader(trimBOM(data)))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: the header line: %v", format, csvErr(err))
	}
	col := columns(header)
	if _, ok := col[strings.ToLower(otpColumn)]; !ok {
		return fmt.Errorf("%s: %w: the header has no %s column", format, ErrUnknownFormat, otpColumn)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", format, csvErr(err))
		}
		line, _ := cr.FieldPos(0)
		where := fmt.Sprintf("line %d", line)
		get := func(name string) string {
			if i, ok := col[strings.ToLower(name)]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		v := strings.TrimSpace(get(otpColumn))
		if v == "" {
			continue
		}
		e, err := entry(v, get)
		if err != nil {
			r.problem(where, "%s: %v", otpColumn, err)
			continue
		}
		r.add(where, e)
	}
}

// columns maps lower-case CSV header names to their index.
func columns(header []string) map[string]int {
	m := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := m[h]; !dup {
			m[h] = i
		}
	}
	return m
}

// csvErr describes a CSV error by its position, without the text.
func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	if err == io.EOF {
		return "the file is empty"
	}
	return err.Error()
}
