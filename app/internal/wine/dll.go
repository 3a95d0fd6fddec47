package wine

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
)

// The stand-in bcryptprimitives.dll: its one export, ProcessPrng, forwards
// to advapi32's SystemFunction036 (RtlGenRandom). Both take a buffer and
// its length in the first two argument registers and return a non-zero
// low byte on success, which is all Go's runtime and syscall package look
// at. Wine's loader resolves the forward, so the DLL holds no code.
const (
	dllName     = "bcryptprimitives.dll"
	dllExport   = "ProcessPrng"
	dllForwards = "advapi32.SystemFunction036"
)

// Layout of the DLL: headers in the first file block, the export data in
// one read-only section at RVA sectionRVA, stored in the second block.
const (
	fileAlign    = 0x200
	sectionAlign = 0x1000
	sectionRVA   = 0x1000
	imageBase    = 0x6ff00000 // any free 64 KiB-aligned address
)

// exportDirectory is IMAGE_EXPORT_DIRECTORY.
type exportDirectory struct {
	Characteristics       uint32
	TimeDateStamp         uint32
	MajorVersion          uint16
	MinorVersion          uint16
	Name                  uint32
	Base                  uint32
	NumberOfFunctions     uint32
	NumberOfNames         uint32
	AddressOfFunctions    uint32
	AddressOfNames        uint32
	AddressOfNameOrdinals uint32
}

// bcryptPrimitivesDLL returns a PE32+ (x86-64) DLL named dllName whose one
// export, dllExport, forwards to dllForwards.
func bcryptPrimitivesDLL() []byte {
	// The export section: the directory, its three one-entry tables, then
	// the strings they point to. An export whose address lies inside the
	// export directory's range is a forwarder string.
	var strs bytes.Buffer
	const tables = 40 + 4 + 4 + 2 // directory, functions, names, ordinals
	str := func(s string) uint32 {
		rva := uint32(sectionRVA + tables + strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		return rva
	}
	nameRVA, exportRVA, forwardRVA := str(dllName), str(dllExport), str(dllForwards)
	var sec bytes.Buffer
	write(&sec, exportDirectory{
		Name:                  nameRVA,
		Base:                  1,
		NumberOfFunctions:     1,
		NumberOfNames:         1,
		AddressOfFunctions:    sectionRVA + 40,
		AddressOfNames:        sectionRVA + 44,
		AddressOfNameOrdinals: sectionRVA + 48,
	})
	write(&sec, []uint32{forwardRVA, exportRVA})
	write(&sec, uint16(0)) // the name's ordinal, less Base
	sec.Write(strs.Bytes())
	size := uint32(sec.Len())

	var img bytes.Buffer
	// DOS header: the "MZ" magic, and at 0x3c where the PE header starts.
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	img.Write(dos)
	img.WriteString("PE\x00\x00")
	opt := pe.OptionalHeader64{
		Magic:                       0x20b, // PE32+
		SizeOfInitializedData:       fileAlign,
		ImageBase:                   imageBase,
		SectionAlignment:            sectionAlign,
		FileAlignment:               fileAlign,
		MajorOperatingSystemVersion: 6,
		MajorSubsystemVersion:       6,
		SizeOfImage:                 sectionRVA + sectionAlign,
		SizeOfHeaders:               fileAlign,
		Subsystem:                   pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
		DllCharacteristics:          pe.IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
		SizeOfStackReserve:          0x100000,
		SizeOfStackCommit:           0x1000,
		SizeOfHeapReserve:           0x100000,
		SizeOfHeapCommit:            0x1000,
		NumberOfRvaAndSizes:         16,
	}
	opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT] = pe.DataDirectory{VirtualAddress: sectionRVA, Size: size}
	write(&img, pe.FileHeader{
		Machine:              pe.IMAGE_FILE_MACHINE_AMD64,
		NumberOfSections:     1,
		SizeOfOptionalHeader: uint16(binary.Size(opt)),
		Characteristics: pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_LARGE_ADDRESS_AWARE |
			pe.IMAGE_FILE_DLL,
	})
	write(&img, opt)
	sh := pe.SectionHeader32{
		VirtualSize:      size,
		VirtualAddress:   sectionRVA,
		SizeOfRawData:    fileAlign,
		PointerToRawData: fileAlign,
		Characteristics:  pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ,
	}
	copy(sh.Name[:], ".edata")
	write(&img, sh)

	out := make([]byte, 2*fileAlign)
	copy(out, img.Bytes())
	copy(out[fileAlign:], sec.Bytes())
	return out
}

// write appends v's little-endian encoding to b; v is a fixed-size value.
func write(b *bytes.Buffer, v any) {
	if err := binary.Write(b, binary.LittleEndian, v); err != nil {
		panic(err) // only on a value that is not of fixed size
	}
}
