#!/usr/bin/env bash
# llama.cpp, the peer Jinn is measured against, on a machine that can reach Debian's archive but not GitHub.
#
#   benchmarks/peer/llama-cpp.sh fetch                   download and unpack it (once; about 12 MB)
#   benchmarks/peer/llama-cpp.sh run TOOL [ARGS...]      run one of its tools (llama-bench, llama-cli, ...)
#   benchmarks/peer/llama-cpp.sh compare [-p N] [-n N] [-r N] [-t N] [--rounds K] [--llama-args 'ARGS']
#                                        MODEL.gguf...   llama-bench and `jinn bench` on the same files, alternated;
#                                                        ARGS go to llama-bench as they are (e.g. '--repack 0': its
#                                                        weights as the file stores them, as Jinn reads them)
#   benchmarks/peer/llama-cpp.sh logits [-t N] MODEL.gguf ID,ID,...
#                                                        Jinn's next-token log-probabilities after every prefix of
#                                                        the ids against llama.cpp's (its top 10), beside llama.cpp
#                                                        against itself (one token per micro-batch; its AVX2 build)
#
# It takes the llama.cpp packages of Debian's testing suite (forky: llama.cpp 0.7.0, ggml 0.27.0 at the time of
# writing) with the C and C++ runtime they were built against, checks them against the archive's signed index
# (gpgv with this system's debian-archive-keyring, then SHA-256 of the index and of every package), and unpacks them
# into a folder of their own, nothing installed: the tools run through their own dynamic loader, so the host's
# libc stays as it is. ggml picks its CPU code at run time from the variants Debian builds (zen4, icelake,
# haswell, ...); `compare` names the one it loaded.
#
# Environment: JINN_PEER_DIR (where it goes; default ~/.cache/jinn/llama.cpp), JINN_PEER_SUITE (default forky),
# JINN_PEER_MIRROR (default http://deb.debian.org/debian), JINN_PEER_CPU (a ggml CPU variant to load instead of
# the best one, e.g. haswell).
set -euo pipefail

DIR=${JINN_PEER_DIR:-$HOME/.cache/jinn/llama.cpp}
SUITE=${JINN_PEER_SUITE:-forky}
MIRROR=${JINN_PEER_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PACKAGES=(llama.cpp-tools libllama0 libggml0 libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64 libzstd1 zlib1g)
ROOT=$DIR/root
LIB=$ROOT/usr/lib/x86_64-linux-gnu
REPO=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "llama-cpp.sh: $*" >&2; exit 1; }

