package wine

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"testing"
)

// TestDLL reads the stand-in bcryptprimitives.dll back with debug/pe: an
// x86-64 DLL whose export table names ProcessPrng, forwarded to
// advapi32.SystemFunction036 (an address inside the export directory's
// range). That Wine loads it and Go's runtime runs with it is checked by
// every test under Wine.
func TestDLL(t *testing.T) {
	f, err := pe.NewFile(bytes.NewReader(bcryptPrimitivesDLL()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || f.Characteristics&pe.IMAGE_FILE_DLL == 0 {
		t.Fatalf("machine %#x, characteristics %#x: not an x86-64 DLL", f.Machine, f.Characteristics)
	}
	opt, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("optional header %T, want PE32+", f.OptionalHeader)
	}
	dirEntry := opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT]
	if len(f.Sections) != 1 {
		t.Fatalf("%d sections, want 1", len(f.Sections))
	}
	s := f.Sections[0]
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	// at reads what lies at an RVA inside the section.
	at := func(rva uint32) []byte {
		if rva < s.VirtualAddress || rva >= s.VirtualAddress+s.VirtualSize {
			t.Fatalf("RVA %#x lies outside the section", rva)
		}
		return data[rva-s.VirtualAddress:]
	}
	cstr := func(rva uint32) string {
		b := at(rva)
		return string(b[:bytes.IndexByte(b, 0)])
	}
	var dir exportDirectory
	if err := binary.Read(bytes.NewReader(at(dirEntry.VirtualAddress)), binary.LittleEndian, &dir); err != nil {
		t.Fatal(err)
	}
	if got := cstr(dir.Name); got != "bcryptprimitives.dll" {
		t.Errorf("DLL name %q", got)
	}
	if dir.NumberOfNames != 1 || dir.NumberOfFunctions != 1 {
		t.Fatalf("%d names, %d functions; want 1 and 1", dir.NumberOfNames, dir.NumberOfFunctions)
	}
	le := binary.LittleEndian
	if got := cstr(le.Uint32(at(dir.AddressOfNames))); got != "ProcessPrng" {
		t.Errorf("export %q, want ProcessPrng", got)
	}
	ord := le.Uint16(at(dir.AddressOfNameOrdinals))
	fn := le.Uint32(at(dir.AddressOfFunctions + 4*uint32(ord)))
	if fn < dirEntry.VirtualAddress || fn >= dirEntry.VirtualAddress+dirEntry.Size {
		t.Fatalf("ProcessPrng's address %#x is code, not a forwarder", fn)
	}
	if got := cstr(fn); got != "advapi32.SystemFunction036" {
		t.Errorf("ProcessPrng forwards to %q", got)
	}
}
