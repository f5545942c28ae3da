#!/usr/bin/env python3
"""Writes corpus/real/manifest.json from the build log that build.sh leaves
($WORK/build-log.tsv) and the per-module facts below.
usage: manifest.py BUILD-LOG.tsv FUEL.json > manifest.json
FUEL.json maps a module file name to the fuel it needs (only those that need
more than tierdiff's default); it is written by measuring with tierdiff run."""
import json, sys

# prefix -> (library, SPDX licence, licence file)
LIBS = {
    'lz4-roundtrip': ('lz4 1.9.4 (vendored in PyPI lz4 4.4.5)', 'BSD-2-Clause', 'lz4'),
    'xxhash-hashes': ('xxHash 0.8.4 (vendored in PyPI xxhash 4.1.0)', 'BSD-2-Clause', 'xxhash'),
    'zstd-roundtrip': ('zstd 1.5.7 (vendored in PyPI zstd 1.5.7.2)', 'BSD-3-Clause OR GPL-2.0-only', 'zstd'),
    'brotli-roundtrip': ('brotli 1.2.1 (C sources in PyPI Brotli 1.2.1 sdist)', 'MIT', 'brotli'),
    'zlib-roundtrip': ('zlib 1.2.11 (vendored in PyPI pyminizip 0.2.6)', 'Zlib', 'zlib'),
    'mmh3-hashes': ('MurmurHash3 (as adapted in PyPI mmh3 5.3.1)', 'MIT', 'mmh3'),
    'sqlite-memdb': ('SQLite 3.50.4 amalgamation (vendored in PyPI sqlean-py 3.50.4.5)', 'blessing', 'sqlite'),
    'lua-script': ('Lua 5.4.8 (vendored in PyPI lupa 2.8)', 'MIT', 'lua'),
    'cmark-gfm': ('cmark-gfm 0.29.0.gfm.13, its own CLI (vendored in PyPI cmarkgfm 2025.10.22)', 'BSD-2-Clause', 'cmark-gfm'),
    'hiredis-reader': ('hiredis 1.5.0 RESP reader (vendored in PyPI hiredis 3.5.0)', 'BSD-3-Clause', 'hiredis'),
    'llhttp-parse': ('llhttp 9.4.3 (vendored in PyPI httptools 0.9.0)', 'MIT', 'llhttp'),
    'http-parser-parse': ('http-parser 2.9.4 (vendored in PyPI httptools 0.9.0)', 'MIT', 'http-parser'),
    'libyaml-roundtrip': ('libyaml 0.2.5 (as bundled in PyPI ruamel.yaml.clib 0.2.15)', 'MIT', 'libyaml'),
    'lzf-roundtrip': ('liblzf 3.6 / API 1.5 (vendored in PyPI python-lzf 0.2.6)', 'BSD-2-Clause', 'lzf'),
    'crc32c-sw': ('crc32c slice-by-8 software CRC (PyPI crc32c 2.9.post0)', 'BSD-3-Clause AND LGPL-2.1-or-later', 'crc32c'),
    'lzma-roundtrip': ('LZMA SDK 25.01 C code (vendored in PyPI pylzma 0.6.1)', 'LicenseRef-public-domain', 'lzma-sdk'),
    'zopfli-compress': ('Zopfli (vendored in PyPI zopfli 0.4.3)', 'Apache-2.0', 'zopfli'),
    'lzfse-cli': ('lzfse reference implementation, its own CLI (vendored in PyPI lzfse 0.4.2.post1)', 'BSD-3-Clause', 'lzfse'),
    'npm-xxhash-wasm': ('npm xxhash-wasm 1.1.0: package/workerd/xxhash.wasm', 'MIT', 'npm-xxhash-wasm'),
    'npm-hash-wasm': ('npm hash-wasm 4.13.0: base64 module {} in package/dist/index.esm.js', 'MIT', 'npm-hash-wasm'),
    'npm-cjs-module-lexer': ('npm cjs-module-lexer 2.3.0: base64 module in package/dist/lexer.js', 'MIT', 'npm-cjs-module-lexer'),
    'npm-blake2b-wasm': ('npm blake2b-wasm 2.4.0: base64 module in package/blake2b.js', 'MIT', 'npm-blake2b-wasm'),
    'npm-siphash24': ('npm siphash24 1.3.1: base64 module in package/siphash24.js', 'MIT', 'npm-siphash24'),
    'npm-sha256-wasm': ('npm sha256-wasm 2.2.2: base64 module in package/sha256.js', 'ISC', 'npm-sha256-wasm'),
}
CMARK_EXT = ['-e', 'table', '-e', 'strikethrough', '-e', 'autolink', '-e', 'tasklist', '-e', 'footnotes']
# module name -> (args, stdin file)
WASI = {
    'cmark-gfm-O0': (CMARK_EXT, 'inputs/cmark-sample.md'),
    'cmark-gfm-O2': (CMARK_EXT + ['--smart', '--sourcepos', '--unsafe'], 'inputs/cmark-sample.md'),
    'cmark-gfm-Os': (CMARK_EXT + ['-t', 'commonmark', '--width', '50'], 'inputs/cmark-sample.md'),
    'lzfse-cli-O0': (['-encode'], 'inputs/lzfse-input.txt'),
    'lzfse-cli-O2': (['-encode'], 'inputs/lzfse-input.txt'),
    'lzfse-cli-Os': (['-decode'], 'inputs/lzfse-input.lzfse'),
}
STDIN_BY_PREFIX = {'lua-script': 'inputs/lua-script.lua'}

log, fuel = sys.argv[1], json.load(open(sys.argv[2]))
out = []
for line in open(log):
    name, build = line.rstrip('\n').split('\t', 1)
    prefix = max((p for p in LIBS if name.startswith(p)), key=len)
    lib, lic, licfile = LIBS[prefix]
    if prefix == 'npm-hash-wasm':
        lib = lib.format(build.split()[-2])
    if prefix.startswith('npm-'):
        wasi = None
    else:
        args, stdin = WASI.get(name, ([], STDIN_BY_PREFIX.get(prefix)))
        argv0 = {'lzfse-cli': 'lzfse'}.get(prefix, prefix)
        wasi = {'args': [argv0] + args, 'env': [], 'stdin_file': stdin}
    out.append({'file': f'modules/{name}.wasm', 'library': lib, 'licence': lic,
                'licence_file': f'licences/{licfile}.txt', 'build': build, 'wasi': wasi,
                'fuel': fuel.get(f'modules/{name}.wasm')})
json.dump(out, sys.stdout, indent=1)
print()