# what a subcommand leaves behind (a scratch folder, llama-servers), removed however the script ends
TMP=
SERVERS=()
cleanup() {
  if [ ${#SERVERS[@]} -gt 0 ]; then
    kill "${SERVERS[@]}" 2>/dev/null || true
    wait "${SERVERS[@]}" 2>/dev/null || true
  fi
  [ -z "$TMP" ] || rm -rf "$TMP"
}
trap cleanup EXIT

fetch() {
  [ "$(uname -m)" = x86_64 ] || die "only x86_64 is set up here (found $(uname -m))"
  for tool in curl gpgv xz dpkg-deb sha256sum; do
    command -v $tool >/dev/null || die "needs $tool"
  done
  [ -r $KEYRING ] || die "needs Debian's archive keyring at $KEYRING (package debian-archive-keyring)"
  TMP=$(mktemp -d)
  local tmp=$TMP
  curl -fsS "$MIRROR/dists/$SUITE/InRelease" -o "$tmp/InRelease" || die "cannot read $MIRROR/dists/$SUITE/InRelease"
  gpgv --keyring $KEYRING "$tmp/InRelease" 2>"$tmp/gpgv.log" \
    || { cat "$tmp/gpgv.log" >&2; die "the signature of $SUITE's InRelease does not verify"; }
  local want
  want=$(awk '/^SHA256:/ {s = 1; next} /^[^ ]/ {s = 0} s && $3 == "main/binary-amd64/Packages.xz" {print $1}' \
    "$tmp/InRelease")
  [ -n "$want" ] || die "no main/binary-amd64/Packages.xz in $SUITE's InRelease"
  curl -fsS "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz" -o "$tmp/Packages.xz"
  echo "$want  $tmp/Packages.xz" | sha256sum -c --quiet - || die "Packages.xz does not match its signed SHA-256"
  xz -d "$tmp/Packages.xz"
  rm -rf "$ROOT.new" && mkdir -p "$ROOT.new" "$DIR/debs"
  local p
  for p in "${PACKAGES[@]}"; do
    local entry file sum
    entry=$(awk -v p="$p" 'BEGIN {RS = ""} index($0, "Package: " p "\n") == 1 {print; exit}' "$tmp/Packages")
    [ -n "$entry" ] || die "package $p is not in $SUITE"
    file=$(sed -n 's/^Filename: //p' <<<"$entry")
    sum=$(sed -n 's/^SHA256: //p' <<<"$entry")
    if ! echo "$sum  $DIR/debs/$(basename "$file")" | sha256sum -c --quiet - >/dev/null 2>&1; then
      curl -fsS "$MIRROR/$file" -o "$DIR/debs/$(basename "$file")"
      echo "$sum  $DIR/debs/$(basename "$file")" | sha256sum -c --quiet - || die "$(basename "$file"): wrong SHA-256"
    fi
    dpkg-deb -x "$DIR/debs/$(basename "$file")" "$ROOT.new"
    echo "$(basename "$file")"
  done
  rm -rf "$ROOT" && mv "$ROOT.new" "$ROOT"
  echo "llama.cpp from Debian $SUITE unpacked in $ROOT"
}

run() {
  [ $# -ge 1 ] || die "run TOOL [ARGS...]"
  [ -x "$ROOT/usr/bin/$1" ] || die "no $1 in $ROOT/usr/bin: run '$0 fetch' first"
  local tool=$1
  shift
  # ggml looks for its CPU variants in the system folder unless told which one to load
  local cpu=${JINN_PEER_CPU:-}
  if [ -z "$cpu" ]; then
    cpu=$(best_variant)
  fi
  [ -r "$LIB/ggml/backends0/libggml-cpu-$cpu.so" ] || die "no ggml CPU variant '$cpu' (there are:" \
    "$(cd "$LIB/ggml/backends0" && ls libggml-cpu-*.so | sed 's/libggml-cpu-//; s/\.so$//' | xargs))"
  GGML_BACKEND_PATH=$LIB/ggml/backends0/libggml-cpu-$cpu.so \
    exec "$LIB/ld-linux-x86-64.so.2" --library-path "$LIB:$LIB/llama:$LIB/ggml/backends0" "$ROOT/usr/bin/$tool" "$@"
}

# The variant ggml's own search would choose (its CPU variants by the instruction sets each needs): the richest one
# this CPU runs.
best_variant() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
  if has avx512f avx512vbmi avx512_vnni avx512_bf16 amx_tile; then echo sapphirerapids
  elif has avx512f avx512vbmi avx512_vnni avx512_bf16; then echo zen4
  elif has avx512f avx512_vnni avx512_bf16; then echo cooperlake
  elif has avx512f avx512vbmi avx512_vnni; then echo icelake
  elif has avx512f avx512_vnni; then echo cascadelake
  elif has avx512f; then echo skylakex
  elif has avx2 fma avx_vnni; then echo alderlake
  elif has avx2 fma; then echo haswell
  elif has avx; then echo sandybridge
  elif has sse4_2; then echo sse42
  else echo x64
  fi
}

compare() {
  local p=512 n=128 r=3 t rounds=2 llama_args=""
  t=$(nproc)
  while [ $# -gt 0 ]; do
    case $1 in
      -p) p=$2; shift 2 ;;
      -n) n=$2; shift 2 ;;
      -r) r=$2; shift 2 ;;
      -t) t=$2; shift 2 ;;
      --rounds) rounds=$2; shift 2 ;;
      --llama-args) llama_args=$2; shift 2 ;;
      -*) die "unknown option $1" ;;
      *) break ;;
    esac
  done
  [ $# -ge 1 ] || die "compare [-p N] [-n N] [-r N] [-t N] [--rounds K] [--llama-args 'ARGS'] MODEL.gguf..."
  [ -x "$REPO/jinn" ] || die "no $REPO/jinn"
  echo "cpu: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores; threads $t;" \
    "llama.cpp: Debian $SUITE, ggml CPU variant ${JINN_PEER_CPU:-$(best_variant)}${llama_args:+, llama-bench $llama_args}"
  local round m
  for round in $(seq "$rounds"); do
    for m in "$@"; do
      [ -r "$m" ] || die "cannot read $m"
      # shellcheck disable=SC2086 # the extra arguments are split into words on purpose
      "$0" run llama-bench -m "$m" -p "$p" -n "$n" -r "$r" -t "$t" $llama_args 2>/dev/null \
        | awk -F'|' -v m="$(basename "$m")" -v k="$round" \
            '/^\| / { for (i = 2; i < NF; i++) if ($i ~ /^ *(pp|tg)[0-9]+ *$/) {
                 t = $i; v = $(i + 1); gsub(/ /, "", t); gsub(/^ +| +$/, "", v); print k, m, "llama.cpp", t, v } }'
      (cd "$REPO" && ./jinn bench --model "$m" -p "$p" -n "$n" -r "$r" --threads "$t" 2>/dev/null) \
        | awk -F'|' -v m="$(basename "$m")" -v k="$round" \
            '/^\| / && $5 ~ /(pp|tg)[0-9]/ {gsub(/ /, "", $5); gsub(/ /, "", $6); print k, m, "jinn", $5, $6}'
    done
  done
}

