#!/usr/bin/env python3
"""make-ovmf.py OUT [KIND [PAGES]]: a small synthetic SEV-capable OVMF image for --launch tests and the
fuzz corpus. Layout as edk2's (OvmfPkg/ResetVector): the GUIDed footer table ends 32 bytes
before the image's end, entries read backwards (data, then a 2-byte size and a GUID), with the
SEV-ES reset block and the SEV metadata ("ASEV" header and sections). KIND: good (default),
nometa (no SEV metadata entry), badsig (metadata signature not ASEV), badtype (unknown section
type), unaligned (a section that is not whole pages). PAGES: the image size in 4 KiB pages
(4 by default; 1 keeps fuzz seeds small)."""
import struct
import sys
import uuid

out, kind = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "good")
size = (int(sys.argv[3]) if len(sys.argv) > 3 else 4) * 4096
img = bytearray(((i * 7 + 13) & 0xff) for i in range(size))   # deterministic "code"

sections = [(0x800000, 0x2000, 1), (0x802000, 0x1000, 2), (0x803000, 0x1000, 3),
            (0x804000, 0x1000, 0x10)]
if kind == "badtype":
    sections.append((0x805000, 0x1000, 9))
if kind == "unaligned":
    sections.append((0x805000, 0x800, 1))
meta_off = 0x100 if size == 4096 else 0x1000
meta = (b"ASEV" if kind != "badsig" else b"XSEV") + struct.pack(
    "<III", 16 + 12 * len(sections), 1, len(sections))
for s in sections:
    meta += struct.pack("<III", *s)
img[meta_off:meta_off + len(meta)] = meta


def entry(guid, data):
    return data + struct.pack("<H", len(data) + 18) + uuid.UUID(guid).bytes_le


table = entry("00f771de-1a7e-4fcb-890e-68c77e2fb44e", struct.pack("<I", 0xffffb000))
if kind != "nometa":
    table = entry("dc886566-984a-4798-a75e-5585a7bf67cc", struct.pack("<I", size - meta_off)) + table
footer = struct.pack("<H", len(table) + 18) + uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d").bytes_le
end = size - 32
img[end - len(footer) - len(table):end] = table + footer
open(out, "wb").write(bytes(img))
