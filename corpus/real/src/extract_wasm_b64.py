#!/usr/bin/env python3
"""Decode the N-th base64-embedded WebAssembly module ("AGFzbQ...") of a JS file.
usage: extract_wasm_b64.py FILE.js INDEX OUT.wasm"""
import base64, re, sys

src, index, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, 'rb').read()
blobs = re.findall(rb'AGFzbQ[A-Za-z0-9+/=\\\n]+', data)
s = blobs[index].replace(b'\\n', b'').replace(b'\\', b'').replace(b'\n', b'')
wasm = base64.b64decode(s + b'=' * (-len(s) % 4))
assert wasm[:4] == b'\0asm', 'not a wasm module'
open(out, 'wb').write(wasm)