# Jinn's logits for a prompt (jinn logits: every position, one batch) against llama-server's top-10 log-probabilities
# after each prefix; and the same for llama-server with one token per micro-batch (-ub 1: llama.cpp's one-token
# kernels instead of its batched ones) and with ggml's AVX2 variant (other summation orders): the spread of llama.cpp
# against itself on this file, the yardstick for Jinn's. A file with many layers amplifies float-order differences
# (an activation that rounds to the next int8 step in one program and not in the other), random weights more so.
logits() {
  local t
  t=$(nproc)
  while [ $# -gt 0 ]; do
    case $1 in
      -t) t=$2; shift 2 ;;
      -*) die "unknown option $1" ;;
      *) break ;;
    esac
  done
  [ $# -eq 2 ] || die "logits [-t N] MODEL.gguf ID,ID,..."
  local model=$1 ids=$2
  [ -r "$model" ] || die "cannot read $model"
  [[ $ids =~ ^[0-9]+(,[0-9]+)*$ ]] || die "token ids must be comma-separated numbers: $ids"
  [ "$(tr ',' '\n' <<<"$ids" | wc -l)" -le 512 ] || die "at most 512 token ids (the servers' context is 1024)"
  command -v python3 >/dev/null || die "needs python3"
  TMP=$(mktemp -d)
  local tmp=$TMP
  (cd "$REPO" && ./jinn logits --model "$model" --tokens "$ids" --out "$tmp/jinn.f32" --threads "$t" >/dev/null 2>&1) \
    || die "jinn logits failed on $model"
  # the reference (this CPU's best ggml variant, whole prompts), one token per micro-batch, and the AVX2 variant
  local names=(ref ub1 avx2) ports=() k
  local cpus=("${JINN_PEER_CPU:-$(best_variant)}" "${JINN_PEER_CPU:-$(best_variant)}" haswell) ubs=(512 1 512)
  for k in 0 1 2; do
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    JINN_PEER_CPU=${cpus[$k]} "$0" run llama-server -m "$model" -t "$t" -c 1024 -np 1 -ub "${ubs[$k]}" \
      --host 127.0.0.1 --port "$port" >"$tmp/server-${names[$k]}.log" 2>&1 &
    SERVERS+=($!)
    ports+=("$port")
  done
  local i up
  for i in $(seq 600); do
    up=0
    for k in 0 1 2; do
      grep -q "listening on" "$tmp/server-${names[$k]}.log" && up=$((up + 1))
      kill -0 "${SERVERS[$k]}" 2>/dev/null || { tail -5 "$tmp/server-${names[$k]}.log" >&2; die "llama-server stopped"; }
    done
    [ $up -eq 3 ] && break
    sleep 0.5
  done
  [ $up -eq 3 ] || die "the llama-servers did not start within 5 minutes (logs: $tmp, removed on exit)"
  python3 - "$tmp/jinn.f32" "$ids" "${ports[@]}" "$(basename "$model")" "${cpus[0]}" <<'PY'
import json, math, struct, sys, urllib.request
path, ids, name, cpu = sys.argv[1], [int(x) for x in sys.argv[2].split(',')], sys.argv[6], sys.argv[7]
batched, single, avx2 = sys.argv[3:6]
raw = open(path, 'rb').read()
vocab = len(raw) // 4 // len(ids)
def top(port, k):
    body = json.dumps({"prompt": ids[:k], "n_predict": 1, "n_probs": 10, "temperature": 0, "cache_prompt": False})
    req = urllib.request.Request('http://127.0.0.1:%s/completion' % port, body.encode())
    return {t['id']: t['logprob'] for t in json.load(urllib.request.urlopen(req))['completion_probabilities'][0]['top_logprobs']}
stats = {'jinn': [0, 0.0, 0.0, 0], 'llama.cpp -ub 1': [0, 0.0, 0.0, 0], 'llama.cpp haswell': [0, 0.0, 0.0, 0]}
def add(key, ref, other_top1, other):
    s = stats[key]
    s[0] += other_top1 == max(ref, key=ref.get)
    for i, lp in ref.items():
        if i in other:
            d = abs(other[i] - lp)
            s[1] = max(s[1], d); s[2] += d * d; s[3] += 1
for k in range(1, len(ids) + 1):
    ref = top(batched, k)
    row = struct.unpack_from('<%df' % vocab, raw, (k - 1) * vocab * 4)
    mx = max(row)
    lse = mx + math.log(sum(math.exp(x - mx) for x in row))
    ours = {i: row[i] - lse for i in ref}
    add('jinn', ref, max(range(vocab), key=row.__getitem__), ours)
    for key, port in (('llama.cpp -ub 1', single), ('llama.cpp haswell', avx2)):
        other = top(port, k)
        add(key, ref, max(other, key=other.get), other)
print('%s, %d prefixes: the log-probabilities of llama.cpp\'s top 10 after each (llama-server, %s variant, whole '
      'prompts) against' % (name, len(ids), cpu))
for key, (agree, worst, sq, n) in stats.items():
    print('  %-18s top-1 %d/%d, |difference| rms %.4f, max %.4f' % (key, agree, len(ids), math.sqrt(sq / max(n, 1)), worst))
PY
}

case ${1:-} in
  fetch) fetch ;;
  logits) shift; logits "$@" ;;
  run) shift; run "$@" ;;
  compare) shift; compare "$@" ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
