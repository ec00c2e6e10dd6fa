#!/usr/bin/env bash
# Builds the self-contained GPU check bundle into device/gpu-check (git-ignored): a jlink'd JDK 25, the jars of the
# CLI and of the GPU tests, the golden files, and run.sh. Carry that folder to a machine with an NVIDIA GPU but no
# Java or Maven and run `bash device/gpu-check/run.sh` there (see runtime-gpu/gpu-check/README.md).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
source "$root/.ci/java-home.sh"
out="$root/device/gpu-check"
shared="${JINN_SHARED_DATA:-$root/../shared/data}"
rm -rf "$out"
mkdir -p "$out/lib" "$out/data/golden"

cd "$root"
echo "gpu-check: building jars (tests compiled, not run)..." >&2
mvn -q -B -ntp -DskipTests -Pgpu-check package -pl samples,runtime-gpu -am
cp "$root"/samples/target/lib/*.jar "$root/samples/target/jinn-samples.jar" "$out/lib/"
cp -f "$root"/runtime-gpu/target/gpu-check-lib/*.jar "$out/lib/"
rm -f "$out"/lib/*-sources.jar "$out"/lib/*-javadoc.jar
for m in runtime-gpu runtime-cpu; do
  "$JAVA_HOME/bin/jar" --create --file "$out/lib/zz-$m-tests.jar" -C "$root/$m/target/test-classes" .
done

# The golden files the GPU tests compare with llama.cpp. A device run carries at most 64 MiB, so q6_k stays behind:
# f16, q8_0 and q4_k_m (whose output and some ffn_down tensors are Q6_K) still cover F16, Q8_0, Q4_K and Q6_K.
for f in README.md prompt.tokens.txt prompt.txt golden-f32.llamacpp-logits.f32; do cp "$shared/golden/$f" "$out/data/golden/"; done
for q in f16 q8_0 q4_k_m; do
  cp "$shared/golden/golden-$q.gguf" "$shared/golden/golden-$q.llamacpp-logits.f32" \
     "$shared/golden/golden-$q.llamacpp-greedy32.txt" "$out/data/golden/"
done
# AssertJ needs byte-buddy only for soft assertions and proxies, which the GPU suites do not use (8.8 MB).
rm -f "$out"/lib/byte-buddy-*.jar

echo "gpu-check: jlink..." >&2
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.sql,jdk.management,jdk.unsupported,jdk.incubator.vector,jdk.httpserver,jdk.zipfs \
    --strip-debug --no-man-pages --no-header-files --compress zip-0 --output "$out/jdk"
# An uncompressed image under xz is about half the size of a zip-compressed one under gzip (~16 MB).
tar -C "$out" -cf - jdk | xz -T2 -9 > "$out/jdk.tar.xz"
rm -rf "$out/jdk"
# The CUDA-C kernel benchmark (GB/s per mat-vec type on 14B shapes), where nvcc is here; run.sh runs it if present.
nvcc="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
if [ -x "$nvcc" ]; then
  echo "gpu-check: nvcc kernel_bench..." >&2
  "$nvcc" -O3 -gencode arch=compute_90,code=sm_90 -I"$root/runtime-gpu/src/main/cuda" \
      -o "$out/kernel_bench" "$root/runtime-gpu/src/test/cuda-bench/kernel_bench.cu"
else
  echo "gpu-check: no nvcc here, so no kernel_bench in the bundle" >&2
fi
cp "$root/runtime-gpu/gpu-check/run.sh" "$out/run.sh"
(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown) > "$out/COMMIT"
du -sh "$out" "$out/jdk.tar.xz" "$out/lib" "$out/data" >&2
