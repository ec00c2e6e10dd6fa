package dev.jinn.runtime.gpu.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader of the uncompressed NVIDIA fat binary nvcc writes with {@code -fatbin --no-compress}: a 16-byte header
 * (magic 0xBA55ED50, version, header size, payload size) followed by entries, each a header (kind 1 = PTX text,
 * 2 = ELF cubin; its own header size; padded payload size; SM architecture at byte 28) and its payload. Kernels
 * are read from the cubins' ELF symbol tables (global functions) and from the PTX's {@code .entry} directives with
 * their parameter types. Test scope: it exists so CI can check the committed binary without cuobjdump.
 */
final class Fatbin {
    static final int MAGIC = 0xBA55ED50;
    private static final Pattern PTX_ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PTX_PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    /** One code image: kind 1 (PTX) or 2 (ELF), for {@code arch} (e.g. 90), with its payload bytes. */
    record Entry(int kind, int arch, byte[] payload) {
        boolean isPtx() {
            return kind == 1;
        }

        boolean isElf() {
            return kind == 2;
        }
    }

    private Fatbin() {
    }

    /**
     * The entries of {@code data}.
     *
     * @throws IllegalArgumentException if the header or an entry does not fit the format
     */
    static List<Entry> entries(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 16 || b.getInt(0) != MAGIC) {
            throw new IllegalArgumentException("not a fatbin: no magic 0xBA55ED50 at byte 0");
        }
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long end = headerSize + b.getLong(8);
        if (end > data.length) {
            throw new IllegalArgumentException("fatbin header claims " + end + " bytes, the file has " + data.length);
        }
        List<Entry> out = new ArrayList<>();
        long off = headerSize;
        while (off + 64 <= end) {
            int o = (int) off;
            int kind = Short.toUnsignedInt(b.getShort(o));
            int entryHeader = b.getInt(o + 4);
            long padded = b.getLong(o + 8);
            int arch = b.getInt(o + 28);
            if (entryHeader < 64 || o + entryHeader + padded > end) {
                throw new IllegalArgumentException("fatbin entry at byte " + o + " (header " + entryHeader
                        + ", payload " + padded + ") overruns the container ending at " + end);
            }
            byte[] payload = new byte[(int) padded];
            System.arraycopy(data, o + entryHeader, payload, 0, payload.length);
            out.add(new Entry(kind, arch, payload));
            off = o + entryHeader + padded;
        }
        return out;
    }

    /**
     * The global function symbols of a cubin (ELF64, little-endian): its kernels.
     *
     * @throws IllegalArgumentException if the payload is not an uncompressed ELF64 image
     */
    static List<String> elfFunctions(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464C457F || elf[4] != 2 || elf[5] != 1) {
            throw new IllegalArgumentException("cubin payload is not a little-endian ELF64 image (compressed?)");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        List<String> names = new ArrayList<>();
        for (int s = 0; s < shnum; s++) {
            int sh = (int) (shoff + (long) s * shentsize);
            if (b.getInt(sh + 4) != 2) { // SHT_SYMTAB
                continue;
            }
            long symOff = b.getLong(sh + 0x18);
            long symSize = b.getLong(sh + 0x20);
            int link = b.getInt(sh + 0x28);
            long entSize = b.getLong(sh + 0x38);
            int strSh = (int) (shoff + (long) link * shentsize);
            long strOff = b.getLong(strSh + 0x18);
            for (long e = symOff; e + 24 <= symOff + symSize; e += entSize) {
                int nameIdx = b.getInt((int) e);
                int info = elf[(int) e + 4] & 0xFF;
                if ((info & 0xF) == 2 && (info >>> 4) == 1) { // STT_FUNC, STB_GLOBAL
                    names.add(cString(elf, (int) (strOff + nameIdx)));
                }
            }
        }
        return names;
    }

    /** The {@code .entry} functions of a PTX text with their parameter types ("u64", "u32", "f32", ...). */
    static Map<String, List<String>> ptxEntries(byte[] ptx) {
        String text = new String(ptx, StandardCharsets.US_ASCII);
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = PTX_ENTRY.matcher(text);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PTX_PARAM.matcher(m.group(2));
            while (p.find()) {
                types.add(p.group(1));
            }
            out.put(m.group(1), types);
        }
        return out;
    }

    private static String cString(byte[] a, int from) {
        int end = from;
        while (a[end] != 0) {
            end++;
        }
        return new String(a, from, end - from, StandardCharsets.US_ASCII);
    }
}
