package dev.jinn.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A deterministic test corpus assembled from what is on the machine plus generated text: JDK sources
 * (java.home/lib/src.zip), multilingual text files (vim tutors and translations, /usr/share/doc), and generated
 * random Unicode (all planes, unpaired surrogates), many scripts, emoji sequences, long runs of whitespace and
 * digits, contractions, NFD text and fragments of added tokens. Returned as documents of 1..16 KB.
 */
final class Corpus {
    private static final String[] ADDED = {"<think>", "</think>", "<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>",
        "<｜begin▁of▁sentence｜>", "<|EOT|>", "<|fim_prefix|>", "<tool_call>", "<｜Use", "<think", "</think >", "<|im_start|>"};
    private static final int[][] SCRIPTS = {
        {0x0041, 0x007A}, {0x00C0, 0x024F}, {0x0391, 0x03C9}, {0x0400, 0x04FF}, {0x0531, 0x0556}, {0x05D0, 0x05EA},
        {0x0621, 0x064A}, {0x0905, 0x0939}, {0x0985, 0x09B9}, {0x0B85, 0x0BB9}, {0x0E01, 0x0E30}, {0x10D0, 0x10F6},
        {0x1200, 0x1248}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x4E00, 0x9FA5}, {0xAC00, 0xD7A3}, {0x1100, 0x1159},
        {0xFF21, 0xFF5A}, {0x20000, 0x2A6D6}, {0x1D400, 0x1D6A5}, {0x0300, 0x036F}, {0x2000, 0x2027}, {0x2190, 0x22FF}};
    /**
     * Ranges whose letters, digits, marks and spaces were all assigned by Unicode 5.0. Characters assigned later
     * can differ between JDK 25 (Unicode 16) and the older Unicode tables inside Hugging Face's normalizer, so
     * random text draws only from these (and from never-assigned, private-use and symbol ranges, which are stable).
     */
    private static final int[][] STABLE = {
        {0x0020, 0x007E}, {0x00A0, 0x036F}, {0x0391, 0x03C9}, {0x0400, 0x04FF}, {0x0531, 0x0556}, {0x0561, 0x0587},
        {0x05B0, 0x05C7}, {0x05D0, 0x05EA}, {0x0621, 0x065E}, {0x0660, 0x06D5}, {0x0901, 0x0939}, {0x093C, 0x094D},
        {0x0950, 0x0954}, {0x0958, 0x0970}, {0x0E01, 0x0E3A}, {0x0E40, 0x0E5B}, {0x1100, 0x1159}, {0x1E00, 0x1EF9},
        {0x1F00, 0x1F15}, {0x2000, 0x200A}, {0x2010, 0x2027}, {0x2030, 0x205E}, {0x20A0, 0x20B5}, {0x2100, 0x214C},
        {0x2190, 0x23E7}, {0x2500, 0x26B2}, {0x3000, 0x303F}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x4E00, 0x9FA5},
        {0xAC00, 0xD7A3}, {0xFF01, 0xFF5E}, {0x1D400, 0x1D6A5}, {0x20000, 0x2A6D6}, {0x1F300, 0x1F64F}};
    private static final char[] SPACES = {' ', ' ', ' ', '\t', '\n', '\r', '\u00A0', '\u3000', '\u2028', '\u0085', '\u200B',
        '\u000B', '\u000C', '\u2009', '\u202F', '\u1680', '\u001F'};
    private static final int[] DIGIT_ZEROS = {'0', 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE};

    private Corpus() {}

    /** Documents totalling at least {@code targetChars} characters. */
    static List<String> documents(long seed, int targetChars) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> machine = machineText(r, targetChars / 2);
        List<String> docs = new ArrayList<>();
        long total = 0;
        int m = 0;
        while (total < targetChars) {
            String d;
            if (m < machine.size() && r.nextInt(2) == 0) {
                d = machine.get(m++);
                if (r.nextInt(8) == 0) {
                    d = Normalizer.normalize(d, Normalizer.Form.NFD);
                }
            } else {
                d = generated(r, 1024 + r.nextInt(15 * 1024));
            }
            docs.add(d);
            total += d.length();
        }
        return docs;
    }

    private static List<String> machineText(SplittableRandom r, int targetChars) {
        List<String> texts = new ArrayList<>();
        int[] have = {0};
        Path src = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        if (Files.isRegularFile(src)) {
            try (ZipFile z = new ZipFile(src.toFile())) {
                List<? extends ZipEntry> entries = z.stream().filter(e -> e.getName().endsWith(".java")).toList();
                for (int i = 0; i < entries.size() && have[0] < targetChars / 2; i += 1 + r.nextInt(40)) {
                    try (InputStream in = z.getInputStream(entries.get(i))) {
                        addChunks(texts, new String(in.readAllBytes(), StandardCharsets.UTF_8), r, have);
                    }
                }
            } catch (IOException e) {
                // use what we have
            }
        }
        List<Path> files = new ArrayList<>();
        for (String dir : new String[] {"/usr/share/vim", "/usr/share/doc", "/usr/share/i18n/locales"}) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(Files::isRegularFile).filter(p -> {
                    String n = p.getFileName().toString();
                    return n.contains("utf-8") || n.endsWith(".po") || n.endsWith(".txt") || n.startsWith("README")
                            || n.startsWith("copyright");
                }).sorted().forEach(files::add);
            } catch (IOException | RuntimeException e) {
                // use what we have
            }
        }
        for (int i = 0; i < files.size() && have[0] < targetChars; i += 1 + r.nextInt(3)) {
            try {
                byte[] b = Files.readAllBytes(files.get(i));
                if (b.length < 4 << 20) {
                    addChunks(texts, new String(b, StandardCharsets.UTF_8), r, have);
                }
            } catch (IOException e) {
                // skip unreadable files
            }
        }
        return texts;
    }

    private static void addChunks(List<String> out, String text, SplittableRandom r, int[] have) {
        int i = 0;
        while (i < text.length()) {
            int len = Math.min(text.length() - i, 1024 + r.nextInt(15 * 1024));
            out.add(text.substring(i, i + len));
            have[0] += len;
            i += len;
        }
    }

    static String generated(SplittableRandom r, int chars) {
        StringBuilder b = new StringBuilder(chars + 64);
        while (b.length() < chars) {
            switch (r.nextInt(10)) {
                case 0 -> {                                       // random code points, all planes
                    for (int k = r.nextInt(1, 40); k > 0; k--) {
                        int kind = r.nextInt(20);
                        if (kind == 0) {
                            b.append((char) r.nextInt(0xD800, 0xE000));   // unpaired surrogate (usually)
                        } else if (kind == 1) {
                            b.appendCodePoint(r.nextInt(0x50000, 0xE0000));  // unassigned in every Unicode version
                        } else if (kind == 2) {
                            b.appendCodePoint(r.nextBoolean() ? r.nextInt(0xE000, 0xF900) : r.nextInt(0xF0000, 0xFFFFE));
                        } else {
                            int[] range = STABLE[r.nextInt(STABLE.length)];
                            b.appendCodePoint(r.nextInt(range[0], range[1] + 1));
                        }
                    }
                }
                case 1 -> {                                       // emoji sequences
                    for (int k = r.nextInt(1, 8); k > 0; k--) {
                        int e = r.nextInt(0x1F300, 0x1FAFF);
                        b.appendCodePoint(e);
                        switch (r.nextInt(6)) {
                            case 0 -> b.appendCodePoint(r.nextInt(0x1F3FB, 0x1F400));
                            case 1 -> b.append('\u200D').appendCodePoint(r.nextInt(0x1F300, 0x1FAFF));
                            case 2 -> b.append('\uFE0F');
                            case 3 -> b.appendCodePoint(0x1F1E6 + r.nextInt(26)).appendCodePoint(0x1F1E6 + r.nextInt(26));
                            case 4 -> b.append((char) ('0' + r.nextInt(10))).append("\uFE0F\u20E3");
                            default -> b.append(' ');
                        }
                    }
                }
                case 2 -> {                                       // whitespace runs
                    int n = r.nextInt(4) == 0 ? r.nextInt(1, 400) : r.nextInt(1, 12);
                    char only = r.nextBoolean() ? SPACES[r.nextInt(SPACES.length)] : 0;
                    for (int k = 0; k < n; k++) {
                        b.append(only != 0 ? only : SPACES[r.nextInt(SPACES.length)]);
                    }
                    b.append(r.nextBoolean() ? "word" : "!");
                }
                case 3 -> {                                       // digit runs
                    int zero = DIGIT_ZEROS[r.nextInt(DIGIT_ZEROS.length)];
                    for (int k = r.nextInt(4) == 0 ? r.nextInt(1, 300) : r.nextInt(1, 15); k > 0; k--) {
                        b.appendCodePoint(zero + r.nextInt(10));
                        if (r.nextInt(10) == 0) {
                            b.append(r.nextBoolean() ? '.' : ',');
                        }
                    }
                    b.append(' ');
                }
                case 4 -> {                                       // contractions and apostrophes
                    String[] w = {"don", "I", "we", "they", "you", "it", "O", "l"};
                    String[] c = {"'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'lL", "'d", "'D",
                        "'ſ", "'x", "'", "''", "’s", "'s'", "'st", "'dd", "'lla"};
                    b.append(w[r.nextInt(w.length)]).append(c[r.nextInt(c.length)]);
                    b.append(r.nextBoolean() ? " " : r.nextBoolean() ? "a" : "\n");
                }
                case 5 -> b.append(ADDED[r.nextInt(ADDED.length)]);
                case 6, 7 -> {                                    // words in a script
                    int[] s = SCRIPTS[r.nextInt(SCRIPTS.length)];
                    for (int k = r.nextInt(1, 12); k > 0; k--) {
                        for (int l = r.nextInt(1, 9); l > 0; l--) {
                            b.appendCodePoint(r.nextInt(s[0], s[1] + 1));
                        }
                        b.append(r.nextInt(6) == 0 ? ", " : r.nextInt(9) == 0 ? ".\n" : " ");
                    }
                }
                case 8 -> {                                       // code-like ASCII
                    String[] t = {"if", "(", ")", "{", "}", ";", "\n", "    ", "\t", "x", "=", "==", "->", "//", "/*", "*/",
                        "return", "\"str\"", "0x1F", "#include", "<stdio.h>", "&&", "||", "::", "...", "\r\n"};
                    for (int k = r.nextInt(1, 30); k > 0; k--) {
                        b.append(t[r.nextInt(t.length)]);
                        if (r.nextBoolean()) {
                            b.append(' ');
                        }
                    }
                }
                default -> {                                      // NFD / combining sequences
                    String base = "éàüñçøåÅḱǘ가각힣ắ";
                    for (int k = r.nextInt(1, 10); k > 0; k--) {
                        b.append(base.charAt(r.nextInt(base.length())));
                        if (r.nextInt(3) == 0) {
                            b.appendCodePoint(r.nextInt(0x300, 0x370));
                        }
                    }
                    String s = b.substring(Math.max(0, b.length() - 20));
                    b.setLength(Math.max(0, b.length() - 20));
                    b.append(Normalizer.normalize(s, Normalizer.Form.NFD));
                }
            }
        }
        return b.toString();
    }
}
