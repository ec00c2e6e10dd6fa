package dev.jinn.engine.session;

import dev.jinn.ChatMessage;
import dev.jinn.OverflowPolicy;
import dev.jinn.SessionOptions;
import dev.jinn.StateFileException;
import dev.jinn.engine.SequenceState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The saved-session format (big-endian, {@link java.io.DataOutput}):
 * <pre>
 * magic "JINNSESS" | u32 version (1) | str model identity | str model name
 * u32 contextLength | u8 overflowPolicy | u8 hasSystemPrompt [str systemPrompt] | u8 mode
 * u32 n, n × (u8 role, str content)          -- chat history
 * u32 n, n × i32                             -- raw transcript
 * u32 n, n × i32                             -- tokens in the KV cache
 * u8 hasCache [SequenceState.writeTo bytes]  -- the KV cache
 * u64 CRC-32 of everything above
 * </pre>
 * {@code str} is a u32 byte length and UTF-8 bytes. Every count is checked against the file size and the context
 * before anything is allocated, so a corrupt file is an error, never an OOM.
 */
final class SessionFile {
    static final byte[] MAGIC = "JINNSESS".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    private SessionFile() {}

    static void write(EngineSession s, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
            try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32());
                DataOutputStream out = new DataOutputStream(checked);
                out.write(MAGIC);
                out.writeInt(VERSION);
                writeString(out, s.engineModel().info().identity());
                writeString(out, s.engineModel().info().name());
                SessionOptions o = s.options();
                out.writeInt(s.capacity());
                out.writeByte(o.overflowPolicy().ordinal());
                out.writeBoolean(o.systemPrompt() != null);
                if (o.systemPrompt() != null) {
                    writeString(out, o.systemPrompt());
                }
                out.writeByte(s.mode().ordinal());
                out.writeInt(s.historyState().size());
                for (ChatMessage m : s.historyState()) {
                    out.writeByte(m.role().ordinal());
                    writeString(out, m.content());
                }
                writeTokens(out, s.transcript());
                writeTokens(out, s.cached());
                out.writeBoolean(s.seq() != null);
                if (s.seq() != null) {
                    s.seq().writeTo(out);
                }
                out.flush();
                long crc = checked.getChecksum().getValue();
                new DataOutputStream(raw).writeLong(crc);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StateFileException(file, "cannot write the session: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    static EngineSession read(EngineModel model, Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new StateFileException(file, "no such file (give a file written by Session.save)");
        } catch (IOException e) {
            throw new StateFileException(file, "cannot read: " + e.getMessage(), e);
        }
        SequenceState seq = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new StateFileException(file, "not a Jinn session file (bad magic); give a file written by "
                        + "Session.save");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new StateFileException(file, "session format version " + version + " is not supported (this "
                        + "Jinn reads version " + VERSION + ")");
            }
            String identity = readString(in, size, file);
            String name = readString(in, size, file);
            String ours = model.info().identity();
            if (!identity.equals(ours)) {
                throw new StateFileException(file, "saved from model '" + name + "' (identity " + identity
                        + "), but this is model '" + model.info().name() + "' (identity " + ours
                        + "); restore it into the model it was saved from");
            }
            int capacity = in.readInt();
            int policy = in.readUnsignedByte();
            if (policy >= OverflowPolicy.values().length) {
                throw corrupt(file, "overflow policy " + policy);
            }
            String system = in.readBoolean() ? readString(in, size, file) : null;
            int modeOrdinal = in.readUnsignedByte();
            if (modeOrdinal >= EngineSession.Mode.values().length) {
                throw corrupt(file, "session mode " + modeOrdinal);
            }
            SessionOptions options = SessionOptions.builder().contextLength(capacity)
                    .overflowPolicy(OverflowPolicy.values()[policy]).systemPrompt(system).build();
            if (capacity < 2 || capacity > model.info().contextLength()) {
                throw new StateFileException(file, "the session has a context of " + capacity + " tokens; this "
                        + "model was loaded with " + model.info().contextLength() + ": load the model with "
                        + "ModelOptions.contextLength ≥ " + capacity);
            }
            int messages = count(in, size / 5, file, "history length");
            List<ChatMessage> history = new ArrayList<>(messages);
            for (int i = 0; i < messages; i++) {
                int role = in.readUnsignedByte();
                if (role >= ChatMessage.Role.values().length) {
                    throw corrupt(file, "message role " + role);
                }
                history.add(new ChatMessage(ChatMessage.Role.values()[role], readString(in, size, file)));
            }
            TokenList transcript = readTokens(in, Math.min(capacity, size / 4), model, file);
            TokenList cached = readTokens(in, Math.min(capacity, size / 4), model, file);
            if (in.readBoolean()) {
                seq = model.transformer().newSequence(capacity);
                try {
                    seq.readFrom(in);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new StateFileException(file, "the KV cache does not fit this model: " + e.getMessage(), e);
                }
                if (seq.length() != cached.size()) {
                    throw corrupt(file, "KV cache of " + seq.length() + " positions for " + cached.size() + " tokens");
                }
            } else if (cached.size() != 0) {
                throw corrupt(file, cached.size() + " cached tokens without a KV cache");
            }
            long expected = checked.getChecksum().getValue();
            long stored = new DataInputStream(raw).readLong();
            if (stored != expected) {
                throw new StateFileException(file, "checksum mismatch: the file is corrupt");
            }
            if (raw.read() != -1) {
                throw corrupt(file, "trailing bytes after the checksum");
            }
            EngineSession s = new EngineSession(model, options, capacity);
            s.restoreState(seq, cached, history, transcript, EngineSession.Mode.values()[modeOrdinal]);
            seq = null;
            return s;
        } catch (EOFException e) {
            throw new StateFileException(file, "truncated (" + size + " bytes): the file ends before the session "
                    + "does; it was not completely written", e);
        } catch (IOException e) {
            throw new StateFileException(file, "cannot read: " + e.getMessage(), e);
        } finally {
            if (seq != null) {
                seq.close();
            }
        }
    }

    private static StateFileException corrupt(Path file, String what) {
        return new StateFileException(file, "corrupt session file: " + what);
    }

    private static int count(DataInputStream in, long max, Path file, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw corrupt(file, what + " " + Integer.toUnsignedString(n) + " is out of range (at most " + max + ")");
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, long fileSize, Path file) throws IOException {
        int n = count(in, fileSize, file, "string length");
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeTokens(DataOutputStream out, TokenList t) throws IOException {
        out.writeInt(t.size());
        for (int i = 0; i < t.size(); i++) {
            out.writeInt(t.get(i));
        }
    }

    private static TokenList readTokens(DataInputStream in, long max, EngineModel model, Path file)
            throws IOException {
        int n = count(in, max, file, "token count");
        int vocab = model.info().vocabularySize();
        TokenList t = new TokenList();
        for (int i = 0; i < n; i++) {
            int id = in.readInt();
            if (id < 0 || id >= vocab) {
                throw corrupt(file, "token id " + id + " outside the vocabulary of " + vocab);
            }
            t.add(id);
        }
        return t;
    }
}
