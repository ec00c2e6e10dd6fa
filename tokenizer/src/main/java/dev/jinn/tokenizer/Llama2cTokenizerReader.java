package dev.jinn.tokenizer;

import dev.jinn.ModelFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads llama2.c's tokenizer.bin: int32 max_token_length, then per token float32 score, int32 length, bytes. */
final class Llama2cTokenizerReader {
    private static final long MAX_FILE = 64L << 20;

    private Llama2cTokenizerReader() {}

    static Tokenizer read(Path path) {
        ByteBuffer buf;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE) {
                throw new ModelFileException(path, "is " + size + " bytes; a llama2.c tokenizer is at most " + MAX_FILE);
            }
            buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
        if (buf.remaining() < 4) {
            throw new ModelFileException(path, "too short for a llama2.c tokenizer header");
        }
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) {
            throw new ModelFileException(path, "max_token_length " + maxLen + " is not in 1..65536");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            int at = buf.position();
            if (buf.remaining() < 8) {
                throw new ModelFileException(path, "token " + pieces.size() + " at byte " + at + " is truncated");
            }
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen || len > buf.remaining()) {
                throw new ModelFileException(path, "token " + pieces.size() + " at byte " + at + " has length " + len
                        + " (max_token_length " + maxLen + ", " + buf.remaining() + " bytes left)");
            }
            byte[] b = new byte[len];
            buf.get(b);
            pieces.add(new String(b, StandardCharsets.UTF_8));
            scores.add(score);
        }
        int n = pieces.size();
        if (n < 259) {
            throw new ModelFileException(path, "has " + n + " tokens; llama2.c vocabularies have <unk>, BOS, EOS and 256 byte tokens");
        }
        float[] sc = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            sc[i] = scores.get(i);
            types[i] = i == 0 ? 2 : i <= 2 ? 3 : i <= 258 ? 6 : 1;
        }
        try {
            return new SentencePieceBpeTokenizer(path.toString(), pieces.toArray(String[]::new), sc, types, " ", true, 1, 2, true);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(path, e.getMessage(), e);
        }
    }
}
