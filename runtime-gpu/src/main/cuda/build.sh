#!/usr/bin/env bash
# Rebuilds runtime-gpu/src/main/resources/dev/jinn/runtime/gpu/kernels/jinn-kernels.fatbin from the CUDA sources
# here with the flags in nvcc.flags, fails if ptxas reports a register spill, and writes jinn-kernels.sha256: the
# SHA-256 of the manifest "<sha256>  <file>\n" over *.cu, *.cuh and nvcc.flags sorted by name (byte order), which
# KernelBinaryTest recomputes. Run directly or through `mvn -o -Pcuda-kernels -pl runtime-gpu generate-resources`.
# NVCC overrides the compiler (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc).
set -euo pipefail
cd "$(dirname "$0")"
out=../resources/dev/jinn/runtime/gpu/kernels
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
read -r -a flags < nvcc.flags
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "$("$nvcc" --version | tail -n 2 | head -n 1)"
if ! "$nvcc" "${flags[@]}" -o "$out/jinn-kernels.fatbin" jinn_kernels.cu 2> "$log"; then
    cat "$log" >&2
    exit 1
fi
if grep -E '[1-9][0-9]* bytes spill (stores|loads)' "$log" >&2; then
    echo "build.sh: ptxas spilled registers (lines above); fix the kernel before committing" >&2
    exit 1
fi
# one line per kernel and architecture: registers, shared memory, stack
awk '/Compiling entry function/ { name = $7; arch = $9 } /Used [0-9]+ registers/ { sub(/^.*Used/, "Used"); print "  " name " " arch ": " $0 }' "$log"

export LC_ALL=C
manifest=$(for f in $(ls *.cu *.cuh nvcc.flags | sort); do sha256sum "$f"; done)
echo "$manifest" | sha256sum | cut -c1-64 > "$out/jinn-kernels.sha256"
echo "wrote $out/jinn-kernels.fatbin ($(stat -c %s "$out/jinn-kernels.fatbin") bytes), sha256 $(cat "$out/jinn-kernels.sha256")"
