/*
 * A minimal HotSpot disassembler plugin (hsdis) that hands the bytes to binutils' objdump, so that
 * -XX:+PrintAssembly / -XX:CompileCommand=print show C2's machine code for the CPU kernels, AVX-512 included.
 * Development aid only: nothing in Jinn loads it.
 *
 *   gcc -O2 -shared -fPIC -o hsdis-amd64.so benchmarks/tools/hsdis-objdump.c
 *   cp hsdis-amd64.so "$JAVA_HOME/lib/server/"     # or put its folder on LD_LIBRARY_PATH
 *   java -jar benchmarks/target/benchmarks.jar MatVecBenchmark.matVec -f 1 -wi 6 -i 1 -p type=Q4_K -p threads=1 \
 *     -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *       -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,dev.jinn.runtime.cpu.internal.VectorKernels::dotQ4K"
 *
 * The last "Compiled method (c2)" block of the output is the hot code. The entry point below is the one the JVM
 * looks up (decode_instructions_virtual); each instruction is reported between "insn" and "/insn" events so the
 * JVM can interleave its own comments (bytecode positions, oop maps, calls).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*event_cb)(void *, const char *, void *);
typedef int (*printf_cb)(void *, const char *, ...);

void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer, uintptr_t length,
                                  event_cb ev, void *es, printf_cb pr, void *ps, const char *options, int newline) {
    (void) end_va;
    (void) options;
    char path[] = "/tmp/hsdisXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        return NULL;
    }
    if (write(fd, buffer, length) != (ssize_t) length) {
        close(fd);
        unlink(path);
        return NULL;
    }
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "objdump -D -b binary -mi386:x86-64 -M intel --no-show-raw-insn --adjust-vma=0x%lx %s",
             (unsigned long) start_va, path);
    FILE *p = popen(cmd, "r");
    char line[1024];
    char text[1024] = "";
    uintptr_t prev = 0;
    int have = 0;
    while (p != NULL && fgets(line, sizeof line, p) != NULL) {
        unsigned long addr;
        int n = 0;
        /* instruction lines look like "  7f00:\tmov rax,rbx" */
        if (sscanf(line, " %lx:%n", &addr, &n) == 1 && n > 0 && line[n] == '\t') {
            if (have) {
                ev(es, "insn", (void *) prev);
                pr(ps, "%s", text);
                ev(es, "/insn", (void *) (uintptr_t) addr);
                if (newline) {
                    pr(ps, "\n");
                }
            }
            prev = addr;
            have = 1;
            char *t = line + n + 1;
            size_t l = strlen(t);
            while (l > 0 && t[l - 1] == '\n') {
                t[--l] = 0;
            }
            snprintf(text, sizeof text, "%s", t);
        }
    }
    if (have) {
        ev(es, "insn", (void *) prev);
        pr(ps, "%s", text);
        ev(es, "/insn", (void *) (start_va + length));
        if (newline) {
            pr(ps, "\n");
        }
    }
    if (p != NULL) {
        pclose(p);
    }
    unlink(path);
    return have ? (void *) (start_va + length) : NULL;
}
