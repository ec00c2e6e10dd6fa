package dev.jinn.engine.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationEvent;
import dev.jinn.GenerationEvent.Answer;
import dev.jinn.GenerationEvent.Reasoning;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReasoningSplitterTest {

    private static List<GenerationEvent> feed(ReasoningSplitter s, String... chunks) {
        List<GenerationEvent> out = new ArrayList<>();
        for (String c : chunks) {
            out.addAll(s.accept(c));
        }
        out.addAll(s.flush());
        return out;
    }

    private static String text(List<GenerationEvent> events, Class<?> kind) {
        StringBuilder sb = new StringBuilder();
        for (GenerationEvent e : events) {
            if (kind.isInstance(e)) {
                sb.append(e instanceof Reasoning r ? r.text() : ((Answer) e).text());
            }
        }
        return sb.toString();
    }

    @Test
    void startsInsideReasoningAndSplitsAtCloseTagAcrossChunks() {
        List<GenerationEvent> ev = feed(new ReasoningSplitter(true), "Let me", " think.</th", "ink>\n\nThe answer", " is 4.");
        assertThat(text(ev, Reasoning.class)).isEqualTo("Let me think.");
        assertThat(text(ev, Answer.class)).isEqualTo("The answer is 4.");
        assertThat(ev.getFirst()).isInstanceOf(Reasoning.class);
    }

    @Test
    void modelThatOpensThinkItself() {
        List<GenerationEvent> ev = feed(new ReasoningSplitter(false), "<thi", "nk>hmm</think>ok");
        assertThat(text(ev, Reasoning.class)).isEqualTo("hmm");
        assertThat(text(ev, Answer.class)).isEqualTo("ok");
    }

    @Test
    void thinkTagInsideAnAnswerIsJustText() {
        List<GenerationEvent> ev = feed(new ReasoningSplitter(false), "Use <think> tags");
        assertThat(text(ev, Answer.class)).isEqualTo("Use <think> tags");
        assertThat(text(ev, Reasoning.class)).isEmpty();
    }

    @Test
    void unclosedReasoningStaysReasoning() {
        List<GenerationEvent> ev = feed(new ReasoningSplitter(true), "still </thi");
        assertThat(text(ev, Reasoning.class)).isEqualTo("still </thi");
        assertThat(text(ev, Answer.class)).isEmpty();
    }
}
