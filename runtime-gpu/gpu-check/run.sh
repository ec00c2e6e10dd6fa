#!/usr/bin/env bash
# The GPU check, on a machine with an NVIDIA GPU but no Java or Maven: unpacks the bundled JDK, runs the gpu-tagged
# tests (golden logits vs llama.cpp through the CUDA backend, kernel vs reference twins, op parity with the CPU), then
# writes a 14B-shape Q4_K_M synthetic model on this machine and benchmarks decode and prefill on the GPU.
# Budget: 8 minutes in all; each stage has its own timeout so one hang cannot eat the others.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
work="${GPU_CHECK_WORK:-/tmp/jinn-gpu-check}"
log="${OUT:-$work}/gpu-check.log"
mkdir -p "$work" "$(dirname "$log")"
exec > >(tee "$log") 2>&1
start=$SECONDS
stage() { echo; echo "== $1 (t=$((SECONDS - start)) s)"; }

stage "machine (bundle $(cat "$here/COMMIT" 2>/dev/null))"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.max.memory --format=csv 2>&1 || echo "no nvidia-smi"
echo "cores: $(nproc)"; free -g | head -2

if [ ! -x "$work/jdk/bin/java" ]; then
  if command -v xz >/dev/null; then
    tar -xJf "$here/jdk.tar.xz" -C "$work"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$here/jdk.tar.xz" "$work"
  fi
fi
java=("$work/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$here/lib/*")
"${java[@]}" -version 2>&1 | head -1

stage "backends"
timeout 60 "${java[@]}" dev.jinn.cli.JinnCli backends | tee "$work/backends.txt"
cuda=yes
grep -Eq '^[* ] *cuda +priority +[0-9]+ +available' "$work/backends.txt" || cuda=no

if [ -x "$here/kernel_bench" ] && [ "$cuda" = yes ]; then
  stage "kernel_bench (CUDA C, no Java)"
  timeout 90 "$here/kernel_bench"
  echo "kernel_bench exit: $?"
fi

stage "gpu tests"
timeout 240 "${java[@]}" -Xmx8g -Djinn.shared.data="$here/data" dev.jinn.runtime.gpu.check.GpuCheckMain gpu
echo "gpu tests exit: $?"

if [ "$cuda" = no ]; then
  stage "no usable CUDA backend (see above): benchmarks skipped"
  exit 1
fi

model="$work/synth-14b-q4_k_m.gguf"
stage "synth 14b Q4_K_M"
[ -f "$model" ] || timeout 150 "${java[@]}" -Xmx2g dev.jinn.cli.JinnCli synth --shape 14b --quant Q4_K_M "$model"
ls -l "$model" 2>&1

stage "bench 14b Q4_K_M on cuda"
timeout $((440 - (SECONDS - start) > 30 ? 440 - (SECONDS - start) : 30)) \
  "${java[@]}" dev.jinn.cli.JinnCli bench --backend cuda --model "$model" -p 512 -n 128 -r 3
echo "bench exit: $?"

if [ $((SECONDS - start)) -lt 300 ]; then
  stage "bench 14b Q4_K_M on cuda, F16 cache on the split attention kernels"
  timeout 120 "${java[@]}" -Djinn.cuda.attention=split dev.jinn.cli.JinnCli bench --backend cuda --model "$model" \
      -p 512 -n 128 -r 2
  echo "bench (split attention) exit: $?"
fi

# BF16 (target >= 120 tok/s decode) only when the budget allows: the 14B BF16 file is 29.5 GB to write.
if [ $((SECONDS - start)) -lt 260 ]; then
  bf16="$work/synth-14b-bf16.gguf"
  stage "synth 14b BF16"
  [ -f "$bf16" ] || timeout $((400 - (SECONDS - start))) "${java[@]}" -Xmx2g dev.jinn.cli.JinnCli synth --shape 14b --quant BF16 "$bf16"
  if [ -f "$bf16" ] && [ $((SECONDS - start)) -lt 420 ]; then
    stage "bench 14b BF16 on cuda"
    timeout $((470 - (SECONDS - start))) "${java[@]}" dev.jinn.cli.JinnCli bench --backend cuda --model "$bf16" -p 512 -n 64 -r 2
  fi
  rm -f "$bf16"
else
  echo; echo "== 14b BF16 skipped: $((SECONDS - start)) s used of the 8-minute budget"
fi

stage "done"
echo "total $((SECONDS - start)) s"
