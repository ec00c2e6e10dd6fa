package dev.jinn.engine.session;

import dev.jinn.GenerationEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits streamed text into {@link GenerationEvent.Reasoning} (inside {@code <think>…</think>}) and
 * {@link GenerationEvent.Answer} (after it). Tags split across chunks are recognized: a possible tag prefix is held
 * back. The tags are not emitted; the blank lines the model writes right after {@code </think>} are dropped.
 * Not thread-safe.
 */
final class ReasoningSplitter {
    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";

    private final StringBuilder pending = new StringBuilder();
    private boolean inReasoning;
    private boolean answerStarted; // any non-blank answer text released
    private boolean trimAnswerStart; // drop leading newlines of the answer

    ReasoningSplitter(boolean startInReasoning) {
        this.inReasoning = startInReasoning;
    }

    boolean inReasoning() {
        return inReasoning;
    }

    List<GenerationEvent> accept(String text) {
        List<GenerationEvent> out = new ArrayList<>(2);
        pending.append(text);
        while (true) {
            String tag = inReasoning ? CLOSE : OPEN;
            int i = pending.indexOf(tag);
            if (i >= 0 && (inReasoning || !answerStarted && pending.substring(0, i).isBlank())) {
                emit(out, pending.substring(0, i));
                pending.delete(0, i + tag.length());
                inReasoning = !inReasoning;
                trimAnswerStart = !inReasoning;
                continue;
            }
            int hold = inReasoning || !answerStarted ? partialTagSuffix(tag) : 0;
            emit(out, pending.substring(0, pending.length() - hold));
            pending.delete(0, pending.length() - hold);
            return out;
        }
    }

    List<GenerationEvent> flush() {
        List<GenerationEvent> out = new ArrayList<>(1);
        emit(out, pending.toString());
        pending.setLength(0);
        return out;
    }

    private int partialTagSuffix(String tag) {
        for (int len = Math.min(tag.length() - 1, pending.length()); len > 0; len--) {
            if (endsWithPrefix(pending, tag, len)) {
                return len;
            }
        }
        return 0;
    }

    private void emit(List<GenerationEvent> out, String text) {
        if (inReasoning) {
            if (!text.isEmpty()) {
                out.add(new GenerationEvent.Reasoning(text));
            }
            return;
        }
        if (trimAnswerStart) {
            int s = 0;
            while (s < text.length() && (text.charAt(s) == '\n' || text.charAt(s) == '\r')) {
                s++;
            }
            text = text.substring(s);
            if (!text.isEmpty()) {
                trimAnswerStart = false;
            }
        }
        if (!text.isEmpty()) {
            if (!text.isBlank()) {
                answerStarted = true;
            }
            out.add(new GenerationEvent.Answer(text));
        }
    }

    /** Whether the last {@code len} chars of {@code sb} equal the first {@code len} chars of {@code s}. */
    static boolean endsWithPrefix(CharSequence sb, String s, int len) {
        int off = sb.length() - len;
        for (int i = 0; i < len; i++) {
            if (sb.charAt(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
